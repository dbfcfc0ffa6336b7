/**
 * Cart sync servers side by side: ShopSync's sync-server, Hocuspocus (+ SQLite extension) and
 * @y/websocket-server 0.1.1 (in memory). Each runs in its own process; this process is the load
 * generator, with N carts of 2 devices each.
 *   (a) edit-to-other-device latency p50/p99 while N carts are connected
 *   (b) sustained edits per second while p99 stays within 50 ms: a closed loop (each edit waits for
 *       the other device) at 10, 25, 50, 100, 200 edits in flight; the best rate within the bound
 *   (c) memory per idle connected cart (server RSS growth / N)
 *   (d) cold load of a cart with 10k operations of history (after a server restart)
 * plus the server process's CPU time per edit during (b), which moves less with machine noise.
 * Every server is connected at once, each by its own load generator process (this file with
 * `--client`); (a) and (b) alternate between them in rounds.
 *
 *   node --import tsx bench/sync.ts [--carts 300] [--samples 2000] [--inflight 10,25,50,100,200] [--rounds 6]
 * The same file is each server's process: `bench/sync.ts --serve <kind>` prints `PORT=… PATH=…`.
 */
import { type ChildProcess, execSync, fork, spawn } from 'node:child_process';
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
import { cpuMs, progress, rotate, summarize, table } from './lib/stats.js';

const args = Object.fromEntries(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1]]] : [])),
);
const CARTS = Number(args.carts ?? 300);
const SAMPLES = Number(args.samples ?? 2000);
/** (b) runs the closed loop at these numbers of edits in flight, while p99 stays within the bound. */
const LEVELS = String(args.inflight ?? '10,25,50,100,200')
  .split(',')
  .map(Number);
const P99_BOUND_MS = 50;
const HISTORY = 10_000;
/** (a) and (b) alternate between the servers in this many rounds (plus one warm-up round). */
const ROUNDS = Number(args.rounds ?? 6);
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
    const { CART_MAP, createSyncServer, flatMapUpdates } = await import('@shopsync/sync-server');
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path.join(dataDir, 'sync.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // as src/main.ts: a commit survives kill -9 (not power loss)
    const sync = createSyncServer({
      db,
      authorize: async () => ({ ok: true, principal: 'bench' }),
      // As the shop runs it: every update is checked before Yjs applies it (update-check.ts).
      checkUpdate: flatMapUpdates(CART_MAP),
      limits: {
        maxConnectionsPerPrincipal: 1_000_000,
        maxConnectionsPerAddress: 1_000_000,
        messagesPerSecond: 10_000,
        writeBytesPerAddressPerSecond: 1 << 30,
      },
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

type Pairs = [Device, Device][];

/** Connects every cart's two devices (in a load generator process) and waits until all are synced. */
async function connectPairs(kind: Kind, url: string): Promise<Pairs> {
  const pairs: Pairs = [];
  for (let i = 0; i < CARTS; i++) {
    pairs.push([connect(kind, url, `cart-${i}`), connect(kind, url, `cart-${i}`)]);
    if (i % 50 === 49) await until(() => pairs.every(([a, b]) => a.synced() && b.synced()));
    progress(`${kind}: connecting ${CARTS} carts`, i + 1, CARTS);
  }
  await until(() => pairs.every(([a, b]) => a.synced() && b.synced()));
  return pairs;
}

/** (a): `count` edits, 10 in flight (one per cart), each timed until the other device sees it. */
async function latencyRound(pairs: Pairs, from: number, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = from; i < from + count; i += 10) {
    const batch = Array.from({ length: 10 }, (_, k) => {
      const [a, b] = pairs[(i + k) % CARTS]!;
      return edit(a, b, i + k);
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/**
 * (b): `inflight` edits in flight, closed loop, for `ms`. Worker k edits only the carts whose index
 * is k modulo `inflight`, so no two edits in flight share a cart (an edit is timed until the other
 * device sees a change, which must be its own).
 */
async function loopRound(pairs: Pairs, inflight: number, from: number, ms: number) {
  let done = 0;
  const loop: number[] = [];
  const started = performance.now();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: inflight }, async (_, k) => {
      const mine = pairs.filter((_, i) => i % inflight === k);
      for (let j = from; performance.now() < end; j++) {
        const [a, b] = mine[j % mine.length]!;
        loop.push(await edit(a, b, j));
        done++;
      }
    }),
  );
  return { done, loop, seconds: (performance.now() - started) / 1000 };
}

type Request =
  | { cmd: 'latency'; from: number; count: number }
  | { cmd: 'loop'; inflight: number; from: number; ms: number }
  | { cmd: 'close' };

/** A load generator process: one server's carts, driven by the main process over IPC. */
async function client(kind: Kind, url: string): Promise<void> {
  const pairs = await connectPairs(kind, url);
  process.on('message', async (m: Request) => {
    if (m.cmd === 'latency') process.send!({ latencies: await latencyRound(pairs, m.from, m.count) });
    else if (m.cmd === 'loop') process.send!(await loopRound(pairs, m.inflight, m.from, m.ms));
    else {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      process.exit(0);
    }
  });
  process.send!({ ready: true });
}

interface Setup {
  kind: Kind;
  server: Running;
  /** This server's own load generator process. */
  client: ChildProcess;
  kbPerCart: number;
}

function ask<T>(child: ChildProcess, request: Request): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`a load generator exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
    child.send(request);
  });
}

/**
 * Starts a server and its load generator process, which connects every cart's two devices; (c) is
 * read once they are synced. One load generator per server: in one shared process, the heap of
 * every server's carts made its GC pauses part of every server's tail latency.
 */
async function connectAll(kind: Kind): Promise<Setup> {
  const server = await start(kind);
  const idleRss = rssKb(server.child.pid!);
  const child = fork(
    import.meta.filename,
    ['--client', kind, '--url', server.url, '--carts', String(CARTS)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${kind} load generator exited (${code})`)));
  });
  await new Promise((r) => setTimeout(r, 1000));
  return { kind, server, client: child, kbPerCart: (rssKb(server.child.pid!) - idleRss) / CARTS };
}

/**
 * How long a server goes on working after its last edit: Hocuspocus stores a document 2 s after
 * its last change (its debounce); the others do their work as it comes. Waited out after each of
 * that server's turns, so its stores land in its own turn, not in the next server's.
 */
const SETTLE_MS: Record<Kind, number> = { shopsync: 0, hocuspocus: 2500, ywebsocket: 0 };

function settle(kind: Kind): Promise<void> {
  return new Promise((r) => setTimeout(r, SETTLE_MS[kind]));
}

/**
 * Waits until every given process is nearly idle (under 10% of a core over 200 ms, for at most
 * 3 s), so work a server deferred (Hocuspocus's debounced stores) does not land in the next
 * server's round.
 */
async function quiesce(pids: number[]): Promise<void> {
  const started = performance.now();
  let last = pids.map(cpuMs);
  while (performance.now() - started < 3000) {
    await new Promise((r) => setTimeout(r, 200));
    const now = pids.map(cpuMs);
    const busy = now.some((v, i) => v - last[i]! > 20);
    last = now;
    if (!busy) return;
  }
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
 * Every server is connected at once, each by its own load generator process, and (a) and (b) run
 * in rounds that take turns between them (rotating, so each server goes first, second and last
 * equally often), after one discarded warm-up round each, with every process quiet before a turn
 * starts. Measured one server after another, whichever ran later looked faster: the load
 * generator's code (Yjs, the providers) is still getting faster for its first few thousand edits,
 * and that warm-up was charged to the first server.
 */
async function measureAll(kinds: Kind[]) {
  const setups: Setup[] = [];
  for (const kind of kinds) setups.push(await connectAll(kind));
  const latencies = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
  const loops = new Map<Kind, { rate: number; p99: number; inflight: number; cpuPerEdit: number }>();
  const perRound = Math.max(10, Math.ceil(SAMPLES / ROUNDS / 10) * 10);
  const pids = setups.flatMap((s) => [s.server.child.pid!, s.client.pid!]);
  let edits = 0;
  // Round 0 warms up the load generator and each server and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    const order = rotate(setups, round);
    for (const setup of order) {
      // The warm-up round is longer: the load generator keeps getting faster for ~2,000 edits.
      const count = round === 0 ? Math.max(perRound, 2000) : perRound;
      await quiesce(pids);
      const { latencies: lat } = await ask<{ latencies: number[] }>(setup.client, {
        cmd: 'latency',
        from: edits,
        count,
      });
      await settle(setup.kind);
      edits += count;
      if (round > 0) latencies.get(setup.kind)!.push(...lat);
    }
    progress('latency rounds (a)', round, ROUNDS);
  }
  // (b) at rising load: each level alternates between the servers still within the bound, after
  // a short discarded round; a server's figure is its best rate whose p99 stays within 50 ms.
  let active = setups;
  for (const inflight of LEVELS.filter((n) => n <= CARTS)) {
    const level = new Map(active.map((s) => [s, { done: 0, loop: [] as number[], cpuMs: 0, seconds: 0 }]));
    for (let round = 0; round <= ROUNDS; round++) {
      const order = rotate(active, round);
      for (const setup of order) {
        await quiesce(pids);
        const cpuBefore = cpuMs(setup.server.child.pid!);
        const r = await ask<{ done: number; loop: number[]; seconds: number }>(setup.client, {
          cmd: 'loop',
          inflight,
          from: edits,
          ms: round === 0 ? 500 : LOOP_MS / ROUNDS,
        });
        // The work a server defers after its turn is its own: it counts in its CPU per edit.
        await settle(setup.kind);
        const cpu = cpuMs(setup.server.child.pid!) - cpuBefore;
        edits += r.done;
        if (round === 0) continue;
        const total = level.get(setup)!;
        total.done += r.done;
        total.loop.push(...r.loop);
        total.cpuMs += cpu;
        total.seconds += r.seconds;
      }
      progress(`closed-loop rounds (b), ${inflight} in flight`, round, ROUNDS);
    }
    const line: string[] = [];
    for (const [setup, total] of level) {
      const p99 = summarize(total.loop).p99;
      const rate = total.done / total.seconds;
      line.push(`${setup.kind} ${Math.round(rate)}/s p99 ${p99.toFixed(1)} ms`);
      const best = loops.get(setup.kind);
      if (p99 <= P99_BOUND_MS && (!best || rate > best.rate)) {
        loops.set(setup.kind, { rate, p99, inflight, cpuPerEdit: (total.cpuMs * 1000) / total.done });
      }
    }
    console.error(`(b) ${inflight} in flight: ${line.join('; ')}`);
    active = active.filter((s) => summarize(level.get(s)!.loop).p99 <= P99_BOUND_MS);
    if (active.length === 0) break;
  }
  for (const setup of setups) {
    const exited = new Promise((r) => setup.client.once('exit', r));
    setup.client.send({ cmd: 'close' } satisfies Request);
    await exited;
    await stop(setup.server);
  }
  const results = [];
  for (const setup of setups) {
    const lat = summarize(latencies.get(setup.kind)!);
    const best = loops.get(setup.kind);
    results.push({
      kind: setup.kind,
      p50: lat.p50,
      p99: lat.p99,
      throughput: best?.rate ?? Number.NaN,
      loopP99: best?.p99 ?? Number.NaN,
      loopInflight: best?.inflight ?? Number.NaN,
      serverCpuPerEdit: best?.cpuPerEdit ?? Number.NaN,
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
    `\ncart sync: ${CARTS} carts x 2 devices, ${SAMPLES} latency samples; (b) at ${LEVELS.join(', ')} edits in flight, best rate with p99 <= ${P99_BOUND_MS} ms`,
  );
  console.log(
    table(
      [
        'server',
        'edit->other p50 ms',
        'p99 ms',
        'edits/s (b)',
        '(b) p99 ms',
        '(b) in flight',
        'server CPU us/edit (b)',
        'KB per idle cart',
        'cold load 10k ops ms',
        'durable on ack',
      ],
      results.map((r) => [
        r.kind,
        r.p50,
        r.p99,
        Number.isNaN(r.throughput) ? `p99 > ${P99_BOUND_MS} ms at ${LEVELS[0]}` : r.throughput,
        r.loopP99,
        r.loopInflight,
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
} else if (args.client) {
  await client(args.client as Kind, String(args.url));
} else {
  await main();
}
