/**
 * Checkout throughput and latency through HTTP: the serialized pipeline (group commit, batches of
 * up to 512 orders a transaction) against the naive path (SHOPSYNC_CHECKOUT_BATCH=1: a transaction
 * for every write: the new order, its decision, its cleared-cart note), under a uniform catalog
 * and under one hot product. Carts are filled over the sync protocol beforehand
 * (one Yjs update per shopper), so the measured loop is only `POST /api/orders` with reviewed tags.
 *
 *   node --import tsx bench/checkout.ts [--orders 6000] [--concurrency 64] [--shoppers 32]
 *     [--only pipeline/uniform,naive/hot] [--durability normal|full] [--server-prof DIR]
 *
 * `--durability full` runs both paths with SHOPSYNC_DURABILITY=full: every commit is fsynced, which
 * is where group commit earns its keep (one fsync per batch instead of one per write).
 *
 * The measured loop runs on a lean keep-alive node:http client (lib/http.ts), not fetch, so the load
 * generator takes less of the shared cores from the server; its own CPU per order is printed too.
 * Besides orders/s and latency it prints the server process's CPU time per order, which moves
 * less with the shared machine's noise than throughput does.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { YjsCart } from '@shopsync/core';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { ADMIN, admin, type Client, signUp } from '../api/test/harness.js';
import { startShopProcess } from '../api/test/process.js';
import { LoadClient } from './lib/http.js';
import { cpuMs, progress, summarize, table } from './lib/stats.js';

const args = Object.fromEntries(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1]]] : [])),
);
const ORDERS = Number(args.orders ?? 6000);
const CONCURRENCY = Number(args.concurrency ?? 64);
const SHOPPERS = Number(args.shoppers ?? 32);
const ONLY = args.only ? new Set(String(args.only).split(',')) : undefined;
const SERVER_PROF = args['server-prof'] as string | undefined;
const DURABILITY = String(args.durability ?? 'normal');
if (DURABILITY !== 'normal' && DURABILITY !== 'full') throw new Error('--durability is normal or full');

interface Shopper {
  client: Client;
  /** The headers that authenticate the shopper, for the lean load client. */
  auth: Record<string, string>;
  cartId: string;
  tags: string[];
}

/** Fills a shopper's cart with one entry per future order, as an offline device would, then syncs. */
async function fillCart(base: string, client: Client, products: string[], count: number): Promise<Shopper> {
  const view = (await client.get('/api/cart')).json;
  const doc = new Y.Doc();
  const cart = new YjsCart(doc);
  const tags: string[] = [];
  doc.transact(() => {
    for (let i = 0; i < count; i++) tags.push(cart.add(products[i % products.length]!, 1));
  });
  const provider = new WebsocketProvider(`${base.replace(/^http/, 'ws')}/sync`, view.cartId, doc, {
    params: { token: view.syncToken },
    WebSocketPolyfill: WebSocket as never,
    disableBc: true,
  });
  // Done when the server's copy holds every entry.
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const lines = (await client.get('/api/cart')).json.lines as { tags: string[] }[];
    if (lines.reduce((n, l) => n + l.tags.length, 0) >= count) break;
  }
  provider.destroy();
  const auth: Record<string, string> = client.bearer
    ? { authorization: `Bearer ${client.bearer}` }
    : { cookie: client.cookieHeader() ?? '' };
  return { client, auth, cartId: view.cartId, tags };
}

async function run(variant: 'pipeline' | 'naive', scenario: 'uniform' | 'hot') {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `shopsync-bench-checkout-${variant}-`));
  const shop = await startShopProcess(
    {
      DATA_DIR: dataDir,
      SHOPSYNC_SEED: 'none',
      SHOPSYNC_ADMIN_TOKEN: ADMIN,
      SHOPSYNC_CHECKOUT_BATCH: variant === 'pipeline' ? '512' : '1',
      SHOPSYNC_DURABILITY: DURABILITY,
      LOG_LEVEL: 'info',
    },
    SERVER_PROF ? ['--cpu-prof', '--cpu-prof-dir', SERVER_PROF] : [],
  );
  let stopping = false;
  // A shop that dies mid-run would leave the load generator waiting forever: fail loudly instead.
  void shop.exited.then((code) => {
    if (stopping) return;
    console.error(`\nthe shop exited (${code}) during the run:\n${shop.output().slice(-2000)}`);
    process.exit(1);
  });
  try {
    const vendor = admin(shop.url);
    const productCount = scenario === 'uniform' ? 200 : 1;
    // Hot: stock for half the orders, so the writer confirms and rejects under contention.
    const stock = scenario === 'uniform' ? 1_000_000 : Math.floor(ORDERS / 2);
    const products: string[] = [];
    for (let i = 0; i < productCount; i++) {
      products.push(
        (await vendor.post('/api/products', { title: `Bench item ${i}`, brand: 'Bench', price: 999, stock }))
          .json.id,
      );
    }
    const perShopper = Math.ceil(ORDERS / SHOPPERS);
    const shoppers: Shopper[] = [];
    for (let i = 0; i < SHOPPERS; i++) {
      shoppers.push(await fillCart(shop.url, await signUp(shop.url), products, perShopper));
      progress(`${variant}/${scenario} setup`, i + 1, SHOPPERS);
    }
    const work = shoppers.flatMap((s) => s.tags.map((tag) => ({ s, tag }))).slice(0, ORDERS);
    const latencies: number[] = [];
    const statuses = { confirmed: 0, rejected: 0, pending: 0, failed: 0 };
    let next = 0;
    const load = new LoadClient(shop.url, CONCURRENCY);
    const cpuBefore = cpuMs(shop.child.pid!);
    const loadCpuBefore = cpuMs(process.pid);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < work.length) {
          const { s, tag } = work[next++]!;
          const t0 = performance.now();
          const res = await load.request(
            'POST',
            '/api/orders',
            { ...s.auth, 'idempotency-key': randomUUID() },
            { cartId: s.cartId, tags: [tag] },
          );
          let status = res.json?.status as string | undefined;
          while (status === 'pending')
            status = (await load.request('GET', `/api/orders/${res.json.id}`, s.auth)).json.status;
          latencies.push(performance.now() - t0);
          if (status === 'confirmed' || status === 'rejected') statuses[status]++;
          else statuses.failed++;
          if (latencies.length % 500 === 0)
            progress(`${variant}/${scenario} orders`, latencies.length, work.length);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const serverCpuUs = ((cpuMs(shop.child.pid!) - cpuBefore) * 1000) / work.length;
    const loadCpuUs = ((cpuMs(process.pid) - loadCpuBefore) * 1000) / work.length;
    load.close();
    return {
      serverCpuUs,
      loadCpuUs,
      variant,
      scenario,
      ordersPerSecond: work.length / seconds,
      ...summarize(latencies),
      ...statuses,
    };
  } finally {
    stopping = true;
    shop.child.kill('SIGTERM');
    await shop.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const results: Awaited<ReturnType<typeof run>>[] = [];
for (const scenario of ['uniform', 'hot'] as const) {
  for (const variant of ['pipeline', 'naive'] as const) {
    if (!ONLY || ONLY.has(`${variant}/${scenario}`)) results.push(await run(variant, scenario));
  }
}
const rows = results.map((r) => {
  const base = results.find((x) => x.scenario === r.scenario && x.variant === 'naive');
  return [
    r.scenario,
    r.variant,
    r.ordersPerSecond,
    r.p50,
    r.p99,
    r.serverCpuUs,
    r.loadCpuUs,
    r.confirmed,
    r.rejected,
    r.failed,
    base ? `${(r.ordersPerSecond / base.ordersPerSecond).toFixed(2)}x` : 'n/a',
  ];
});
console.log(
  `\ncheckout through HTTP: ${ORDERS} orders, ${CONCURRENCY} concurrent requests, ${SHOPPERS} shoppers, durability ${DURABILITY}`,
);
console.log(
  table(
    [
      'catalog',
      'checkout',
      'orders/s',
      'p50 ms',
      'p99 ms',
      'server CPU µs/order',
      'load generator CPU µs/order',
      'confirmed',
      'rejected',
      'failed',
      'vs naive',
    ],
    rows,
  ),
);
// Done: a handle some library left open (a provider's timer, a pooled socket) must not keep the
// run alive after its table is printed, as it sometimes did.
process.exit(0);
