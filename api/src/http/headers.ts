import type { IncomingMessage, RequestListener } from 'node:http';
import type { Context } from 'hono';
import { parse } from 'hono/utils/cookie';

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

/** One cookie of the request (as hono/cookie's getCookie, without the Headers object). */
export function requestCookie(c: Context, name: string): string | undefined {
  const header = requestHeader(c, 'cookie');
  return header ? parse(header, name)[name] : undefined;
}

/** What Hono's secureHeaders() sets by default (no CSP, no COEP), set once per response by Node. */
const SECURITY_HEADERS: [string, string][] = [
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
];

/**
 * The headers every answer carries, set on Node's response before Hono runs: the security headers,
 * and `Cache-Control: no-store` on /api answers. A route's own value of any of them wins (Node
 * merges these under the headers of writeHead). As Hono middleware they ran after every handler and
 * made @hono/node-server turn each answer's plain header object into a WHATWG Headers object.
 */
export function baseHeaders(listener: RequestListener): RequestListener {
  return (req, res) => {
    for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
    if (req.url?.startsWith('/api/')) res.setHeader('Cache-Control', 'no-store');
    listener(req, res);
  };
}
