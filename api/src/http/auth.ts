import type { User } from '@shopsync/core';
import { bearerToken, sameSecret } from '@shopsync/sync-server/tokens';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { Accounts } from '../accounts/accounts.js';
import { newId } from '../ids.js';
import { ApiError } from './errors.js';
import { requestCookie, requestHeader } from './headers.js';

/**
 * The names of the shop's cookies. Behind HTTPS (`Secure` cookies) they carry the `__Host-`
 * prefix: a browser keeps such a cookie only when this very host set it over HTTPS, with Path=/
 * and no Domain, so a sibling subdomain, or a page on plain HTTP, cannot plant one ("cookie
 * tossing"; SameSite and the Origin checks do not stop it). A planted session cookie would sign
 * the shopper into someone else's account, whose checkout then keeps the address they type; a
 * planted guest cookie would share a guest cart with whoever chose its id. Over plain HTTP (local
 * use) the prefix cannot be set, and the names are plain. The device cookie (accounts/devices.ts)
 * is signed by the shop, so a planted one counts for nothing; it is named alike all the same.
 */
export function cookieNames(secure: boolean): { session: string; guest: string; device: string } {
  const prefix = secure ? '__Host-' : '';
  return {
    session: `${prefix}shopsync_session`,
    guest: `${prefix}shopsync_guest`,
    device: `${prefix}shopsync_device`,
  };
}

const GUEST_ID = /^g_[A-Za-z0-9_-]{16,32}$/;

export interface AppEnv {
  Variables: {
    user: User | undefined;
    sessionToken: string | undefined;
    vendor: boolean;
  };
}

function bearer(c: Context): string | undefined {
  return bearerToken(requestHeader(c, 'authorization'));
}

/** Whether the request presents a bearer token (valid or not). */
export function presentsBearer(c: Context): boolean {
  return bearer(c) !== undefined;
}

/**
 * Resolves who is calling: a session (bearer token or cookie), and whether the caller is a vendor.
 * `secureCookies`: the cookies are `Secure`, and named so (cookieNames).
 */
export function authenticate(
  accounts: Accounts,
  adminToken: string | undefined,
  secureCookies = false,
): MiddlewareHandler<AppEnv> {
  const { session } = cookieNames(secureCookies);
  return async (c, next) => {
    const token = bearer(c);
    const vendor = !!(token && adminToken && sameSecret(token, adminToken));
    const sessionToken = vendor ? undefined : (token ?? requestCookie(c, session));
    const user = sessionToken ? accounts.userForToken(sessionToken) : undefined;
    c.set('vendor', vendor);
    c.set('user', user);
    c.set('sessionToken', user ? sessionToken : undefined);
    await next();
  };
}

export function requireUser(c: Context<AppEnv>): User {
  const user = c.get('user');
  if (!user) throw new ApiError(401, 'unauthenticated', 'sign in first');
  return user;
}

/**
 * Vendor writes: 401 `unauthenticated` for a request that presents no credentials at all, 403
 * `forbidden` for one that does (a shopper's session, or a bearer token that is not the vendor's).
 */
export function requireVendor(c: Context<AppEnv>): void {
  if (c.get('vendor')) return;
  if (!c.get('user') && !requestHeader(c, 'authorization'))
    throw new ApiError(401, 'unauthenticated', 'this needs the vendor role: sign in with its token');
  throw new ApiError(403, 'forbidden', 'this needs the vendor role');
}

export function setSessionCookie(c: Context, token: string, secure: boolean): void {
  setCookie(c, cookieNames(secure).session, token, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure,
    maxAge: 30 * 24 * 3600,
  });
}

/** Clears the session cookie, with the attributes it was set with (so no browser keeps it). */
export function clearSessionCookie(c: Context, secure: boolean): void {
  deleteCookie(c, cookieNames(secure).session, { path: '/', httpOnly: true, sameSite: 'Lax', secure });
}

/** How long a device cookie lasts after the sign-in that set it (each sign-in sets a new one). */
export const DEVICE_COOKIE_MS = 365 * 24 * 3600_000;

/**
 * Sets the device cookie (accounts/devices.ts) on a sign-in or signup that succeeded. It outlives
 * the session, and signing out leaves it: it is for the next sign-in.
 */
export function setDeviceCookie(c: Context, value: string, secure: boolean): void {
  setCookie(c, cookieNames(secure).device, value, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure,
    maxAge: DEVICE_COOKIE_MS / 1000,
  });
}

/** The device cookie the request presents, unchecked (Accounts checks it). */
export function readDeviceCookie(c: Context, secure: boolean): string | undefined {
  return requestCookie(c, cookieNames(secure).device);
}

export function readGuestId(c: Context, secure: boolean): string | undefined {
  const id = requestCookie(c, cookieNames(secure).guest);
  return id && isGuestId(id) ? id : undefined;
}

/** Whether a guest cookie's value is one the shop could have made (guestId). */
export function isGuestId(id: string): boolean {
  return GUEST_ID.test(id);
}

/** How long a guest cookie lasts after the guest's last visit; the cart goes soon after it. */
export const GUEST_COOKIE_MS = 90 * 24 * 3600_000;

/**
 * The guest id from the cookie, creating one on first use. The cookie is set again on every use
 * (a cart read or edit), so it lasts 90 days from the guest's last visit, not from the first:
 * a guest who shops now and then does not lose the cart on the 90th day.
 */
export function guestId(c: Context, secure: boolean): string {
  const id = readGuestId(c, secure) ?? newId('g', 16);
  setCookie(c, cookieNames(secure).guest, id, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure,
    maxAge: GUEST_COOKIE_MS / 1000,
  });
  return id;
}
