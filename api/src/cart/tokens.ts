import { createSyncToken, verifySyncToken } from '@shopsync/sync-server';
import type { Owner } from './carts.js';

const TOKEN_TTL_MS = 15 * 60 * 1000;

/** Short-lived signed tokens that let a device open one cart's sync room; refreshed by GET /api/cart. */
export class SyncTokens {
  constructor(
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {}

  issue(owner: Owner, cartId: string): string {
    return createSyncToken(this.secret, { sub: owner, cart: cartId, exp: this.now() + TOKEN_TTL_MS });
  }

  /** The owner the token names for this cart, or undefined when it is forged, expired or for another cart. */
  verify(token: string, cartId: string): Owner | undefined {
    const claims = verifySyncToken(this.secret, token, this.now());
    if (!claims || claims.cart !== cartId) return undefined;
    return claims.sub as Owner;
  }
}
