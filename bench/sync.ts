/**
 * Cart sync servers side by side: ShopSync's sync-server, Hocuspocus (+ SQLite extension) and
 * @y/websocket-server 0.1.1 (in memory). Each runs in its own process; this process is the load
 * generator, with N carts of 2 devices each.
 *   (a) edit-to-other-device latency p50/p99 while N carts are connected
 *   (b) closed-loop throughput: C edits in flight, each waiting for the other device
 *   (c) memory per idle connected cart (server RSS growth / N)
 *   (d) cold load of a cart with 10k operations of history (after a server restart)
 * plus the server process's CPU time per edit during (b), which moves less with machine noise.
 *
 *   node --import tsx bench/sync.ts [--carts 300] [--samples 2000] [--inflight 50]
 * The same file is each server's process: `bench/sync.ts --serve <kind>` prints `PORT=… PATH=…`.
 */
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { HocuspocusProvider } from '@hocuspocus/provider';
import { YjsCart } from '@shopsync/core';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { cpuMs, progress, summarize, table } from './lib/stats.js';

const args = Object.fromEntries(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1]]] : [])),
);
const CARTS = Number(args.carts ?? 300);
const SAMPLES = Number(args.samples ?? 2000);
const INFLIGHT = Number(args.inflight ?? 50);
const HISTORY = 10_000;
/** `--only shopsync,ywebsocket` runs a subset; `--server-prof DIR` writes each server's CPU profile there. */
const ONLY = args.only ? String(args.only).split(',') : undefined;
const SERVER_PROF = args['server-prof'] as string | undefined;

type Kind = 'shopsync' | 'hocuspocus' | 'ywebsocket';

/** Runs one server in this process and announces its port on stdout. */
async function serve(kind: Kind, dataDir: string): Promise<void> {
  const announce = (server: http.Server, prefix: string) =>
    server.listen(0, '127.0.0.1', () =>
      console.log(`PORT=${(server.address() as AddressInfo).port} PATH=${prefix}`),
    );
  if (kind === 'shopsync') {
    // Durable acks: SQLite WAL, group commit, the server's own defaults except the limits a load generator trips.
    const { createSyncServer } = await import('@shopsync/sync-server');
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path.join(dataDir, 'sync.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // as src/main.ts: a commit survives kill -9 (not power loss)
    const sync = createSyncServer({
      db,
      authorize: async () => ({ ok: true, principal: 'bench' }),
      limits: { maxConnectionsPerPrincipal: 1_000_000, messagesPerSecond: 10_000 },
    });
    const server = http.createServer((_q, s) => s.writeHead(404).end());
    server.on('upgrade', (req, socket, head) => sync.handleUpgrade(req, socket, head));
    announce(server, '/sync');
    process.on('SIGTERM', () => void sync.close().then(() => process.exit(0)));
  } else if (kind === 'hocuspocus') {
    // Hocuspocus with its SQLite extension: stores are debounced, so an ack is not durable.
    const { Server } = await import('@hocuspocus/server');
    const { SQLite } = await import('@hocuspocus/extension-sqlite');
    const server = new Server({
      port: 0,
      address: '127.0.0.1',
      quiet: true,
      stopOnSignals: false,
      extensions: [new SQLite({ database: path.join(dataDir, 'hocuspocus.sqlite') })],
    });
    await server.listen();
    console.log(`PORT=${server.address.port} PATH=`);
    process.on('SIGTERM', () => void server.destroy().then(() => process.exit(0)));
  } else {
    // The reference y-websocket server, in memory.
    const { setupWSConnection } = await import('@y/websocket-server/utils');
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ noServer: true });
    const server = http.createServer((_q, s) => s.writeHead(404).end());
    server.on('upgrade', (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) =>
        setupWSConnection(ws, req, { docName: (req.url ?? '/').slice(1).split('?')[0] }),
      ),
    );
    announce(server, '');
    process.on('SIGTERM', () => process.exit(0));
  }
}
interface Running {
  child: ChildProcess;
  url: string;
  dataDir: string;
}
interface Device {
  doc: Y.Doc;
  destroy(): void;
  synced(): boolean;
}

async function start(
  kind: Kind,
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-sync-${kind}-`)),
): Promise<Running> {
  const prof = SERVER_PROF ? ['--cpu-prof', '--cpu-prof-dir', SERVER_PROF] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', import.meta.filename, '--serve', kind], {
    env: { ...process.env, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/PORT=(\d+) PATH=(\S*)/);
      if (m) resolve(`ws://127.0.0.1:${m[1]}${m[2]}`);
    });
    child.once('exit', () => reject(new Error(`${kind} exited: ${out}`)));
  });
  return { child, url, dataDir };
}

async function stop(r: Running): Promise<void> {
  const exited = new Promise((res) => r.child.once('exit', res));
  r.child.kill('SIGTERM');
  await exited;
}

function connect(kind: Kind, url: string, name: string): Device {
  const doc = new Y.Doc();
  if (kind === 'hocuspocus') {
    let isSynced = false;
    const p = new HocuspocusProvider({
      url,
      name,
      document: doc,
      WebSocketPolyfill: WebSocket,
      onSynced: () => {
        isSynced = true;
      },
    } as never);
    return { doc, destroy: () => p.destroy(), synced: () => isSynced };
  }
  const p = new WebsocketProvider(url, name, doc, { WebSocketPolyfill: WebSocket as never, disableBc: true });
  return { doc, destroy: () => p.destroy(), synced: () => p.synced };
}

const rssKb = (pid: number) => Number(execSync(`ps -o rss= -p ${pid}`).toString().trim());
async function until(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** One edit on device A, timed until device B sees it. */
function edit(a: Device, b: Device, n: number): Promise<number> {
  const product = `p${n % 20}`;
  return new Promise((resolve) => {
    const map = b.doc.getMap('lines');
    const t0 = performance.now();
    const seen = () => {
      map.unobserve(seen);
      resolve(performance.now() - t0);
    };
    map.observe(seen);
    new YjsCart(a.doc).add(product, 1);
  });
}

async function measure(kind: Kind) {
  const server = await start(kind);
  const idleRss = rssKb(server.child.pid!);
  const pairs: [Device, Device][] = [];
  for (let i = 0; i < CARTS; i++) {
    pairs.push([connect(kind, server.url, `cart-${i}`), connect(kind, server.url, `cart-${i}`)]);
    if (i % 50 === 49) await until(() => pairs.every(([a, b]) => a.synced() && b.synced()));
    progress(`${kind}: connecting ${CARTS} carts`, i + 1, CARTS);
  }
  await until(() => pairs.every(([a, b]) => a.synced() && b.synced()));
  await new Promise((r) => setTimeout(r, 1000));
  const connectedRss = rssKb(server.child.pid!);

  // (a) latency with one edit in flight at a time per 10 carts.
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i += 10) {
    const batch = Array.from({ length: 10 }, (_, k) => {
      const [a, b] = pairs[(i + k) % CARTS]!;
      return edit(a, b, i + k);
    });
    latencies.push(...(await Promise.all(batch)));
    progress(`${kind}: latency samples`, Math.min(i + 10, SAMPLES), SAMPLES);
  }
  // (b) closed loop: INFLIGHT edits in flight for 5 s.
  const cpuBefore = cpuMs(server.child.pid!);
  let done = 0;
  const loop: number[] = [];
  const end = performance.now() + 5000;
  await Promise.all(
    Array.from({ length: INFLIGHT }, async (_, k) => {
      let n = k;
      while (performance.now() < end) {
        const [a, b] = pairs[n % CARTS]!;
        loop.push(await edit(a, b, n));
        n += INFLIGHT;
        done++;
      }
    }),
  );
  const serverCpuPerEdit = ((cpuMs(server.child.pid!) - cpuBefore) * 1000) / done;
  for (const [a, b] of pairs) {
    a.destroy();
    b.destroy();
  }
  await stop(server);

  // (d) cold load of a 10k-operation cart after a restart (persistent servers only).
  let coldMs = Number.NaN;
  if (kind !== 'ywebsocket') {
    const first = await start(kind);
    const writer = connect(kind, first.url, 'history');
    await until(() => writer.synced());
    const cart = new YjsCart(writer.doc);
    for (let i = 0; i < HISTORY; i++) {
      if (i % 3 === 2) cart.setQuantity(`p${i % 20}`, 1 + (i % 4));
      else cart.add(`p${i % 20}`, 1);
      if (i % 500 === 499) await new Promise((r) => setTimeout(r, 5));
    }
    // Give debounced stores (Hocuspocus) time to write, then stop gracefully.
    await new Promise((r) => setTimeout(r, 3000));
    writer.destroy();
    await stop(first);
    const second = await start(kind, first.dataDir);
    const t0 = performance.now();
    const reader = connect(kind, second.url, 'history');
    await until(() => reader.synced() && new YjsCart(reader.doc).lines().length === 20);
    coldMs = performance.now() - t0;
    reader.destroy();
    await stop(second);
  }
  const lat = summarize(latencies);
  const closed = summarize(loop);
  return {
    kind,
    p50: lat.p50,
    p99: lat.p99,
    throughput: done / 5,
    loopP99: closed.p99,
    serverCpuPerEdit,
    kbPerCart: (connectedRss - idleRss) / CARTS,
    coldMs,
  };
}

async function main(): Promise<void> {
  const results = [];
  for (const kind of ['shopsync', 'hocuspocus', 'ywebsocket'] as const)
    if (!ONLY || ONLY.includes(kind)) results.push(await measure(kind));
  const ours = results[0]!;
  const ratio = (x: number, y: number) =>
    Number.isFinite(x) && Number.isFinite(y) ? `${(x / y).toFixed(2)}x` : 'n/a';
  console.log(
    `\ncart sync: ${CARTS} carts x 2 devices, ${SAMPLES} latency samples, ${INFLIGHT} edits in flight for (b)`,
  );
  console.log(
    table(
      [
        'server',
        'edit->other p50 ms',
        'p99 ms',
        'edits/s (b)',
        '(b) p99 ms',
        'server CPU us/edit (b)',
        'KB per idle cart',
        'cold load 10k ops ms',
        'durable on ack',
      ],
      results.map((r) => [
        r.kind,
        r.p50,
        r.p99,
        r.throughput,
        r.loopP99,
        r.serverCpuPerEdit,
        r.kbPerCart,
        r.coldMs,
        r.kind === 'shopsync' ? 'yes' : 'no',
      ]),
    ),
  );
  console.log(
    table(
      ['vs shopsync (>1: shopsync better)', 'p50', 'p99', 'edits/s', 'KB per cart', 'cold load'],
      results
        .slice(1)
        .map((r) => [
          r.kind,
          ratio(r.p50, ours.p50),
          ratio(r.p99, ours.p99),
          ratio(ours.throughput, r.throughput),
          ratio(r.kbPerCart, ours.kbPerCart),
          ratio(r.coldMs, ours.coldMs),
        ]),
    ),
  );
  process.exit(0);
}

// Dispatch last, so every top-level binding above is initialised.
if (args.serve) {
  await serve(args.serve as Kind, process.env.DATA_DIR!);
} else {
  await main();
}
