import { Hono } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import { type AppEnv, authenticate } from './auth.js';
import { limitBodies } from './body.js';
import { refuseCrossSite } from './cross-site.js';
import { ApiError, errorBody, MAX_BODY_BYTES } from './errors.js';
import { serveClient } from './static.js';

export interface AppParts {
  logger: Logger;
  clientDir: string;
  accounts: import('../accounts/accounts.js').Accounts;
  adminToken: string | undefined;
  /** Reverse proxies in front of the shop (SHOPSYNC_TRUSTED_PROXIES): their X-Forwarded-Host is read. */
  trustedProxies?: number;
  /** The cookies are `Secure` (SHOPSYNC_SECURE_COOKIES), and named so (auth.ts `cookieNames`). */
  secureCookies?: boolean;
  /** Sub-apps mounted under /api. */
  routes: Hono<AppEnv>[];
  /** The status a storefront page's path is answered with (serveClient); default 200. */
  pageStatus?: (path: string) => 200 | 404;
  /** Extra top-level handlers (health, metrics). */
  extra?: (app: Hono<AppEnv>) => void;
  /** Told of every answered request: its route's pattern (`/api/products/:id`), not its path. */
  observe?: (method: string, route: string, status: number, seconds: number, path: string) => void;
}

/** Composes the HTTP app: middleware, the /api routes, the one error shape, and the storefront. */
export function createApp(parts: AppParts): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.details), err.status);
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'SYNC_NOT_SAVED') {
      // A cart edit made (the shopper's devices have it) whose commit failed and is retried: not
      // "saved", and not "nothing done" either, so no Retry-After (an add repeated is two adds).
      parts.logger.warn({ err, path: c.req.path }, 'cart edit not saved yet');
      return c.json(
        errorBody(
          'not_saved',
          'the change is made but could not be saved yet; check the cart before repeating it',
        ),
        503,
      );
    }
    // SQLite's "database is locked" (SQLITE_BUSY and its extended codes), as better-sqlite3 throws it.
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) {
      // Another process (an import, a backup) held the database past the busy timeout: nothing
      // of the request was written, and a retry in a moment will do.
      parts.logger.warn({ path: c.req.path, method: c.req.method }, 'database busy');
      return c.json(errorBody('busy', 'the shop is busy; try again in a moment'), 503, {
        'Retry-After': '1',
      });
    }
    parts.logger.error({ err, path: c.req.path, method: c.req.method }, 'unhandled error');
    return c.json(errorBody('internal_error', 'something went wrong on our side'), 500);
  });
  // A path the shop answers, asked with another method, is 405 with the methods it answers there;
  // read from the routes at the first such request, once every route is in place.
  let allowedAt: ((path: string) => string[]) | undefined;
  app.notFound((c) => {
    allowedAt ??= methodsByPath(app.routes);
    const allowed = allowedAt(c.req.path);
    if (allowed.length > 0)
      return c.json(
        errorBody(
          'method_not_allowed',
          `${c.req.method} is not answered at ${c.req.path}; ${allowed.join(', ')} ${allowed.length > 1 ? 'are' : 'is'}`,
        ),
        405,
        { Allow: allowed.join(', ') },
      );
    return c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404);
  });

  const observe = parts.observe;
  if (observe)
    app.use('*', async (c, next) => {
      const started = performance.now();
      await next();
      // After next(), routeIndex is the handler that answered (the storefront's is '*').
      const seconds = (performance.now() - started) / 1000;
      observe(c.req.method, routePath(c) || 'none', c.res.status, seconds, c.req.path);
    });

  app.use(
    '/api/*',
    limitBodies(MAX_BODY_BYTES, (c) =>
      // Close the connection: the rest of the oversized body is never read, so it cannot be reused.
      c.json(errorBody('payload_too_large', 'request bodies are limited to 1 MiB'), 413, {
        Connection: 'close',
      }),
    ),
  );
  app.use('/api/*', refuseCrossSite(parts.trustedProxies));
  app.use('/api/*', authenticate(parts.accounts, parts.adminToken, parts.secureCookies));

  parts.extra?.(app);
  for (const routes of parts.routes) app.route('/api', routes);
  app.use('*', serveClient(parts.clientDir, parts.pageStatus));
  return app;
}

/**
 * The methods `routes` answer at a path, HEAD with GET (Hono answers HEAD by the GET route);
 * middleware (ALL) and wildcard patterns (the storefront's `*`) answer no method of their own.
 */
export function methodsByPath(
  routes: readonly { method: string; path: string }[],
): (path: string) => string[] {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const patterns = routes
    .filter((r) => r.method !== 'ALL' && !r.path.includes('*'))
    .map((r) => ({
      method: r.method,
      path: new RegExp(
        `^${r.path
          .split('/')
          .map((part) => (part.startsWith(':') ? '[^/]+' : literal(part)))
          .join('/')}$`,
      ),
    }));
  return (path) => {
    const methods = new Set<string>();
    for (const pattern of patterns) if (pattern.path.test(path)) methods.add(pattern.method);
    if (methods.has('GET')) methods.add('HEAD');
    const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
    return [...methods].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  };
}
