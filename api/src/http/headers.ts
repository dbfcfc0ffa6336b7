import type { IncomingMessage } from 'node:http';
import { clientAddress } from '@shopsync/sync-server/address';
import type { Context } from 'hono';

/** Node's own request behind a Hono context; undefined where Hono runs without Node (app.request). */
function incoming(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

/**
 * One request header (`name` in lower case), read from Node's request where there is one. Hono's
 * `c.req.header()` makes @hono/node-server build a WHATWG Headers object of every header the
 * request has, which cost about 5% of a checkout's CPU; this reads the one header asked for.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const req = incoming(c);
  if (!req) return c.req.header(name);
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The address the request came from: the socket's peer, or behind `trustedProxies` reverse
 * proxies the address the outermost of them saw (`clientAddress`, X-Forwarded-For).
 */
export function requestAddress(c: Context, trustedProxies = 0): string {
  const req = incoming(c);
  return req ? clientAddress(req, trustedProxies) : '';
}

/** One cookie of the request (as hono/cookie's getCookie, without the Headers object). */
export function requestCookie(c: Context, name: string): string | undefined {
  const header = requestHeader(c, 'cookie');
  return header ? cookieValue(header, name) : undefined;
}

/**
 * The value of the first cookie called `name` in a Cookie header: unquoted, and URI-decoded when
 * it holds a %-escape (as Hono's setCookie writes them). Finds the one name asked for instead of
 * parsing every pair as hono/cookie's parser does; values are not checked against the cookie
 * grammar, since every caller checks what it reads (a session is looked up, a guest id matched).
 */
export function cookieValue(header: string, name: string): string | undefined {
  for (let at = header.indexOf(name); at !== -1; at = header.indexOf(name, at + 1)) {
    let before = at - 1;
    while (before >= 0 && (header[before] === ' ' || header[before] === '\t')) before--;
    if ((before >= 0 && header[before] !== ';') || header[at + name.length] !== '=') continue;
    const end = header.indexOf(';', at);
    let value = header.slice(at + name.length + 1, end === -1 ? header.length : end).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!value.includes('%')) return value;
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

/**
 * The headers every answer carries: what Hono's secureHeaders() sets by default (no CSP, no COEP)
 * and `Cache-Control: no-store`. A route's own value of any of them wins: the storefront's files
 * set their own caching. No-store is the default for everything else rather than decided by
 * matching /api on the request target, which the router reads differently (`/%61pi/me` and
 * `/x/../api/me` reach the API too). They are added by Node's response (http/response.ts), not by
 * Hono middleware: as middleware they ran after every handler and made @hono/node-server turn
 * each answer's plain header object into a WHATWG Headers object.
 */
export const BASE_HEADERS: readonly (readonly [string, string])[] = [
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
  ['Cache-Control', 'no-store'],
];
