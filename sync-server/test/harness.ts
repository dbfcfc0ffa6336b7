import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import {
  CART_MAP,
  createSyncServer,
  type DocumentStorage,
  flatMapUpdates,
  type SyncLimits,
  type SyncServer,
  type UpdateCheck,
} from '../src/index.js';
import { createSyncToken } from '../src/tokens.js';

export const SECRET = 'test-secret-0123456789';

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-sync-'));
}

export function token(cart: string, sub = 'user:u1', ttlMs = 60_000): string {
  return createSyncToken(SECRET, { sub, cart, exp: Date.now() + ttlMs });
}

export interface TestSyncServer {
  url: string;
  sync: SyncServer;
  db: Database.Database;
  close(): Promise<void>;
}

/**
 * An in-process sync server on an ephemeral port, authorizing by token like the shop does.
 * `gate`: awaited by every authorization before it decides (an authorizer that takes its time).
 * `checkUpdate`: the cart's check of what devices write, as the shop runs it; null: none.
 */
export async function startSync(
  limits: Partial<SyncLimits> = {},
  dataDir = tmpDir(),
  gate?: () => Promise<void>,
  storage?: (db: Database.Database) => DocumentStorage,
  checkUpdate: UpdateCheck | null = flatMapUpdates(CART_MAP),
): Promise<TestSyncServer> {
  const db = new Database(path.join(dataDir, 'sync.sqlite'));
  db.pragma('journal_mode = WAL');
  const { verifySyncToken } = await import('../src/tokens.js');
  const sync = createSyncServer({
    db,
    storage: storage?.(db),
    // As the shop and the standalone server run it (every test's device edits a cart), but where
    // a test looks at what the server does with any update.
    checkUpdate: checkUpdate ?? undefined,
    // Every test device writes from 127.0.0.1: the address's write budget is left out of the way
    // but where a test sets it (closing.test.ts).
    limits: { writeBytesPerAddressPerSecond: 1 << 30, ...limits },
    authorize: async (req, name) => {
      if (gate) await gate();
      const t = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
      const claims = t ? verifySyncToken(SECRET, t) : undefined;
      if (!claims) return { ok: false, status: 401, reason: 'no valid token' };
      if (claims.cart !== name) return { ok: false, status: 403, reason: 'another cart' };
      return { ok: true, principal: claims.sub };
    },
  });
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => sync.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/sync`;
  return {
    url,
    sync,
    db,
    close: async () => {
      await sync.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      db.close();
    },
  };
}

/** A device: the stock y-websocket client with its own Y.Doc. */
export function device(url: string, cart: string, tok = token(cart), params: Record<string, string> = {}) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(url, cart, doc, {
    params: { token: tok, ...params },
    WebSocketPolyfill: WebSocket as never,
    disableBc: true,
    maxBackoffTime: 200,
  });
  return { doc, provider };
}

export function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

/** Starts src/main.ts as its own process, so a test can kill -9 it. */
export function startSyncProcess(
  dataDir: string,
  port = 0,
): Promise<{ url: string; child: ChildProcess; exited: Promise<unknown> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve(import.meta.dirname, '../src/main.ts')],
    {
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, SHOPSYNC_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise((r) => child.once('exit', r));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/"url":"http:\/\/([^"]+)"/);
      if (m) resolve({ url: `ws://${m[1]}/sync`, child, exited });
    });
    void exited.then(() => reject(new Error(`sync server exited early: ${out}`)));
  });
}

/** A port that was free a moment ago, so a restarted server can come back on the same address. */
export async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}
