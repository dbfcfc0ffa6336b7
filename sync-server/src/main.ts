import http from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { clientAddress, listeningUrl } from './address.js';
import { Checkpointer } from './checkpointer.js';
import { DataDirInUse, type DataDirLock, lockDataDir, privateDir } from './data-lock.js';
import { isHost, LIMIT_RANGES, LOG_LEVELS, wholeNumber } from './limits.js';
import { metricsAllowed } from './metrics.js';
import { createSyncServer, isSyncPath, NOT_UPGRADED, type SyncServer } from './server.js';
import { onStopSignals } from './signals.js';
import { verifySyncToken } from './tokens.js';
import { CART_MAP, flatMapUpdates } from './update-check.js';

/**
 * The sync server alone: `npm run sync-server` (PORT, HOST, DATA_DIR, SHOPSYNC_SYNC_SECRET or SHOPSYNC_SECRET,
 * SHOPSYNC_SYNC_IDLE_MS, SHOPSYNC_SYNC_MAX_ROOMS, SHOPSYNC_SYNC_MAX_MEMORY_MB, SHOPSYNC_SYNC_MAX_PER_ADDRESS,
 * SHOPSYNC_SYNC_WRITE_KIB_PER_ADDRESS,
 * SHOPSYNC_TRUSTED_PROXIES, SHOPSYNC_DURABILITY, SHOPSYNC_REQUEST_TIMEOUT_MS, SHOPSYNC_METRICS_TOKEN, LOG_LEVEL). Devices
 * authenticate with sync tokens signed by the same secret the shop uses. It refuses to start (one
 * line on stderr, exit 2) on a bad variable, an address it cannot listen on, or a data directory
 * another process serves or it cannot open.
 */
/** Refuses to start: one line on stderr, exit 2 (a variable, the address or the data directory). */
function refuse(message: string): never {
  console.error(message);
  process.exit(2);
}

// A variable set to nothing is not set, as in the shop's configuration (api/src/config.ts).
const secret = process.env.SHOPSYNC_SYNC_SECRET || process.env.SHOPSYNC_SECRET;
if (!secret || secret.length < 16)
  refuse(
    'SHOPSYNC_SYNC_SECRET or SHOPSYNC_SECRET (at least 16 characters) must name the secret that signs sync tokens',
  );

/**
 * A whole number in [min, max] from the environment, or undefined when unset. Plain decimal digits
 * only: `Number()` would also take `1e3`, `0x10`, `1.0` or ` 5 `, none of which an operator means.
 */
function limit(name: string, { min, max }: { min: number; max: number }): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = wholeNumber(raw, { min, max });
  if (n === undefined)
    refuse(
      `${name} must be a whole number from ${min} to ${max} in plain digits, not ${JSON.stringify(raw)}`,
    );
  return n;
}
const port = limit('PORT', { min: 0, max: 65_535 }) ?? 8788;
const host = process.env.HOST || '127.0.0.1';
if (!isHost(host)) refuse(`HOST must be an IP address or a host name, not ${JSON.stringify(host)}`);
// As the shop's (api/src/config.ts): a request not received in full by then gets 408 and is closed.
const requestTimeoutMs = limit('SHOPSYNC_REQUEST_TIMEOUT_MS', { min: 100, max: 600_000 }) ?? 60_000;
// As the shop (SHOPSYNC_DURABILITY): 'full' fsyncs every commit, 'normal' survives kill -9.
const durability = process.env.SHOPSYNC_DURABILITY || 'normal';
if (durability !== 'normal' && durability !== 'full')
  refuse(`SHOPSYNC_DURABILITY must be normal or full, not ${JSON.stringify(durability)}`);
const idleRoomMs = limit('SHOPSYNC_SYNC_IDLE_MS', LIMIT_RANGES.idleRoomMs);
const maxRooms = limit('SHOPSYNC_SYNC_MAX_ROOMS', LIMIT_RANGES.maxRooms);
const maxMemoryMb = limit('SHOPSYNC_SYNC_MAX_MEMORY_MB', LIMIT_RANGES.maxMemoryMb);
const maxConnectionsPerAddress = limit(
  'SHOPSYNC_SYNC_MAX_PER_ADDRESS',
  LIMIT_RANGES.maxConnectionsPerAddress,
);
const writeKibPerAddress = limit('SHOPSYNC_SYNC_WRITE_KIB_PER_ADDRESS', LIMIT_RANGES.writeKibPerAddress);
const trustedProxies = limit('SHOPSYNC_TRUSTED_PROXIES', LIMIT_RANGES.trustedProxies) ?? 0;

// As the shop's: when set, /metrics needs it as a bearer token.
const metricsToken = process.env.SHOPSYNC_METRICS_TOKEN || undefined;
if (metricsToken !== undefined && metricsToken.length < 16)
  refuse('SHOPSYNC_METRICS_TOKEN must be at least 16 characters');

const level = process.env.LOG_LEVEL || 'info';
if (!(LOG_LEVELS as readonly string[]).includes(level))
  refuse(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(level)}`);
// JSON lines on stdout, as the shop's (pino).
const logger = pino({ level, base: { service: 'shopsync-sync' } });

const dataDir = path.resolve(process.env.DATA_DIR || './data');
const file = path.join(dataDir, 'sync.sqlite');
// One process per data directory (data-lock.ts says why), taken before the database is opened:
// held until shutdown, or until the process ends however it ends.
let lock: DataDirLock;
try {
  // This user's only: the documents are shoppers' carts (privateDir).
  privateDir(dataDir, logger);
  lock = lockDataDir(dataDir, 'sync.lock');
} catch (err) {
  refuse(
    err instanceof DataDirInUse ? err.message : `cannot use DATA_DIR ${dataDir}: ${(err as Error).message}`,
  );
}
let db: Database.Database;
let sync: SyncServer;
try {
  db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  // Creates its tables: a file it cannot write is found here too.
  sync = createSyncServer({
    db,
    limits: {
      ...(idleRoomMs ? { idleRoomMs } : {}),
      ...(maxRooms ? { maxRooms } : {}),
      ...(maxMemoryMb ? { maxMemoryBytes: maxMemoryMb * 1024 * 1024 } : {}),
      ...(maxConnectionsPerAddress ? { maxConnectionsPerAddress } : {}),
      ...(writeKibPerAddress ? { writeBytesPerAddressPerSecond: writeKibPerAddress * 1024 } : {}),
    },
    clientAddress: (req) => clientAddress(req, trustedProxies),
    // A device writes cart entries, nothing else (update-check.ts: what else could cost).
    checkUpdate: flatMapUpdates(CART_MAP),
    logger,
    authorize: (req, docName) => {
      const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
      const claims = token ? verifySyncToken(secret, token) : undefined;
      if (!claims) return { ok: false, status: 401, reason: 'a valid sync token is required' };
      if (claims.cart !== docName) return { ok: false, status: 403, reason: 'the token is for another cart' };
      return { ok: true, principal: claims.sub };
    },
  });
} catch (err) {
  refuse(`cannot open ${file}: ${(err as Error).message}`);
}

// Read per probe: a page of each table (not `SELECT 1`, which reads none), so a database that can
// no longer be read (a damaged or vanished file, an I/O error) answers 503, not "ok".
const healthRead = db.prepare(
  'SELECT (SELECT 1 FROM sync_snapshots LIMIT 1) AS snapshots, (SELECT 1 FROM sync_updates LIMIT 1) AS updates',
);

const server = http.createServer(
  {
    // As the shop's: a request not received in full within requestTimeoutMs (its headers within
    // 20 s at most) gets 408 and is closed, so slow or idle half-sent requests do not pile up.
    // An upgraded WebSocket has left Node's HTTP parser and is not timed.
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(requestTimeoutMs, 20_000),
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, requestTimeoutMs / 4)),
  },
  async (req, res) => {
    if (req.url === '/metrics') {
      if (!metricsAllowed(metricsToken, req.headers.authorization))
        res
          .writeHead(401, {
            'content-type': 'application/json',
            'www-authenticate': 'Bearer realm="metrics"',
          })
          .end('{"error":{"code":"unauthenticated","message":"metrics need the metrics token"}}');
      else res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(await sync.metricsText());
    } else if (req.url === '/health') {
      try {
        healthRead.get();
      } catch (err) {
        logger.error({ err }, 'health check: the database does not answer');
        res
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"status":"error","error":"database"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (isSyncPath(new URL(req.url ?? '/', 'http://sync').pathname))
      res
        .writeHead(426, { 'content-type': 'application/json', upgrade: 'websocket', connection: 'Upgrade' })
        .end(JSON.stringify({ error: NOT_UPGRADED }));
    else
      res.writeHead(404, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: {
            code: 'not_found',
            message: `no route for ${req.method} ${req.url}: /sync/<cartId>, /health, /metrics`,
          },
        }),
      );
  },
);
// A request Node refuses before it reaches the handler above (malformed, headers too large, too
// slow): a short JSON answer, then the connection is closed (the parser cannot tell where a next
// request would begin). Node's own answer is a bare status line.
server.on('clientError', (err: Error & { code?: string }, socket) => {
  const answering = (socket as typeof socket & { _httpMessage?: { headersSent?: boolean } | null })
    ._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, text, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'request_timeout', 'the request was not received in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'request headers are too large']
        : [400, 'Bad Request', 'bad_request', 'malformed HTTP request'];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
});
server.on('upgrade', (req, socket, head) => {
  if ((req.url ?? '').startsWith('/sync/')) sync.handleUpgrade(req, socket, head);
  else socket.destroy();
});

/** Why a listen failed, in words, after its code. */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'another process is listening on this port',
  EACCES: 'not permitted (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'no such address on this machine',
  ENOTFOUND: 'no such host',
};
let listening = false;
server.on('error', (err: Error & { code?: string }) => {
  if (listening) {
    logger.error({ err }, 'the HTTP server failed');
    return;
  }
  const code = err.code ?? err.message;
  const why = LISTEN_ERRORS[code];
  db.close();
  lock.release();
  refuse(
    `cannot listen on ${isIP(host) === 6 ? `[${host}]` : host}:${port}: ${code}${why ? ` (${why})` : ''}`,
  );
});
let checkpointer: Checkpointer | undefined;
server.listen(port, host, () => {
  listening = true;
  // WAL checkpoints off the event loop (see checkpointer.ts).
  checkpointer = Checkpointer.start(db, {
    onError: (error) => logger.warn({ error }, 'background checkpoint failed'),
  });
  const address = server.address() as AddressInfo;
  logger.info({ url: listeningUrl(host, address.port), dataDir }, 'sync server listening');
});

async function shutdown(signal: NodeJS.Signals): Promise<void> {
  logger.info({ signal }, 'shutting down');
  let failed = false;
  const step = async (what: string, run: () => unknown) => {
    try {
      await run();
    } catch (err) {
      failed = true;
      logger.error({ err }, `shutdown: ${what} failed`);
    }
  };
  await step('storing and closing the rooms', () => sync.close());
  server.close();
  // Bounded: a worker that does not stop is terminated (checkpointer.ts).
  await step('stopping the checkpoint worker', () => checkpointer?.stop());
  await step('closing the database', () => db.close());
  lock.release();
  process.exit(failed ? 1 : 0);
}
onStopSignals(logger, (signal) => void shutdown(signal));
