import { createSyncToken, verifySyncToken } from '@shopsync/sync-server';
import type { Owner } from './carts.js';

const TOKEN_TTL_MS = 15 * 60 * 1000;

/** Short-lived signed tokens that let a device open one cart's sync room; refreshed by GET /api/cart. */
export class SyncTokens {
  constructor(
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** `session`: the id of the sign-in it is issued on (accounts' sessionId); none for a guest. */
  issue(owner: Owner, cartId: string, session?: string): string {
    const exp = this.now() + TOKEN_TTL_MS;
    return createSyncToken(this.secret, {
      sub: owner,
      cart: cartId,
      exp,
      ...(session ? { sid: session } : {}),
    });
  }

  /**
   * The owner the token names for this cart and the sign-in it was issued on, or undefined when
   * it is forged, expired or for another cart. Whether that sign-in is still live is the caller's.
   */
  verify(token: string, cartId: string): { owner: Owner; session: string | undefined } | undefined {
    const claims = verifySyncToken(this.secret, token, this.now());
    if (!claims || claims.cart !== cartId) return undefined;
    return { owner: claims.sub as Owner, session: claims.sid };
  }
}
