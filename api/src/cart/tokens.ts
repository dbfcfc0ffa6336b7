import { createSyncToken, verifySyncToken } from '@shopsync/sync-server';
import type { Owner } from './carts.js';

const TOKEN_TTL_MS = 15 * 60 * 1000;

/**
 * Who a token or a sync connection names: a user by id; a guest by the cart. Never by the guest
 * id: that is the guest cookie's whole credential (HttpOnly, 90 days), and a token is read by
 * the page's scripts, kept in localStorage and sent in sync URLs that proxies log. A guest's one
 * cart names the guest as well for the sync server's count of connections per owner.
 */
export function principalOf(owner: Owner, cartId: string): string {
  return owner.startsWith('guest:') ? guestPrincipal(cartId) : owner;
}

/** A guest, as tokens and sync connections name one (principalOf). */
export function guestPrincipal(cartId: string): string {
  return `guest:${cartId}`;
}

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
      sub: principalOf(owner, cartId),
      cart: cartId,
      exp,
      ...(session ? { sid: session } : {}),
    });
  }

  /**
   * Whom the token names for this cart (principalOf: `user:<id>`, or `guest:<cartId>`) and the
   * sign-in it was issued on, or undefined when it is forged, expired or for another cart. Whether
   * that sign-in is still live, and the cart still the user's, is the caller's.
   */
  verify(token: string, cartId: string): { principal: string; session: string | undefined } | undefined {
    const claims = verifySyncToken(this.secret, token, this.now());
    if (!claims || claims.cart !== cartId) return undefined;
    return { principal: claims.sub, session: claims.sid };
  }
}
