import type { MiddlewareHandler } from 'hono';
import { errorBody } from './errors.js';
import { requestHeader } from './headers.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses a state-changing API call that a browser says comes from another site (cross-site
 * request forgery). Session cookies are SameSite=Lax, which keeps them off other sites' POSTs,
 * but not off a sibling subdomain's (evil.example.com is the same site as shop.example.com), and
 * the API reads a body as JSON whatever its content type, so a plain HTML form
 * (`enctype="text/plain"`) could otherwise add to a cart, place an order or sign a browser in to
 * another account. Browsers say where a request comes from in `Sec-Fetch-Site`, which pages
 * cannot set: `cross-site` and `same-site` are refused with 403 `cross_site_request`. Requests
 * without it (non-browser clients, browsers from before 2023) pass, as they did; the header is
 * compared with nothing the operator configures, so reverse proxies that rewrite `Host` do not
 * matter.
 */
export function refuseCrossSite(): MiddlewareHandler {
  return async (c, next) => {
    if (!SAFE.has(c.req.method)) {
      if (fromAnotherSite(requestHeader(c, 'sec-fetch-site')))
        return c.json(
          errorBody('cross_site_request', 'requests that change something must come from the shop itself'),
          403,
        );
    }
    await next();
  };
}

/**
 * Whether a browser's `Sec-Fetch-Site` says the request comes from another site or a sibling
 * subdomain. Cart sync (a WebSocket, which pages open to any host) asks it too before it takes a
 * cookie as the cart's owner (cart/authorize.ts).
 */
export function fromAnotherSite(secFetchSite: string | string[] | undefined): boolean {
  return secFetchSite === 'cross-site' || secFetchSite === 'same-site';
}
