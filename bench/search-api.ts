/**
 * Product search through the API: the shop (`api/src/main.ts`, its own process) on the Icecat
 * catalog, with the index on the main thread and split over worker-thread shards, side by side:
 * first start (build), start with the saved bases (what a restart does), NDCG@10 on the dev
 * judgments, p50/p99 of `GET /api/search` for the dev queries and their prefixes, requests per
 * second with 8 in flight. Client and server share this machine's cores.
 *
 *   node --import tsx bench/search-api.ts [--size 19406] [--shards 0,2]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Product } from '@shopsync/core';
import { Catalog } from '../api/src/catalog/products.js';
import { openDatabase } from '../api/src/db.js';
import { type ShopProcess, startShopProcess } from '../api/test/process.js';
import { icecatAvailable, loadIcecat, loadJudgments, ndcg } from '../search/scripts/load-icecat.js';
import { replicate } from './lib/catalog.js';
import { fmt, progress, summarize, table } from './lib/stats.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};

if (!icecatAvailable()) {
  console.error('shared/data/icecat is absent: nothing to benchmark');
  process.exit(2);
}
const { products: icecat } = loadIcecat();
const size = Number(arg('--size', String(icecat.length)));
const shardCounts = arg('--shards', '0,2').split(',').map(Number);
const judgments = loadJudgments();
const queries = [...judgments.keys()];
const prefixes = [
  ...new Set(
    queries.flatMap((q) => [...q].map((_, i) => q.slice(0, i + 1)).filter((p) => p.length >= 3 && p !== q)),
  ),
];

/** A data directory holding the catalog, written as the importer writes it. */
function dataDir(products: Product[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-search-api-'));
  const db = openDatabase(dir);
  const catalog = new Catalog(db);
  for (let start = 0; start < products.length; start += 1000) {
    db.transaction(() => {
      for (const p of products.slice(start, start + 1000)) {
        const result = catalog.create({ ...p, price: p.price }, { upsert: true });
        if (!result.ok) throw new Error(`could not write ${p.id}: ${result.reason}`);
      }
    })();
    progress('writing the catalog', Math.min(start + 1000, products.length), products.length);
  }
  db.close();
  return dir;
}

/** The "search index ready" log line: how the index came up and in how many ms. */
function ready(shop: ShopProcess): { how: string; ms: number } {
  const line = shop
    .output()
    .split('\n')
    .find((l) => l.includes('search index ready'));
  if (!line) throw new Error('no "search index ready" line');
  return JSON.parse(line);
}

async function stop(shop: ShopProcess): Promise<void> {
  shop.child.kill('SIGTERM');
  await shop.exited;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const products = replicate(icecat, size);
console.log(`${products.length} products, ${queries.length} dev queries, ${prefixes.length} prefixes`);
const dir = dataDir(products);
const rows: (string | number)[][] = [];
for (const shards of shardCounts) {
  for (const f of fs.readdirSync(dir)) if (f.startsWith('search-base')) fs.rmSync(path.join(dir, f));
  const env = { DATA_DIR: dir, SHOPSYNC_SEED: 'none', SHOPSYNC_SEARCH_SHARDS: String(shards) };
  const files = shards === 0 ? 1 : shards;
  const first = await startShopProcess(env);
  const built = ready(first);
  for (
    let i = 0;
    i < 2400 && fs.readdirSync(dir).filter((f) => /^search-base.*\.json$/.test(f)).length < files;
    i++
  )
    await new Promise((r) => setTimeout(r, 50));
  await stop(first);
  const spawned = performance.now();
  const shop = await startShopProcess(env);
  const listening = performance.now() - spawned;
  const restored = ready(shop);
  if (restored.how !== 'restored') throw new Error(`expected a restore, got ${restored.how}`);
  const get = async (q: string) => {
    const res = await fetch(`${shop.url}/api/search?q=${encodeURIComponent(q)}&pageSize=10`);
    if (!res.ok) throw new Error(`search failed: ${res.status}`);
    return (await res.json()) as { hits: { id: string }[] };
  };
  try {
    let score = 0;
    let scored = 0;
    for (const [q, labels] of judgments) {
      const s = ndcg(
        (await get(q)).hits.map((h) => h.id),
        labels,
      );
      if (s !== null) {
        score += s;
        scored++;
      }
    }
    // Each query once uncached: the NDCG pass above filled the cache, so bust it with a page size.
    let bust = 11;
    const uncached = (q: string) =>
      fetch(`${shop.url}/api/search?q=${encodeURIComponent(q)}&pageSize=${bust++ % 40 || 1}`).then((r) =>
        r.json(),
      );
    const full: number[] = [];
    for (const [i, q] of queries.entries()) {
      full.push(await timed(() => uncached(q)));
      progress(`${shards} shards: queries`, i + 1, queries.length);
    }
    const typed: number[] = [];
    for (const p of prefixes) typed.push(await timed(() => uncached(p)));
    const work = [...queries, ...queries, ...queries];
    let next = 0;
    const wall = await timed(() =>
      Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < work.length) await uncached(work[next++]!);
        }),
      ),
    );
    const f = summarize(full);
    const t = summarize(typed);
    rows.push([
      shards === 0 ? 'main thread' : `${shards} shards`,
      built.ms / 1000,
      restored.ms / 1000,
      listening / 1000,
      score / scored,
      f.p50,
      f.p99,
      t.p50,
      t.p99,
      work.length / (wall / 1000),
    ]);
  } finally {
    await stop(shop);
  }
}
fs.rmSync(dir, { recursive: true, force: true });
console.log(
  table(
    [
      'search index',
      'build s',
      'index start s',
      'listening s',
      'NDCG@10',
      'full p50 ms',
      'full p99 ms',
      'prefix p50 ms',
      'prefix p99 ms',
      'req/s (8 in flight)',
    ],
    rows,
  ),
);
if (rows.length > 1) {
  const base = rows[0]!;
  console.log(`\nratios against "${base[0]}" (> 1: better than it):`);
  for (const r of rows.slice(1))
    console.log(
      `${r[0]}: start ${fmt((base[2] as number) / (r[2] as number))}x, full p50 ${fmt((base[5] as number) / (r[5] as number))}x, full p99 ${fmt((base[6] as number) / (r[6] as number))}x, prefix p99 ${fmt((base[8] as number) / (r[8] as number))}x, req/s ${fmt((r[9] as number) / (base[9] as number))}x`,
    );
}
