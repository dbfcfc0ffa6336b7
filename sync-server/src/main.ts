import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { clientAddress, listeningUrl } from './address.js';
import { Checkpointer } from './checkpointer.js';
import { LIMIT_RANGES, LOG_LEVELS } from './limits.js';
import { metricsAllowed } from './metrics.js';
import { createSyncServer } from './server.js';
import { verifySyncToken } from './tokens.js';

/**
 * The sync server alone: `npm run sync-server` (PORT, HOST, DATA_DIR, SHOPSYNC_SYNC_SECRET or SHOPSYNC_SECRET,
 * SHOPSYNC_SYNC_IDLE_MS, SHOPSYNC_SYNC_MAX_ROOMS, SHOPSYNC_SYNC_MAX_MEMORY_MB, SHOPSYNC_SYNC_MAX_PER_ADDRESS,
 * SHOPSYNC_TRUSTED_PROXIES, SHOPSYNC_DURABILITY, SHOPSYNC_METRICS_TOKEN, LOG_LEVEL). Devices authenticate with sync tokens signed by the
 * same secret the shop uses.
 */
// A variable set to nothing is not set, as in the shop's configuration (api/src/config.ts).
const secret = process.env.SHOPSYNC_SYNC_SECRET || process.env.SHOPSYNC_SECRET;
if (!secret || secret.length < 16) {
  console.error(
    'SHOPSYNC_SYNC_SECRET or SHOPSYNC_SECRET (at least 16 characters) must name the secret that signs sync tokens',
  );
  process.exit(2);
}
const dataDir = path.resolve(process.env.DATA_DIR || './data');
fs.mkdirSync(dataDir, { recursive: true });
const db = new Database(path.join(dataDir, 'sync.sqlite'));
db.pragma('journal_mode = WAL');
// As the shop (SHOPSYNC_DURABILITY): 'full' fsyncs every commit, 'normal' survives kill -9.
const durability = process.env.SHOPSYNC_DURABILITY || 'normal';
if (durability !== 'normal' && durability !== 'full') {
  console.error(`SHOPSYNC_DURABILITY must be normal or full, not ${JSON.stringify(durability)}`);
  process.exit(2);
}
db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);

/** A whole number in [min, max] from the environment, or undefined when unset. */
function limit(name: string, { min, max }: { min: number; max: number }): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}
const idleRoomMs = limit('SHOPSYNC_SYNC_IDLE_MS', LIMIT_RANGES.idleRoomMs);
const maxRooms = limit('SHOPSYNC_SYNC_MAX_ROOMS', LIMIT_RANGES.maxRooms);
const maxMemoryMb = limit('SHOPSYNC_SYNC_MAX_MEMORY_MB', LIMIT_RANGES.maxMemoryMb);
const maxConnectionsPerAddress = limit(
  'SHOPSYNC_SYNC_MAX_PER_ADDRESS',
  LIMIT_RANGES.maxConnectionsPerAddress,
);
const trustedProxies = limit('SHOPSYNC_TRUSTED_PROXIES', LIMIT_RANGES.trustedProxies) ?? 0;

// As the shop's: when set, /metrics needs it as a bearer token.
const metricsToken = process.env.SHOPSYNC_METRICS_TOKEN || undefined;
if (metricsToken !== undefined && metricsToken.length < 16) {
  console.error('SHOPSYNC_METRICS_TOKEN must be at least 16 characters');
  process.exit(2);
}

const level = process.env.LOG_LEVEL || 'info';
if (!(LOG_LEVELS as readonly string[]).includes(level)) {
  console.error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(level)}`);
  process.exit(2);
}
// JSON lines on stdout, as the shop's (pino).
const logger = pino({ level, base: { service: 'shopsync-sync' } });
const sync = createSyncServer({
  db,
  limits: {
    ...(idleRoomMs ? { idleRoomMs } : {}),
    ...(maxRooms ? { maxRooms } : {}),
    ...(maxMemoryMb ? { maxMemoryBytes: maxMemoryMb * 1024 * 1024 } : {}),
    ...(maxConnectionsPerAddress ? { maxConnectionsPerAddress } : {}),
  },
  clientAddress: (req) => clientAddress(req, trustedProxies),
  logger,
  authorize: (req, docName) => {
    const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
    const claims = token ? verifySyncToken(secret, token) : undefined;
    if (!claims) return { ok: false, status: 401, reason: 'a valid sync token is required' };
    if (claims.cart !== docName) return { ok: false, status: 403, reason: 'the token is for another cart' };
    return { ok: true, principal: claims.sub };
  },
});

const server = http.createServer(async (req, res) => {
  if (req.url === '/metrics') {
    if (!metricsAllowed(metricsToken, req.headers.authorization))
      res
        .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="metrics"' })
        .end('{"error":{"code":"unauthenticated","message":"metrics need the metrics token"}}');
    else res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(await sync.metricsText());
  } else if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  } else res.writeHead(404).end();
});
server.on('upgrade', (req, socket, head) => {
  if ((req.url ?? '').startsWith('/sync/')) sync.handleUpgrade(req, socket, head);
  else socket.destroy();
});
let checkpointer: Checkpointer | undefined;
const host = process.env.HOST || '127.0.0.1';
server.listen(Number(process.env.PORT || 8788), host, () => {
  // WAL checkpoints off the event loop (see checkpointer.ts).
  checkpointer = Checkpointer.start(db, {
    onError: (error) => logger.warn({ error }, 'background checkpoint failed'),
  });
  const { port } = server.address() as AddressInfo;
  logger.info({ url: listeningUrl(host, port), dataDir }, 'sync server listening');
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await sync.close();
    server.close();
    await checkpointer?.stop();
    db.close();
    process.exit(0);
  });
}
