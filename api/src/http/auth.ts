import type { User } from '@shopsync/core';
import { bearerToken, sameSecret } from '@shopsync/sync-server/tokens';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { Accounts } from '../accounts/accounts.js';
import { newId } from '../ids.js';
import { ApiError } from './errors.js';
import { requestCookie, requestHeader } from './headers.js';

export const SESSION_COOKIE = 'shopsync_session';
export const GUEST_COOKIE = 'shopsync_guest';
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

/** Resolves who is calling: a session (bearer token or cookie), and whether the caller is a vendor. */
export function authenticate(accounts: Accounts, adminToken: string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearer(c);
    const vendor = !!(token && adminToken && sameSecret(token, adminToken));
    const sessionToken = vendor ? undefined : (token ?? requestCookie(c, SESSION_COOKIE));
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
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure,
    maxAge: 30 * 24 * 3600,
  });
}

/** Clears the session cookie, with the attributes it was set with (so no browser keeps it). */
export function clearSessionCookie(c: Context, secure: boolean): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Lax', secure });
}

export function readGuestId(c: Context): string | undefined {
  const id = requestCookie(c, GUEST_COOKIE);
  return id && GUEST_ID.test(id) ? id : undefined;
}

/** The guest id from the cookie, creating one (and its cookie) on first use. */
export function guestId(c: Context, secure: boolean): string {
  const existing = readGuestId(c);
  if (existing) return existing;
  const id = newId('g', 16);
  setCookie(c, GUEST_COOKIE, id, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure,
    maxAge: 90 * 24 * 3600,
  });
  return id;
}
