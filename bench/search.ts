/**
 * Product search side by side: this engine (@shopsync/search, in-process) vs plain Lunr vs
 * MiniSearch vs SQLite FTS5 (porter, bm25) on the same fields (title, brand, category,
 * description) of the Icecat catalog, at its real size (19k) and replicated to 100k with distinct
 * ids: build time, start time from a serialized index, heap, NDCG@10 on the dev judgments,
 * p50/p99 latency for the dev queries and for as-you-type prefixes, queries per second with 4 in
 * flight (only the sharded engine, in worker threads, uses both cores), suggestions.
 *
 *   node --expose-gc --max-old-space-size=6144 --import tsx bench/search.ts [--sizes 19000,100000]
 */
import type { Product } from '@shopsync/core';
import { ProductIndex, ShardedIndex } from '@shopsync/search';
import Database from 'better-sqlite3';
import lunr from 'lunr';
import MiniSearch from 'minisearch';
import { icecatAvailable, loadIcecat, loadJudgments, ndcg } from '../search/scripts/load-icecat.js';
import { replicate } from './lib/catalog.js';
import { fmt, progress, summarize, table } from './lib/stats.js';

type Maybe<T> = T | Promise<T>;

interface Engine {
  name: string;
  build(products: Product[]): Maybe<void>;
  /**
   * Start from a saved index: `save` runs after the build; `restore` is what a restarted process
   * does (parse and load the saved index, with the products at hand) and is timed.
   */
  save(): unknown;
  restore(saved: unknown, products: Product[]): Maybe<void>;
  /** The ids of the first 10 hits. */
  query(q: string): Maybe<string[]>;
  /** Memory outside this thread's JavaScript heap (SQLite's pages, shard threads), counted with it. */
  nativeMb?(): Maybe<number>;
  close?(): Promise<void>;
}

/** The fields every engine indexes (this engine adds its own derived ones). */
const TEXT_FIELDS = ['title', 'brand', 'category', 'description'];

/** The cached row reruns the dev queries after the NDCG pass already ran them: cache hits. */
const words = (q: string) => q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

function shopsync(cacheSize: number): Engine & { index: ProductIndex } {
  const engine = {
    name: cacheSize ? 'shopsync (cached)' : 'shopsync',
    index: new ProductIndex({ cacheSize }),
    build(products: Product[]) {
      engine.index.replaceAll(products);
    },
    save: () => engine.index.serializedBase(),
    restore(saved: string | Buffer, products: Product[]) {
      engine.index = new ProductIndex({ cacheSize });
      if (!engine.index.restore(products, saved as string)) throw new Error('restore refused its own base');
    },
    query: (q: string) =>
      engine.index.search({ q, page: 1, pageSize: 10, sort: 'relevance' }).hits.map((h) => h.id),
  };
  return engine;
}

/** This engine split over worker threads (ShardedIndex): searched in parallel, merged by score. */
function sharded(shards: number): Engine {
  let index: ShardedIndex;
  let bases: (string | null)[] = [];
  const open = async (products: Product[], from: (string | null)[]) => {
    bases = Array.from({ length: shards }, () => null);
    index = new ShardedIndex({
      shards,
      cacheSize: 0,
      onCompacted: (shard, serialized) => {
        bases[shard] = serialized;
      },
    });
    const how = await index.open(products, from);
    if (from.length && how.some((h) => h !== 'restored')) throw new Error('a shard refused its own base');
  };
  return {
    name: `shopsync (${shards} shards)`,
    build: (products) => open(products, []),
    save: () => [...bases],
    async restore(saved, products) {
      await index.close();
      await open(products, saved as (string | null)[]);
    },
    query: async (q) =>
      (await index.search({ q, page: 1, pageSize: 10, sort: 'relevance' })).hits.map((h) => h.id),
    nativeMb: async () => (await index.heapUsed()) / 1e6,
    close: () => index.close(),
  };
}

function plainLunr(): Engine {
  let index: lunr.Index;
  return {
    name: 'plain Lunr',
    build(products) {
      index = lunr(function build() {
        this.ref('id');
        for (const f of TEXT_FIELDS) this.field(f);
        for (const p of products) this.add(p);
      });
    },
    save: () => JSON.stringify(index),
    restore(saved) {
      index = lunr.Index.load(JSON.parse(saved as string));
    },
    // All terms, then any term: the usual Lunr setup (query API, so no syntax errors).
    query(q) {
      const terms = words(q);
      for (const presence of [lunr.Query.presence.REQUIRED, lunr.Query.presence.OPTIONAL]) {
        const hits = index.query((query) => {
          for (const t of terms) query.term(t, { presence });
        });
        if (hits.length) return hits.slice(0, 10).map((h) => h.ref);
      }
      return [];
    },
  };
}

function miniSearch(): Engine {
  let index: MiniSearch;
  return {
    name: 'MiniSearch',
    build(products) {
      index = new MiniSearch({ fields: TEXT_FIELDS, idField: 'id' });
      index.addAll(products);
    },
    save: () => JSON.stringify(index),
    restore(saved) {
      index = MiniSearch.loadJSON(saved as string, { fields: TEXT_FIELDS, idField: 'id' });
    },
    query: (q) =>
      index
        .search(q, { prefix: true, fuzzy: 0.2 })
        .slice(0, 10)
        .map((h) => String(h.id)),
  };
}

/** SQLite FTS5 with the porter stemmer and bm25, all terms then any term, in memory. */
function fts5(): Engine {
  let db: Database.Database;
  let search: Database.Statement;
  const open = (source?: Buffer) => {
    db = source ? new Database(source) : new Database(':memory:');
    if (!source)
      db.exec(
        "CREATE VIRTUAL TABLE p USING fts5(id UNINDEXED, title, brand, category, description, tokenize='porter unicode61')",
      );
    search = db.prepare('SELECT id FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT 10');
  };
  return {
    name: 'SQLite FTS5',
    build(products) {
      open();
      const insert = db.prepare(
        'INSERT INTO p (id, title, brand, category, description) VALUES (?, ?, ?, ?, ?)',
      );
      db.transaction(() => {
        for (const p of products) insert.run(p.id, p.title, p.brand, p.category, p.description);
      })();
    },
    // The whole database as one buffer: what a file on disk holds.
    save: () => db.serialize(),
    nativeMb: () =>
      ((db.pragma('page_count', { simple: true }) as number) *
        (db.pragma('page_size', { simple: true }) as number)) /
      1e6,
    restore(saved) {
      db.close();
      open(saved as Buffer);
    },
    // Words quoted, so no input is FTS5 syntax; the last one as a prefix for as-you-type.
    query(q) {
      const terms = words(q).map((w, i, all) => (i === all.length - 1 ? `"${w}"*` : `"${w}"`));
      if (!terms.length) return [];
      for (const join of [' ', ' OR ']) {
        const hits = search.all(terms.join(join)) as { id: string }[];
        if (hits.length) return hits.map((h) => h.id);
      }
      return [];
    },
  };
}

/**
 * The heap plus ArrayBuffers (typed arrays live outside the heap: shopsync's postings) after
 * collections; a tick first, so that threads stopped just before are gone.
 */
async function heapMb(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (let i = 0; i < 2; i++) (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / 1e6;
}

/** Milliseconds `fn` takes (a synchronous engine is timed without an await in the way). */
async function time(fn: () => unknown): Promise<number> {
  const t = performance.now();
  const result = fn();
  if (result instanceof Promise) await result;
  return performance.now() - t;
}

/** Queries per second over `rounds` passes of the queries, `inFlight` at a time. */
async function throughput(
  engine: Engine,
  queries: string[],
  inFlight: number,
  rounds: number,
): Promise<number> {
  const work = Array.from({ length: rounds }, () => queries).flat();
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < work.length) await engine.query(work[next++]!);
    }),
  );
  return work.length / ((performance.now() - t) / 1000);
}

if (!icecatAvailable()) {
  console.error('shared/data/icecat is absent: nothing to benchmark');
  process.exit(2);
}
const sizesArg = process.argv.indexOf('--sizes');
const sizes = sizesArg > 0 ? process.argv[sizesArg + 1]!.split(',').map(Number) : [19000, 100000];
const { products: icecat } = loadIcecat();
const judgments = loadJudgments();
const queries = [...judgments.keys()];
// As-you-type: every prefix of 3+ characters of every dev query.
const prefixes = [
  ...new Set(
    queries.flatMap((q) => [...q].map((_, i) => q.slice(0, i + 1)).filter((p) => p.length >= 3 && p !== q)),
  ),
];
console.log(`${icecat.length} Icecat products, ${queries.length} dev queries, ${prefixes.length} prefixes`);

for (const size of sizes) {
  const products = replicate(icecat, size);
  console.log(`\n## ${products.length} products`);
  const rows: (string | number)[][] = [];
  // One engine alive at a time, so heap figures are each engine's own.
  const makers: (() => Engine & { index?: ProductIndex })[] = [
    () => shopsync(0),
    () => sharded(2),
    plainLunr,
    miniSearch,
    fts5,
    () => shopsync(500),
  ];
  for (const make of makers) {
    const engine = make();
    const cached = engine.index && engine.name.includes('cached') ? engine.index : null;
    const before = await heapMb();
    const buildMs = await time(() => engine.build(products));
    const heap = (await heapMb()) - before + ((await engine.nativeMb?.()) ?? 0);
    const saved = engine.save();
    const startMs = await time(() => engine.restore(saved, products));
    let score = 0;
    let scored = 0;
    for (const [q, labels] of judgments) {
      const s = ndcg(await engine.query(q), labels);
      if (s !== null) {
        score += s;
        scored++;
      }
    }
    const full: number[] = [];
    const typed: number[] = [];
    for (const [i, q] of queries.entries()) {
      full.push(await time(() => engine.query(q)));
      progress(`${engine.name} queries`, i + 1, queries.length);
    }
    for (const p of prefixes) typed.push(await time(() => engine.query(p)));
    const qps = await throughput(engine, queries, 4, 3);
    await engine.close?.();
    const f = summarize(full);
    const t = summarize(typed);
    rows.push([
      engine.name,
      buildMs / 1000,
      startMs / 1000,
      heap,
      score / scored,
      f.p50,
      f.p99,
      t.p50,
      t.p99,
      qps,
    ]);
    if (cached) {
      const times: number[] = [];
      for (const p of prefixes) times.push(await time(() => cached.suggest(p, 8)));
      const suggest = summarize(times);
      console.log(`suggest (shopsync): p50 ${fmt(suggest.p50)} ms, p99 ${fmt(suggest.p99)} ms`);
    }
  }
  console.log(
    table(
      [
        'engine',
        'build s',
        'start s',
        'heap MB',
        'NDCG@10',
        'full p50 ms',
        'full p99 ms',
        'prefix p50 ms',
        'prefix p99 ms',
        'qps',
      ],
      rows,
    ),
  );
  const us = rows[0]!;
  console.log('\nratios (other / shopsync; > 1 means shopsync is better, NDCG: shopsync / other):');
  console.log(
    table(
      [
        'engine',
        'build',
        'start',
        'heap',
        'NDCG@10',
        'full p50',
        'full p99',
        'prefix p50',
        'prefix p99',
        'qps',
      ],
      rows
        .slice(1, 5)
        .map((r) => [
          r[0]!,
          ...[1, 2, 3].map((i) => (r[i] as number) / (us[i] as number)),
          (us[4] as number) / (r[4] as number),
          ...[5, 6, 7, 8].map((i) => (r[i] as number) / (us[i] as number)),
          (us[9] as number) / (r[9] as number),
        ]),
    ),
  );
}
