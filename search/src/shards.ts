import { Worker } from 'node:worker_threads';
import type { Product, SearchParams, SearchResult, Suggestion } from '@shopsync/core';
import { QueryCache } from './cache.js';
import { mergeResults, RELAX_BELOW, round, type ShardResult } from './merge.js';
import type { OrderedProduct } from './product-index.js';
import {
  averagesOf,
  type BuildStatistics,
  type CorpusStatistics,
  type Measure,
  withoutPart,
} from './segment.js';
import { Suggester } from './suggest.js';
import { addVocabulary, emptyVocabulary } from './synonyms.js';
import { queryTerms, saidInTitles } from './text.js';

/** What the shard threads are told (shard-worker.ts); `call` asks for a reply. */
export type ShardRequest = { call?: number } & (
  | { op: 'open'; products: OrderedProduct[]; base: string | null; changed: string[]; checkpoint: number }
  | { op: 'build'; statistics: BuildStatistics }
  | { op: 'upsert'; product: OrderedProduct }
  | { op: 'remove'; id: string }
  | { op: 'checkpoint'; seq: number }
  | { op: 'statistics'; corpus: CorpusStatistics }
  | {
      op: 'search';
      terms: string[];
      params: SearchParams;
      known?: string[];
      typing?: boolean;
      said?: string[];
    }
  | { op: 'together'; word: string; others: string[] }
  | { op: 'categoriesSaying'; words: string[] }
  | { op: 'compact' }
  | { op: 'compacted' }
  | { op: 'heap' }
);

export type ShardReply =
  | { call: number; result?: unknown; error?: string }
  | { event: 'compacted'; serialized: string; checkpoint: number; statistics: CorpusStatistics }
  | { event: 'error'; message: string };

export interface ShardedIndexOptions {
  /** How many shards (worker threads); products are split among them by a hash of their id. */
  shards: number;
  /** Cached query results (keyed by normalized query and index generation). */
  cacheSize?: number;
  /** Products in a shard's delta before it compacts them into a new base (ProductIndex's). */
  maxDelta?: number;
  /** A shard compacted its delta into a new base, covering the change feed up to `checkpoint`. */
  onCompacted?: (shard: number, serialized: string, checkpoint: number) => void;
  /** A shard's background work failed (a compaction); the shard goes on serving. */
  onError?: (shard: number, err: Error) => void;
  /**
   * A shard thread died: every search fails from now on (answering without its products would
   * be wrong silently). The owner replaces the index (SearchFeed reopens the shards).
   */
  onFailed?: (shard: number, err: Error) => void;
}

export type ShardOpening = 'restored' | 'built';

/** A shard's answer to 'open': its restored base's statistics, or its products' to build on. */
type Opened =
  | { how: 'restored'; statistics: CorpusStatistics; averages: Record<string, number> }
  | { how: 'staged'; measure: Measure };

const WORKER = new URL('./shard-worker.mjs', import.meta.url);

interface Light {
  title: string;
  brand: string;
  category: string;
  ordinal: number;
}

/**
 * The product index split by product id across worker threads (each a ProductIndex with its own
 * base, delta and compactions), searched in parallel and merged by score (`mergeResults`).
 *
 * Scores are comparable across shards: the shards score on the corpus's IDF, the sum of their
 * bases' statistics (`shareStatistics`), as Elasticsearch's dfs_query_then_fetch does, but once
 * per base rather than per query. Opening, the shards are built on the corpus's statistics too
 * (`open`): the average field lengths and IDF over every shard's products, which Lunr bakes into
 * the weights. Built on their own, the weights were near one index's but not equal (Lunr rounds
 * each weight; a rescaled one stays a little off), so exact ties became near-ties in some order:
 * dev NDCG@10 was 0.8148 over 2 shards against 0.8196 in one index, now the same. Deltas and
 * later bases keep the averages the shard opened with, and each base saves the IDF it was built
 * on, so a shard whose statistics moved since (writes, another shard's compaction) rescales its
 * weights by the IDF ratio. Counts, facets and the page are exact: see `mergeResults`.
 *
 * This thread keeps what suggestions need (titles, brands, categories), the products' order of
 * arrival and the query cache; searches answered from the cache never reach the shards.
 */
export class ShardedIndex {
  readonly shards: number;
  generation = 0;
  private readonly workers: Worker[];
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextCall = 0;
  private readonly rows = new Map<string, Light>();
  private nextOrdinal = 0;
  private readonly suggester = new Suggester(() => this.rows.values());
  private readonly cache: QueryCache;
  private position = 0;
  /** Each shard's base statistics; their sum is what every shard scores with. */
  private readonly statistics: (CorpusStatistics | undefined)[];
  /** Set when a shard thread died: every later search fails with it rather than miss products. */
  private failure: Error | undefined;

  constructor(private readonly options: ShardedIndexOptions) {
    if (!Number.isInteger(options.shards) || options.shards < 1)
      throw new RangeError(`shards must be a positive integer, not ${options.shards}`);
    this.shards = options.shards;
    this.cache = new QueryCache(options.cacheSize ?? 500);
    this.workers = Array.from({ length: this.shards }, (_, shard) => this.spawn(shard));
    this.statistics = this.workers.map(() => undefined);
  }

  get size(): number {
    return this.rows.size;
  }

  /**
   * An opaque position in the owner's change feed that the products reflect; each shard hands it
   * to `onCompacted` with the bases it builds.
   */
  get checkpoint(): number {
    return this.position;
  }

  set checkpoint(seq: number) {
    if (seq === this.position) return;
    this.position = seq;
    for (const worker of this.workers) this.post(worker, { op: 'checkpoint', seq });
  }

  /** The shard that holds a product. */
  shardOf(id: string): number {
    return fnv1a(id) % this.shards;
  }

  /**
   * Indexes exactly these products: each shard restores its saved base (`bases[shard]`, as
   * `onCompacted` gave it; products in `changedSince` are re-indexed) or, when it has none or it
   * is unreadable, builds one. In two rounds: the shards that build first report what Lunr will
   * count of their products (field lengths, document frequencies), then build on the corpus's
   * statistics. Resolves with what each shard did.
   */
  async open(
    products: Iterable<Product>,
    bases: (string | null)[],
    changedSince: Iterable<string> = [],
  ): Promise<ShardOpening[]> {
    this.rows.clear();
    this.nextOrdinal = 0;
    const parts: OrderedProduct[][] = this.workers.map(() => []);
    for (const p of products) {
      const ordinal = this.nextOrdinal++;
      this.rows.set(p.id, { title: p.title, brand: p.brand, category: p.category, ordinal });
      parts[this.shardOf(p.id)]!.push({ ...p, ordinal });
    }
    const changed = [...changedSince];
    // A new catalog: suggestions are counted again on first use.
    this.suggester.stale = true;
    this.invalidate();
    const opened = await Promise.all(
      this.workers.map(
        (worker, shard) =>
          this.call(worker, {
            op: 'open',
            products: parts[shard]!,
            base: bases[shard] ?? null,
            changed: changed.filter((id) => this.shardOf(id) === shard),
            checkpoint: this.position,
          }) as Promise<Opened>,
      ),
    );
    // Shards without a base build on the corpus's statistics, as one index would: its average
    // field lengths and IDF over every shard's products. When some bases were restored, their
    // averages: their weights were built on them (and a shard's products are a sample of the
    // catalog, so they stand for the new shard's too).
    const restored = opened.flatMap((o) => (o.how === 'restored' && o.statistics.documents > 0 ? [o] : []));
    const averages =
      restored.length > 0
        ? restoredAverages(restored)
        : averagesOf(opened.flatMap((o) => (o.how === 'staged' ? [o.measure] : [])));
    const own = opened.map((o) => (o.how === 'restored' ? o.statistics : o.measure));
    const corpus = sumStatistics(own, false);
    const built = await Promise.all(
      opened.map(async (o, shard) => {
        if (o.how === 'restored') return o;
        const others = withoutPart(corpus, own[shard]!);
        return this.call(this.workers[shard]!, { op: 'build', statistics: { averages, others } }) as Promise<{
          how: 'built';
          statistics: CorpusStatistics;
        }>;
      }),
    );
    built.forEach(({ statistics }, shard) => {
      this.statistics[shard] = statistics;
    });
    this.shareStatistics();
    return built.map(({ how }) => how);
  }

  upsert(product: Product): void {
    const previous = this.rows.get(product.id);
    const { title, brand, category } = product;
    const ordinal = previous?.ordinal ?? this.nextOrdinal++;
    this.rows.set(product.id, { title, brand, category, ordinal });
    this.post(this.workers[this.shardOf(product.id)]!, { op: 'upsert', product: { ...product, ordinal } });
    // Suggestions read titles, brands and categories: a stock or price change leaves them be.
    const same = previous?.title === title && previous.brand === brand && previous.category === category;
    if (!same) {
      if (previous) this.suggester.remove(previous);
      this.suggester.add(product);
    }
    this.invalidate();
  }

  remove(id: string): void {
    const row = this.rows.get(id);
    if (!row) return;
    this.rows.delete(id);
    this.suggester.remove(row);
    this.post(this.workers[this.shardOf(id)]!, { op: 'remove', id });
    this.invalidate();
  }

  async search(params: SearchParams): Promise<SearchResult> {
    const started = performance.now();
    const terms = queryTerms(params.q, params.exact);
    const key = QueryCache.key(this.generation, terms, params);
    const cached = this.cache.get(key);
    if (cached) return { ...cached, tookMs: round(performance.now() - started) };
    const generation = this.generation;
    // Whether the last word starts some title word (being typed: no typo), from every shard's titles.
    const last = terms[terms.length - 1];
    const typing = last !== undefined && last.length >= 5 && this.suggester.begins(last);
    // The query words titles say as typed (words: not completed, nor read as typos), from every
    // shard's titles.
    const said = saidInTitles(terms, (word) => this.suggester.titles(word));
    const ask = (worker: Worker, known?: string[]) =>
      this.call(worker, { op: 'search', terms, params, known, typing, said }) as Promise<ShardResult>;
    const parts = await Promise.all(this.workers.map((worker) => ask(worker)));
    // Relaxing: a shard that lacks a query word another shard has (written since the bases were
    // built, so not in the shared statistics) took it for a typo. Ask it again, knowing better.
    if (parts.reduce((n, p) => n + p.strictMatches, 0) < RELAX_BELOW) {
      const known = [...new Set(parts.flatMap((p) => p.known ?? []))];
      await Promise.all(
        parts.map(async (part, shard) => {
          if (known.some((stem) => !part.known?.includes(stem)))
            parts[shard] = await ask(this.workers[shard]!, known);
        }),
      );
    }
    const result = mergeResults(parts, params, terms);
    // A write that arrived meanwhile may or may not be in this result: answer it, cache it not.
    if (generation === this.generation) {
      this.cache.set(key, result);
    }
    return { ...result, tookMs: round(performance.now() - started) };
  }

  /**
   * Completions from this thread's counts; what they ask of the products (`SuggestContext`) the
   * shards answer, their counts added up.
   */
  async suggest(q: string, limit = 8): Promise<Suggestion[]> {
    const ask = (request: ShardRequest) =>
      Promise.all(this.workers.map((worker) => this.call(worker, request)));
    return this.suggester.suggestAsync(q, limit, {
      together: async (word, others) => {
        const counts = (await ask({ op: 'together', word, others: [...others] })) as number[][];
        return others.map((_, i) => counts.reduce((n, shard) => n + shard[i]!, 0));
      },
      categoriesSaying: async (words) => {
        const counts = new Map<string, number>();
        for (const shard of (await ask({ op: 'categoriesSaying', words: [...words] })) as [
          string,
          number,
        ][][])
          for (const [category, n] of shard) counts.set(category, (counts.get(category) ?? 0) + n);
        return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      },
    });
  }

  /** Compacts every shard now (each resolves when its new base is in use). */
  async compact(): Promise<void> {
    await Promise.all(this.workers.map((worker) => this.call(worker, { op: 'compact' })));
  }

  /** Resolves when no shard is compacting. */
  async compacted(): Promise<void> {
    await Promise.all(this.workers.map((worker) => this.call(worker, { op: 'compacted' })));
  }

  /**
   * Bytes of JavaScript heap and external memory (the postings' typed arrays) the shard threads
   * use, after a collection where `gc` is exposed.
   */
  async heapUsed(): Promise<number> {
    const used = await Promise.all(this.workers.map((worker) => this.call(worker, { op: 'heap' })));
    return (used as number[]).reduce((a, b) => a + b, 0);
  }

  /**
   * Stops one shard thread as a crash would (`onFailed` follows): for failure drills, in tests or
   * on a staging server.
   */
  async crashShard(shard: number): Promise<void> {
    await this.workers[shard]?.terminate();
  }

  /** Stops the shard threads (a compaction under way is abandoned; its base is not saved). */
  async close(): Promise<void> {
    this.failure ??= new Error('the search index is closed');
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private spawn(shard: number): Worker {
    const worker = new Worker(WORKER, { workerData: { maxDelta: this.options.maxDelta } });
    worker.on('message', (reply: ShardReply) => {
      if ('call' in reply) {
        const pending = this.calls.get(reply.call);
        this.calls.delete(reply.call);
        if (reply.error !== undefined) pending?.reject(new Error(`search shard ${shard}: ${reply.error}`));
        else pending?.resolve(reply.result);
      } else if (reply.event === 'compacted') {
        this.statistics[shard] = reply.statistics;
        this.shareStatistics();
        this.options.onCompacted?.(shard, reply.serialized, reply.checkpoint);
      } else {
        this.options.onError?.(shard, new Error(`search shard ${shard}: ${reply.message}`));
      }
    });
    const died = (err: Error) => {
      if (this.failure) return; // closed, or another shard died first
      this.failure = err;
      for (const { reject } of this.calls.values()) reject(err);
      this.calls.clear();
      this.options.onFailed?.(shard, err);
    };
    worker.on('error', (err) => died(new Error(`search shard ${shard} failed: ${err.message}`)));
    worker.on('exit', (code) => died(new Error(`search shard ${shard} exited with code ${code}`)));
    return worker;
  }

  /**
   * Gives every shard the corpus statistics: the sum of the shards' bases'. Shards are built
   * apart, each with its own products' IDF; scoring on the sum makes a product's score what it
   * would be in one index, whichever shard holds it. Sent again whenever a shard's base changes.
   */
  private shareStatistics(): void {
    if (this.statistics.some((s) => !s)) return;
    const corpus = sumStatistics(this.statistics as CorpusStatistics[]);
    for (const worker of this.workers) this.post(worker, { op: 'statistics', corpus });
    this.invalidate();
  }

  private post(worker: Worker, request: ShardRequest): void {
    if (!this.failure) worker.postMessage(request);
  }

  private call(worker: Worker, request: ShardRequest): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const call = this.nextCall++;
    return new Promise((resolve, reject) => {
      this.calls.set(call, { resolve, reject });
      worker.postMessage({ ...request, call });
    });
  }

  private invalidate(): void {
    this.generation++;
    this.cache.clear();
  }
}

/**
 * The average field lengths the restored bases were built with: the same in each when they were
 * built together (taken as they are, so that a shard built now weighs exactly alike); else
 * weighted by their products.
 */
function restoredAverages(restored: { statistics: CorpusStatistics; averages: Record<string, number> }[]) {
  const [first] = restored;
  const same = restored.every(({ averages }) =>
    Object.entries(first!.averages).every(([field, avg]) => averages[field] === avg),
  );
  if (same) return first!.averages;
  return averagesOf(
    restored.map(({ statistics: { documents }, averages }) => ({
      documents,
      lengths: Object.fromEntries(Object.entries(averages).map(([field, avg]) => [field, avg * documents])),
    })),
  );
}

/**
 * The statistics of several shards' products together: counts added, and with `vocabularies`
 * the title vocabularies merged (what scoring needs; a build needs the counts only).
 */
function sumStatistics(shards: readonly CorpusStatistics[], vocabularies = true): CorpusStatistics {
  const corpus = {
    documents: 0,
    frequency: new Map<string, number>(),
    types: emptyVocabulary(),
    titled: new Set<string>(),
  };
  for (const { documents, frequency, types, titled } of shards) {
    corpus.documents += documents;
    for (const [term, n] of frequency) corpus.frequency.set(term, (corpus.frequency.get(term) ?? 0) + n);
    if (!vocabularies) continue;
    if (types) addVocabulary(corpus.types, types);
    for (const term of titled ?? []) corpus.titled.add(term);
  }
  if (!vocabularies) return { documents: corpus.documents, frequency: corpus.frequency };
  return corpus;
}

/** FNV-1a over the id's UTF-16 code units: cheap, and spreads similar ids evenly. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
