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
 * cannot set: `cross-site` and `same-site` are refused with 403 `cross_site_request`. Browsers
 * that do not send it (those from before 2023) send `Origin` on every POST, PUT, PATCH and DELETE
 * a page makes: without `Sec-Fetch-Site`, an `Origin` whose host is not the one the request was
 * addressed to (`Host`, or `X-Forwarded-Host` from a proxy that rewrites it, read only when the
 * shop is told it is behind `trustedProxies`: without a proxy, a client could name any host in
 * it) is refused too. Clients that are not browsers send neither and pass.
 */
export function refuseCrossSite(trustedProxies = 0): MiddlewareHandler {
  return async (c, next) => {
    if (!SAFE.has(c.req.method)) {
      const site = requestHeader(c, 'sec-fetch-site');
      const origin = requestHeader(c, 'origin');
      const foreign =
        fromAnotherSite(site) ||
        (site === undefined &&
          origin !== undefined &&
          !originIsHost(
            origin,
            requestHeader(c, 'host'),
            requestHeader(c, 'x-forwarded-host'),
            trustedProxies,
          ));
      if (foreign)
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

/**
 * Whether a request's `Origin` names the host the request was addressed to: `host` (the Host
 * header), or, behind `trustedProxies` (SHOPSYNC_TRUSTED_PROXIES), the first of `forwardedHost`
 * (X-Forwarded-Host, from a proxy that rewrites Host); without a proxy, anyone may write that
 * header. An Origin of "null" (a sandboxed or file page) or one no URL parser reads is not.
 */
export function originIsHost(
  origin: string,
  host: string | undefined,
  forwardedHost: string | string[] | undefined,
  trustedProxies: number,
): boolean {
  const header = trustedProxies > 0 ? forwardedHost : undefined;
  const forwarded = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
  try {
    const { host: originHost, protocol } = new URL(origin);
    // As URL writes a host (lowercase, no default port for the scheme), which a header need not.
    const same = (h: string | undefined) => !!h && originHost === new URL(`${protocol}//${h}`).host;
    return same(host) || same(forwarded);
  } catch {
    return false;
  }
}
