/**
 * Cart sync servers side by side: ShopSync's sync-server, Hocuspocus (+ SQLite extension) and
 * @y/websocket-server 0.1.1 (in memory). Each runs in its own process; this process is the load
 * generator, with N carts of 2 devices each.
 *   (a) edit-to-other-device latency p50/p99 while N carts are connected
 *   (b) closed-loop throughput: C edits in flight, each waiting for the other device
 *   (c) memory per idle connected cart (server RSS growth / N)
 *   (d) cold load of a cart with 10k operations of history (after a server restart)
 * plus the server process's CPU time per edit during (b), which moves less with machine noise.
 * Every server is connected at once; (a) and (b) alternate between them in rounds.
 *
 *   node --import tsx bench/sync.ts [--carts 300] [--samples 2000] [--inflight 50] [--rounds 5]
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
/** (a) and (b) alternate between the servers in this many rounds (plus one warm-up round). */
const ROUNDS = Number(args.rounds ?? 5);
/** (b) runs this long per server in all, split over the rounds. */
const LOOP_MS = 5000;
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

interface Setup {
  kind: Kind;
  server: Running;
  pairs: [Device, Device][];
  kbPerCart: number;
}

/** Starts a server and connects every cart's two devices to it; (c) is read once they are synced. */
async function connectAll(kind: Kind): Promise<Setup> {
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
  return { kind, server, pairs, kbPerCart: (rssKb(server.child.pid!) - idleRss) / CARTS };
}

/** (a): `count` edits, 10 in flight (one per cart), each timed until the other device sees it. */
async function latencyRound(setup: Setup, from: number, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = from; i < from + count; i += 10) {
    const batch = Array.from({ length: 10 }, (_, k) => {
      const [a, b] = setup.pairs[(i + k) % CARTS]!;
      return edit(a, b, i + k);
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/** (b): INFLIGHT edits in flight, closed loop, for `ms`; with the server's CPU time spent. */
async function loopRound(setup: Setup, from: number, ms: number) {
  const cpuBefore = cpuMs(setup.server.child.pid!);
  let done = 0;
  const loop: number[] = [];
  const started = performance.now();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: INFLIGHT }, async (_, k) => {
      let n = from + k;
      while (performance.now() < end) {
        const [a, b] = setup.pairs[n % CARTS]!;
        loop.push(await edit(a, b, n));
        n += INFLIGHT;
        done++;
      }
    }),
  );
  return {
    done,
    loop,
    cpuMs: cpuMs(setup.server.child.pid!) - cpuBefore,
    seconds: (performance.now() - started) / 1000,
  };
}

/** (d): a cart with 10k operations of history, written, the server restarted, then loaded by a new device. */
async function coldLoad(kind: Kind): Promise<number> {
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
  const ms = performance.now() - t0;
  reader.destroy();
  await stop(second);
  return ms;
}

/**
 * Every server is connected at once and (a) and (b) run in rounds that alternate between them,
 * after one discarded warm-up round each. Measured one server after another, whichever ran later
 * looked faster: the load generator's own code (Yjs, the providers) is still getting faster for
 * the first few thousand edits, and that warm-up was charged to the first server.
 */
async function measureAll(kinds: Kind[]) {
  const setups: Setup[] = [];
  for (const kind of kinds) setups.push(await connectAll(kind));
  const latencies = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
  const loops = new Map<Kind, { done: number; loop: number[]; cpuMs: number; seconds: number }>(
    kinds.map((k) => [k, { done: 0, loop: [], cpuMs: 0, seconds: 0 }]),
  );
  const perRound = Math.max(10, Math.ceil(SAMPLES / ROUNDS / 10) * 10);
  let edits = 0;
  // Round 0 warms up the load generator and each server and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    const order = round % 2 ? [...setups].reverse() : setups;
    for (const setup of order) {
      // The warm-up round is longer: the load generator keeps getting faster for ~2,000 edits.
      const count = round === 0 ? Math.max(perRound, 2000) : perRound;
      const lat = await latencyRound(setup, edits, count);
      edits += count;
      if (round > 0) latencies.get(setup.kind)!.push(...lat);
    }
    progress('latency rounds (a)', round, ROUNDS);
  }
  for (let round = 0; round <= ROUNDS; round++) {
    const order = round % 2 ? [...setups].reverse() : setups;
    for (const setup of order) {
      const r = await loopRound(setup, edits, round === 0 ? 500 : LOOP_MS / ROUNDS);
      edits += r.done;
      if (round === 0) continue;
      const total = loops.get(setup.kind)!;
      total.done += r.done;
      total.loop.push(...r.loop);
      total.cpuMs += r.cpuMs;
      total.seconds += r.seconds;
    }
    progress('closed-loop rounds (b)', round, ROUNDS);
  }
  for (const setup of setups) {
    for (const [a, b] of setup.pairs) {
      a.destroy();
      b.destroy();
    }
    await stop(setup.server);
  }
  const results = [];
  for (const setup of setups) {
    const lat = summarize(latencies.get(setup.kind)!);
    const { done, loop, cpuMs: cpu, seconds } = loops.get(setup.kind)!;
    results.push({
      kind: setup.kind,
      p50: lat.p50,
      p99: lat.p99,
      throughput: done / seconds,
      loopP99: summarize(loop).p99,
      serverCpuPerEdit: (cpu * 1000) / done,
      kbPerCart: setup.kbPerCart,
      // Persistent servers only: the in-memory one has no history after a restart.
      coldMs: setup.kind === 'ywebsocket' ? Number.NaN : await coldLoad(setup.kind),
    });
  }
  return results;
}

async function main(): Promise<void> {
  const kinds = (['shopsync', 'hocuspocus', 'ywebsocket'] as const).filter((k) => !ONLY || ONLY.includes(k));
  const results = await measureAll(kinds);
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
        Number.isNaN(r.coldMs) ? 'n/a (in memory)' : r.coldMs,
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
