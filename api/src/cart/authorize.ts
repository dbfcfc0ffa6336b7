import type { IncomingMessage } from 'node:http';
import { bearerToken } from '@shopsync/sync-server/tokens';
import { parse as parseCookies } from 'hono/utils/cookie';
import { type Accounts, sessionId } from '../accounts/accounts.js';
import { cookieNames, isGuestId } from '../http/auth.js';
import { fromAnotherSite, originIsHost } from '../http/cross-site.js';
import type { Owner } from './carts.js';
import { guestPrincipal, type SyncTokens } from './tokens.js';

export type SyncDecision =
  | { ok: true; principal: string; session?: string }
  | { ok: false; status: 401 | 403 | 404; reason: string };

/**
 * Who may open a cart's sync room: the bearer of a valid sync token for that cart (`?token=`), a
 * client whose session token (`Authorization: Bearer`, as every endpoint that takes a session) or
 * session or guest cookie owns it, unless the browser says the request comes from another site.
 * Anything else is refused before any document byte. A token issued on a sign-in that has ended
 * (signed out, expired) opens nothing; the decision names the sign-in a connection rests on, so
 * signing out closes it (SyncServer.endSession).
 */
export function authorizeSync(
  req: IncomingMessage,
  cartId: string,
  deps: {
    tokens: SyncTokens;
    accounts: Accounts;
    /** Whether `cartId` is this owner's cart (Carts.owns). */
    owns: (owner: Owner, cartId: string) => boolean;
    /** Reverse proxies in front of the shop: only behind one is X-Forwarded-Host read. */
    trustedProxies?: number;
    /** The cookies are `Secure`, and named so (cookieNames). */
    secureCookies?: boolean;
  },
): SyncDecision {
  const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  if (token) {
    const named = deps.tokens.verify(token, cartId);
    if (!named) return { ok: false, status: 401, reason: 'invalid or expired sync token' };
    if (named.session !== undefined && !deps.accounts.sessionLive(named.session))
      return { ok: false, status: 401, reason: 'the sign-in this token was issued on has ended' };
    // A user's token opens the cart while it is the user's. A guest's names the cart its MAC
    // binds, which the shop issued to the cart's guest only (a guest's cart is never a user's).
    const owner = named.principal.startsWith('user:')
      ? deps.owns(named.principal as Owner, cartId)
      : named.principal === guestPrincipal(cartId);
    if (!owner) return { ok: false, status: 403, reason: 'this token does not own the cart' };
    return { ok: true, principal: named.principal, ...(named.session ? { session: named.session } : {}) };
  }
  // Cookies go with a WebSocket a page of any site opens: one opened from another site or a
  // sibling subdomain is not the shopper's own (cross-site WebSocket hijacking).
  if (!fromTheShop(req, deps.trustedProxies))
    return { ok: false, status: 403, reason: 'cart sync must come from the shop itself' };
  // The same cookie parser the HTTP routes use (hono's), which never throws on bad escapes.
  const cookies = parseCookies(req.headers.cookie ?? '');
  const names = cookieNames(deps.secureCookies ?? false);
  const bearer = bearerToken(req.headers.authorization);
  const session = bearer ?? cookies[names.session];
  const user = session ? deps.accounts.userForToken(session) : undefined;
  if (user && deps.owns(`user:${user.id}`, cartId))
    return { ok: true, principal: `user:${user.id}`, session: sessionId(session!) };
  const guest = cookies[names.guest];
  if (guest && isGuestId(guest) && deps.owns(`guest:${guest}`, cartId))
    return { ok: true, principal: guestPrincipal(cartId) };
  return { ok: false, status: user || guest ? 403 : 401, reason: 'no credentials for this cart' };
}

/**
 * Whether a WebSocket handshake comes from the shop's own pages, as far as the browser says:
 * `Sec-Fetch-Site` where it is sent (Chromium sends none on WebSocket handshakes), and `Origin`,
 * which browsers always send on them: its host must be the one the request was addressed to
 * (`Host`, or `X-Forwarded-Host` from a proxy that rewrites `Host`, read only behind
 * `trustedProxies`). Clients that are not browsers send neither and pass.
 */
export function fromTheShop(req: IncomingMessage, trustedProxies = 0): boolean {
  if (fromAnotherSite(req.headers['sec-fetch-site'])) return false;
  const origin = req.headers.origin;
  return (
    origin === undefined ||
    originIsHost(origin, req.headers.host, req.headers['x-forwarded-host'], trustedProxies)
  );
}
