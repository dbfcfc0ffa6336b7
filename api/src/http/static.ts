import fs from 'node:fs';
import path from 'node:path';
import type { MiddlewareHandler } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The storefront's Content-Security-Policy: its own scripts, styles, fonts and workers only (the
 * build inlines none), product images from anywhere (Icecat's servers, a vendor's: an image
 * address could carry data out, but only a script could write one, and none but the shop's runs),
 * API calls and cart sync to the shop itself (CSP 3 browsers, all current ones, count WebSockets
 * to the same host as 'self'; `ws:`/`wss:` here would let them reach any host), no plugins, no
 * framing by other sites, forms posting only here. An injected script cannot run, and one that
 * ran could not load more code.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  'img-src * data:',
  "connect-src 'self'",
  "font-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

/**
 * Serves the built storefront: hashed files under /assets/ are immutable for a year, everything
 * else revalidates; other paths without a file extension are answered with index.html, so
 * client-side routes load, with the status `pageStatus` gives the path (decoded; as it came when
 * its %-escapes are malformed): 404 for no page of the shop, which the storefront then says too.
 */
export function serveClient(
  root: string,
  pageStatus: (path: string) => 200 | 404 = () => 200,
): MiddlewareHandler {
  const rootDir = path.resolve(root);
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const raw = new URL(c.req.url).pathname;
    let urlPath = raw;
    let malformed = false;
    try {
      urlPath = decodeURIComponent(raw);
    } catch {
      // A malformed %-escape (a link cut short) names no file, but may be a page's address
      // (/products/50%): the storefront says what it cannot find, in the shop's own page.
      malformed = true;
    }
    if (urlPath.startsWith('/api/') || urlPath === '/api' || urlPath.startsWith('/sync')) return next();
    let file = path.join(rootDir, path.normalize(urlPath));
    if (!file.startsWith(rootDir)) return next();
    let stat = malformed ? null : statOrNull(file);
    const isAsset = urlPath.startsWith('/assets/');
    let status: 200 | 404 = 200;
    if (!stat?.isFile()) {
      if (isAsset || path.extname(urlPath) !== '') return next();
      file = path.join(rootDir, 'index.html');
      stat = statOrNull(file);
      if (!stat?.isFile()) {
        return c.text('The storefront is not built. Run `npm run build -w @shopsync/client`.', 503);
      }
      status = pageStatus(urlPath);
    }
    const headers: Record<string, string> = {
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': isAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (file.endsWith('.html')) headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
    if (c.req.method === 'HEAD') return c.body(null, status, headers);
    return c.body(new Uint8Array(await fs.promises.readFile(file)), status, headers);
  };
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}
