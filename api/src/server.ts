import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { compactCart, LINES_KEY, YjsCart } from '@shopsync/core';
import { isPagePath, PAGES } from '@shopsync/core/pages';
import {
  Checkpointer,
  clientAddress,
  createSyncServer,
  type DataDirLock,
  flatMapUpdates,
  listeningUrl,
  lockDataDir,
  metricsAllowed,
  NOT_UPGRADED,
  privateDir,
  type SyncServer,
  TOUCH_SLACK_MS,
} from '@shopsync/sync-server';
import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram } from 'prom-client';
import { Accounts } from './accounts/accounts.js';
import { Budget } from './accounts/budget.js';
import { deviceKey } from './accounts/devices.js';
import { EmailChanges } from './accounts/email-changes.js';
import { PASSWORD_COST, passwordHashes } from './accounts/passwords.js';
import { PasswordResets } from './accounts/resets.js';
import { accountRoutes } from './accounts/routes.js';
import { authorizeSync } from './cart/authorize.js';
import { Carts } from './cart/carts.js';
import { cartRoutes } from './cart/routes.js';
import { SyncTokens } from './cart/tokens.js';
import { Catalog } from './catalog/products.js';
import { catalogRoutes } from './catalog/routes.js';
import { ensureSeeded } from './catalog/seed.js';
import { adminOrderRoutes } from './checkout/admin-routes.js';
import { Checkout } from './checkout/checkout.js';
import { InMemoryOrderQueue } from './checkout/queue.js';
import { orderRoutes, type SessionEnds } from './checkout/routes.js';
import { SqliteStockStore } from './checkout/stock.js';
import { OrderStore } from './checkout/store.js';
import { StockWriter } from './checkout/writer.js';
import type { Config } from './config.js';
import { type Db, metaOr, openDatabase, statement } from './db.js';
import { createApp } from './http/app.js';
import { GUEST_COOKIE_MS } from './http/auth.js';
import { answerClientError, answerRefusedUpgrade } from './http/client-error.js';
import { compressor } from './http/compress.js';
import { errorBody } from './http/errors.js';
import { BASE_HEADERS, requestHeader } from './http/headers.js';
import { responseClass } from './http/response.js';
import {
  type MailSender,
  OUTBOX_DIR,
  OUTBOX_KEEP_MS,
  outboxSender,
  smtpSender,
  sweepOutbox,
} from './mail/sender.js';
import { SearchFeed } from './search/feed.js';

export interface RunningServer {
  url: string;
  port: number;
  db: Db;
  sync: SyncServer;
  feed: SearchFeed;
  writer: StockWriter;
  close(): Promise<void>;
}

/**
 * How long a shutdown waits for requests in flight (an order's live status stream, a stalled
 * upload) before it closes their connections.
 */
export const SHUTDOWN_GRACE_MS = 5_000;

/**
 * Stops accepting connections and waits for the open ones to end. Node's `close()` waits for
 * every connection and closes only those idle at that moment, so a browser that keeps sending
 * on its kept-alive connections (or one open event stream) would keep a stopping shop serving
 * forever: idle connections are closed as they become idle, and after `graceMs` every one.
 */
export async function stopServing(server: http.Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearInterval(idle);
    clearTimeout(deadline);
  }
}

/**
 * Shoppers and addresses whose cart edits and orders are counted (the least recently used are
 * forgotten first, which gives them their whole budget back), as for password checks.
 */
const REQUEST_BUDGET_KEYS = 100_000;

/** How often expired sessions and idempotency keys are deleted. */
const SWEEP_INTERVAL_MS = 3600_000;
/** How often the carts of guests gone for good are looked for. */
const GUEST_CART_SWEEP_MS = 24 * 3600_000;

function syncSecret(db: Db, configured: string | undefined): string {
  return configured ?? metaOr(db, 'sync_secret', () => randomBytes(32).toString('base64url'));
}

/** What an embedder (a test) may put in place of the shop's own. */
export interface ServerSeams {
  /** Where the shop's mails go, instead of SHOPSYNC_SMTP_URL's server or DATA_DIR/outbox. */
  mail?: MailSender;
  /** How often expired rows are swept (SWEEP_INTERVAL_MS): a test's hour is shorter. */
  sweepEveryMs?: number;
}

/** Starts the whole shop in this process: api, sync server, search, storefront, on one port. */
export async function startServer(
  config: Config,
  logger: Logger,
  seams: ServerSeams = {},
): Promise<RunningServer> {
  // Readable by this user only (privateDir says why), an existing one tightened and said so.
  privateDir(config.dataDir, logger);
  // One shop per data directory (lockDataDir says why); held until close, or the process ends.
  const lock = lockDataDir(config.dataDir, 'shop.lock');
  try {
    return await start(config, logger, lock, seams);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function start(
  config: Config,
  logger: Logger,
  lock: DataDirLock,
  seams: ServerSeams,
): Promise<RunningServer> {
  const db = openDatabase(config.dataDir, undefined, config.durability);
  // What a start that fails part way (a port in use, an index that cannot load) has set going:
  // undone, last first, before the error goes on, so an embedder is left no open database,
  // shard threads or timers, and can start again.
  const undo: (() => unknown)[] = [() => db.close()];
  try {
    return await assemble(config, logger, lock, db, undo, seams);
  } catch (err) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (error) {
        logger.warn({ error }, 'undoing a failed start');
      }
    }
    throw err;
  }
}

async function assemble(
  config: Config,
  logger: Logger,
  lock: DataDirLock,
  db: Db,
  undo: (() => unknown)[],
  seams: ServerSeams,
): Promise<RunningServer> {
  const catalog = new Catalog(db);
  const seeded = await ensureSeeded(
    db,
    catalog,
    { seed: config.seed, count: config.seedCount },
    (done, total) => {
      if (done === total || done % 5000 === 0) logger.info({ done, total }, 'seeding the generated catalog');
    },
  );
  if (seeded) logger.info({ products: seeded }, 'seeded a fresh data directory');

  const secret = syncSecret(db, config.secret);
  if (config.passwordCost < PASSWORD_COST)
    logger.warn(
      { passwordCost: config.passwordCost },
      `SHOPSYNC_PASSWORD_COST is below OWASP's minimum of ${PASSWORD_COST}: new passwords are hashed weakly (meant for test suites)`,
    );
  const accounts = new Accounts(db, Date.now, {
    addressChecks: config.passwordChecksPerAddress,
    addressWaiting: config.passwordWaitingPerAddress,
    passwordCost: config.passwordCost,
    // Device cookies stay valid across restarts and across processes that share the secret.
    deviceKey: deviceKey(secret),
  });
  const outbox = seams.mail || config.smtpUrl ? undefined : path.join(config.dataDir, OUTBOX_DIR);
  const mail =
    seams.mail ??
    (outbox ? outboxSender(outbox, config.mailFrom, logger) : smtpSender(config.smtpUrl!, config.mailFrom));
  undo.push(() => mail.close());
  // Known once the shop listens, unless set: the port may be any free one (PORT=0).
  let publicUrl = config.publicUrl;
  const resets = new PasswordResets(db, accounts, {
    mail,
    link: (token) => `${publicUrl}/reset-password?token=${token}`,
    logger,
  });
  undo.push(() => resets.settle());
  const emailChanges = new EmailChanges(db, accounts, {
    mail,
    page: (pagePath) => `${publicUrl}${pagePath}`,
    logger,
  });
  undo.push(() => emailChanges.settle());
  const tokens = new SyncTokens(secret);
  let carts: Carts | undefined;
  const sync = createSyncServer({
    db,
    logger: logger.child({ component: 'sync' }),
    authorize: (req, cartId) =>
      authorizeSync(req, cartId, {
        tokens,
        accounts,
        owns: (owner, id) => carts!.owns(owner, id),
        trustedProxies: config.trustedProxies,
        secureCookies: config.secureCookies,
      }),
    limits: {
      idleRoomMs: config.syncIdleMs,
      maxRooms: config.syncMaxRooms,
      maxMemoryBytes: config.syncMaxMemoryMb * 1024 * 1024,
      maxConnectionsPerAddress: config.syncMaxPerAddress,
      writeBytesPerAddressPerSecond: config.syncWriteKibPerAddress * 1024,
    },
    clientAddress: (req) => clientAddress(req, config.trustedProxies),
    // A cart's compaction point (core/README.md): when no device has it open, long lines become one entry.
    hooks: { onIdle: (_cartId, doc) => compactCart(new YjsCart(doc)) },
    // A device writes cart entries, nothing else (update-check.ts: what else could cost).
    checkUpdate: flatMapUpdates(LINES_KEY),
  });
  undo.push(() => sync.close());
  carts = new Carts(db, sync);
  const malformed = new Counter({
    name: 'shopsync_cart_malformed_entries_total',
    help: 'Malformed cart entries skipped by reads (written by a buggy or hostile client)',
    registers: [sync.metrics.registry],
  });
  carts.onMalformed = (n) => malformed.inc(n);
  new Gauge({
    name: 'shopsync_password_hashes_waiting',
    help: 'Password hashes waiting for their turn, by priority (sign-ins go first)',
    labelNames: ['priority'] as const,
    registers: [sync.metrics.registry],
    collect() {
      for (const [priority, n] of Object.entries(passwordHashes.queued)) this.set({ priority }, n);
    },
  });
  // SHOPSYNC_CHECKOUT_BATCH=1 is the naive path the checkout benchmark compares: a transaction
  // for every write (new order, decision, cleared-cart note) instead of one per batch.
  const orders = new OrderStore(db, Date.now, config.checkoutBatch);
  const stock = new SqliteStockStore(db);
  const writer = new StockWriter(stock, new InMemoryOrderQueue(), { maxBatch: config.checkoutBatch });
  writer.on('error', (err) =>
    logger.error({ err }, 'stock writer batch failed; its orders stay pending and are tried again'),
  );
  const checkout = new Checkout(orders, stock, writer, catalog, sync);
  const decided = new Counter({
    name: 'shopsync_orders_total',
    help: 'Orders that reached a status: confirmed, rejected, cancelled, shipped or delivered',
    labelNames: ['status'] as const,
    registers: [sync.metrics.registry],
  });
  checkout.on('status', (order: { status: string }) => {
    if (order.status !== 'pending') decided.inc({ status: order.status });
  });
  checkout.on('error', (err) =>
    logger.error({ err }, "clearing a confirmed order's cart entries failed; redone at the next start"),
  );

  const started = performance.now();
  const feed = new SearchFeed(db, catalog, {
    dir: config.dataDir,
    shards: config.searchShards,
    logger: logger.child({ component: 'search' }),
  });
  undo.push(() => feed.stop());
  const how = await feed.open();
  feed.start();
  logger.info(
    {
      products: feed.index.size,
      ms: Math.round(performance.now() - started),
      how,
      replayed: feed.replayed,
      shards: config.searchShards,
    },
    'search index ready',
  );

  // Process metrics (CPU, memory, heap, event-loop lag, handles) and every request's duration.
  collectDefaultMetrics({ register: sync.metrics.registry });
  const requests = new Histogram({
    name: 'shopsync_http_request_duration_seconds',
    help: 'HTTP requests answered, by method, route pattern and status, and how long each took',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [sync.metrics.registry],
  });
  const accessLog = logger.isLevelEnabled('debug');
  // Aborted when the shop stops: ends the orders' live status streams at once (routes.ts).
  const stopping = new AbortController();
  // Each sign-in that ends, for what rests on it besides cart sync: the live status streams.
  const sessionEnds: SessionEnds = new EventEmitter();
  const endSession = (session: string, reason?: string) => {
    sync.endSession(session, reason);
    sessionEnds.emit('ended', session);
  };
  const app = createApp({
    observe: (method, route, status, seconds, path) => {
      requests.observe({ method, route, status }, seconds);
      // The access log, at debug: at thousands of requests a second it would be most of the log.
      if (accessLog) logger.debug({ method, path, status, ms: Math.round(seconds * 1e4) / 10 }, 'request');
    },
    logger,
    clientDir: config.clientDir,
    // A product page of no product is a 404 too (a deleted product's page, a mistyped link).
    // The page is served whatever the database says: one that cannot answer (health says so)
    // leaves the product page's status 200, as the storefront then shows its own error.
    pageStatus: (path) => {
      const product = PAGES.product.exec(path)?.[1];
      if (product === undefined) return isPagePath(path) ? 200 : 404;
      try {
        return catalog.offer(product) ? 200 : 404;
      } catch {
        return 200;
      }
    },
    accounts,
    adminToken: config.adminToken,
    trustedProxies: config.trustedProxies,
    secureCookies: config.secureCookies,
    routes: [
      accountRoutes(
        accounts,
        carts,
        config.secureCookies,
        config.trustedProxies,
        endSession,
        logger,
        resets,
        emailChanges,
      ),
      catalogRoutes(catalog, feed),
      cartRoutes(carts, catalog, tokens, config.secureCookies, {
        budget: new Budget(config.cartWritesPerMinute, 60_000, Date.now, REQUEST_BUDGET_KEYS),
        trustedProxies: config.trustedProxies,
      }),
      orderRoutes(
        checkout,
        orders,
        carts,
        accounts,
        stopping.signal,
        sessionEnds,
        new Budget(config.ordersPerMinute, 60_000, Date.now, REQUEST_BUDGET_KEYS),
      ),
      adminOrderRoutes(checkout, orders, accounts),
    ],
    extra: (a) => {
      // Listening means the search index is loaded; the database must still answer a read.
      a.get('/api/health', (c) => {
        try {
          // A read of a table's page: `SELECT 1` reads none, and answers from a damaged file.
          statement(db, 'SELECT seq FROM product_changes ORDER BY seq DESC LIMIT 1').get();
        } catch (err) {
          logger.error({ err }, 'health check: the database does not answer');
          return c.json({ status: 'error', error: 'database' }, 503);
        }
        // Search stops following the catalog when its reads fail (SearchFeed.start logs why).
        if (feed.failing) return c.json({ status: 'error', error: 'search' }, 503);
        return c.json({ status: 'ok' });
      });
      // Cart sync is a WebSocket (the upgrade is routed before Hono sees the request).
      a.all('/sync', (c) => c.json({ error: NOT_UPGRADED }, 426, { Upgrade: 'websocket' }));
      a.all('/sync/*', (c) => c.json({ error: NOT_UPGRADED }, 426, { Upgrade: 'websocket' }));
      a.get('/metrics', async (c) => {
        if (!metricsAllowed(config.metricsToken, requestHeader(c, 'authorization')))
          return c.json(errorBody('unauthenticated', 'metrics need the metrics token'), 401, {
            'WWW-Authenticate': 'Bearer realm="metrics"',
          });
        return c.text(await sync.metricsText(), 200, { 'Content-Type': 'text/plain; version=0.0.4' });
      });
    },
  });

  const recovered = await checkout.recover();
  if (recovered.pending || recovered.carts)
    logger.info(recovered, 'recovered orders left open by the last run');
  // Expired sessions and idempotency keys no longer count for anything (reads check their age),
  // but their rows would pile up for as long as the shop runs: swept at start and every hour.
  // So would the carts of guests who never come back: looked for at start and once a day (each
  // look reads every cart unused for 90 days, users' too). A guest's cart is kept three days past
  // its cookie, when no cookie can open it: a recorded use may lag the last real one by a day and
  // a half (a use is recorded to the day; a room held for days, twice a day). Users' carts stay.
  let expiring: Promise<unknown> | undefined;
  let expired = Number.NEGATIVE_INFINITY;
  const sweep = () => {
    // A sign-in that expired ends its cart sync and live status streams too, within the hour:
    // they were authorized once, when they opened, and would otherwise stay open for as long.
    // A delete that meets the database locked past the busy timeout (another process writing)
    // is tried again at the next sweep: thrown from a timer, it would end the shop.
    try {
      const sessions = accounts.expireSessions();
      for (const session of sessions) endSession(session, 'session expired');
      const swept = {
        sessions: sessions.length,
        idempotencyKeys: orders.expireIdempotencyKeys(),
        passwordResets: resets.expire(),
        emailChanges: emailChanges.expire(),
      };
      if (Object.values(swept).some((n) => n > 0)) logger.info(swept, 'removed expired rows');
    } catch (err) {
      logger.error({ err }, 'removing expired rows failed; the next sweep tries again');
    }
    if (outbox) {
      sweepOutbox(outbox, Date.now() - OUTBOX_KEEP_MS)
        .then((mails) => {
          if (mails > 0) logger.info({ mails, outbox }, 'removed mails older than 7 days from the outbox');
        })
        .catch((err) => logger.error({ err, outbox }, 'removing old mails from the outbox failed'));
    }
    if (expiring || Date.now() - expired < GUEST_CART_SWEEP_MS) return;
    expired = Date.now();
    expiring = sync
      .expireDocuments(Date.now() - GUEST_COOKIE_MS - 3 * TOUCH_SLACK_MS, (cartId) =>
        carts.isUsersCart(cartId),
      )
      .then((guestCarts) => {
        if (guestCarts) logger.info({ guestCarts }, 'removed the carts of guests gone for 90 days');
      })
      .catch((err) => logger.error({ err }, 'removing the carts of guests gone for 90 days failed'))
      .finally(() => {
        expiring = undefined;
      });
  };
  sweep();
  const sweeper = setInterval(sweep, seams.sweepEveryMs ?? SWEEP_INTERVAL_MS).unref();
  undo.push(() => clearInterval(sweeper));

  const server = serve({
    fetch: app.fetch,
    port: config.port,
    hostname: config.host,
    // Compression and the headers every answer carries are Node's response's, below Hono
    // (see http/response.ts, http/compress.ts and http/headers.ts).
    createServer: ((options: http.ServerOptions, listener: http.RequestListener) =>
      http.createServer(
        {
          ...options,
          ServerResponse: responseClass({ defaults: BASE_HEADERS, finish: compressor() }),
          // A client that stalls its request (a body that never ends: bodies are at most 1 MiB)
          // gets 408 after requestTimeoutMs instead of Node's 300 s; Node checks every interval.
          requestTimeout: config.requestTimeoutMs,
          headersTimeout: Math.min(config.requestTimeoutMs, 20_000),
          connectionsCheckingInterval: Math.min(30_000, Math.max(50, config.requestTimeoutMs / 4)),
        },
        listener,
      )) as typeof http.createServer,
  });
  // Requests Node refuses before Hono sees them get the shop's JSON errors (http/client-error.ts).
  server.on('clientError', answerClientError);
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const websocket = req.headers.upgrade?.toLowerCase() === 'websocket';
    if (websocket && (path === '/sync' || path.startsWith('/sync/'))) sync.handleUpgrade(req, socket, head);
    else answerRefusedUpgrade(socket);
  });
  undo.push(() => server.close());
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  // WAL checkpoints off the event loop from here on (see sync-server/src/checkpointer.ts).
  const checkpointer = Checkpointer.start(db, {
    onError: (error) => logger.warn({ error }, 'background checkpoint failed'),
  });
  const port = (server.address() as AddressInfo).port;
  const url = listeningUrl(config.host, port);
  publicUrl ??= url;
  // Without an SMTP server, where to find the mails (a password reset's link).
  logger.info({ url, dataDir: config.dataDir, ...(outbox && { outbox }) }, 'ShopSync is listening');
  // The API works without it, but every page of the storefront would answer 503.
  if (!fs.existsSync(path.join(config.clientDir, 'index.html')))
    logger.warn(
      { clientDir: config.clientDir },
      'the storefront is not built there: pages answer 503 until `npm run build -w @shopsync/client` (or set SHOPSYNC_CLIENT_DIR)',
    );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      try {
        clearInterval(sweeper);
        await feed.stop();
        await sync.close();
        // It stops at its next batch once the sync server is closed; the database is still open.
        await expiring;
        stopping.abort();
        // serve() built it with http.createServer (above).
        await stopServing(server as http.Server, SHUTDOWN_GRACE_MS);
        orders.flush();
        // Mails asked for before the stop get the grace to go out; one that a mail server still
        // holds then is dropped with the connection (its link never reached anyone).
        await Promise.all([resets.settle(SHUTDOWN_GRACE_MS), emailChanges.settle(SHUTDOWN_GRACE_MS)]);
        mail.close();
        await checkpointer.stop();
        db.close();
      } finally {
        lock.release();
      }
    })();
    return closing;
  };
  return { url, port, db, sync, feed, writer, close };
}
