import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  BARCODE_KEYS,
  INDEXED_ATTRIBUTES,
  ProductIndex,
  ShardedIndex,
  workerBuilder,
} from '@shopsync/search';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/products.js';
import { type Db, metaOr, statement } from '../db.js';

export interface SearchFeedOptions {
  /** Where the serialized base lives (`<dir>/search-base.json`); none: always rebuilt at start. */
  dir?: string;
  logger?: Logger;
  /** Products in the delta before a compaction builds a new base (ProductIndex's maxDelta). */
  maxDelta?: number;
  /**
   * Worker-thread shards to split the index across (ShardedIndex); 0: one index on this thread.
   */
  shards?: number;
}

/** The saved bases: `search-base.json` for one index, `search-base.<i>-of-<n>.json` for shards. */
const BASE_FILES = /^search-base(?:\.\d+-of-\d+)?\.json$/;

interface Saved {
  seq: number;
  segment: string;
}

/**
 * Feeds the search index from the change feed (`product_changes`), in order, each change once.
 * Writes made through this process call `catchUp()` right away; a timer picks up writes made by
 * other processes (the importer) within a fraction of a second.
 *
 * The base segment is built in a worker thread and saved with the change-feed position it covers;
 * a restart loads it and replays only the changes after that position (no rebuild).
 */
export class SearchFeed {
  /** Replaced when a shard thread dies (`recover`): read it on every use, never keep it. */
  index: ProductIndex | ShardedIndex;
  /** Products put in the delta at the last restore (changed since the saved base). */
  replayed = 0;
  private lastSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly since;
  /** Where each shard's base is saved (one file for an unsharded index); none without a dir. */
  private readonly files: string[];
  private saving: Promise<void> = Promise.resolve();
  /** Names this database, so that a base saved for another one (a replaced file) is never loaded. */
  private readonly databaseId: string;
  private recovering: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly catalog: Catalog,
    private readonly options: SearchFeedOptions = {},
  ) {
    this.since = db.prepare(
      'SELECT seq, product_id FROM product_changes WHERE seq > ? ORDER BY seq LIMIT 5000',
    );
    this.databaseId = metaOr(db, 'database_id', randomUUID);
    const shards = options.shards ?? 0;
    const dir = options.dir;
    this.files = !dir
      ? []
      : shards === 0
        ? [path.join(dir, 'search-base.json')]
        : Array.from({ length: shards }, (_, i) => path.join(dir, `search-base.${i + 1}-of-${shards}.json`));
    this.index =
      shards === 0
        ? new ProductIndex({
            maxDelta: options.maxDelta,
            builder: workerBuilder,
            onCompacted: (serialized, seq) => this.save(0, serialized, seq),
            onError: (err) =>
              options.logger?.error({ err }, 'search compaction failed; the delta keeps serving'),
          })
        : this.shardedIndex(shards);
  }

  /** Resolves when no restart of the shards is under way (see `recover`). */
  async recovered(): Promise<void> {
    while (this.recovering) await this.recovering;
  }

  private shardedIndex(shards: number): ShardedIndex {
    const logger = this.options.logger;
    return new ShardedIndex({
      shards,
      maxDelta: this.options.maxDelta,
      onCompacted: (shard, serialized, seq) => this.save(shard, serialized, seq),
      onError: (shard, err) => logger?.error({ err, shard }, 'search shard failed'),
      onFailed: (shard, err) => {
        logger?.error({ err, shard }, 'a search shard thread died; restarting the shards');
        this.recover();
      },
    });
  }

  /**
   * A shard thread died (a bug, or out of memory): its products cannot be searched, so searches
   * fail until every shard is opened anew from the saved bases and the catalog (seconds).
   */
  private recover(): void {
    if (this.stopped || this.recovering || !(this.index instanceof ShardedIndex)) return;
    const broken = this.index;
    const fresh = this.shardedIndex(broken.shards);
    this.index = fresh;
    this.recovering = this.openIndex(fresh)
      .then(
        (how) => this.options.logger?.info({ how }, 'search shards restarted'),
        (err) => this.options.logger?.error({ err }, 'could not restart the search shards'),
      )
      .finally(() => {
        this.recovering = undefined;
        return broken.close();
      });
  }

  /**
   * Makes the index current: loads the saved base (one per shard) and replays the changes after
   * it, or, when there is none (or it is stale or damaged), builds one in a worker thread and
   * saves it. The products and what changed since the oldest saved base are read in one snapshot
   * of the database; changes after it are replayed by catchUp.
   */
  async open(): Promise<'restored' | 'built'> {
    const how = await this.openIndex(this.index);
    this.removeOtherLayouts();
    return how;
  }

  private async openIndex(index: ProductIndex | ShardedIndex): Promise<'restored' | 'built'> {
    const saved = this.files.map((file) => this.readSaved(file));
    const present = saved.filter((s): s is Saved => s !== null);
    const snapshot = this.db.transaction(() => ({
      products: this.catalog.forIndex(INDEXED_ATTRIBUTES, BARCODE_KEYS),
      changed: present.length > 0 ? this.changedSince(Math.min(...present.map((s) => s.seq))) : [],
      seq: this.maxSeq(),
    }))();
    this.lastSeq = snapshot.seq;
    index.checkpoint = snapshot.seq;
    const bases = saved.map((s) => s?.segment ?? null);
    const how =
      index instanceof ShardedIndex
        ? await index.open(snapshot.products, bases, snapshot.changed)
        : [await index.open(snapshot.products, bases[0] ?? null, snapshot.changed)];
    how.forEach((h, i) => {
      if (h === 'built' && saved[i])
        this.options.logger?.warn(
          { file: this.files[i] },
          'saved search base has another format; rebuilding',
        );
    });
    this.replayed = how.includes('restored') ? snapshot.changed.length : 0;
    this.catchUp();
    return how.every((h) => h === 'restored') ? 'restored' : 'built';
  }

  /** Deletes bases saved under another number of shards: they are never read again. */
  private removeOtherLayouts(): void {
    const dir = this.options.dir;
    if (!dir) return;
    const keep = new Set(this.files.map((f) => path.basename(f)));
    for (const name of fs.readdirSync(dir))
      if (BASE_FILES.test(name) && !keep.has(name)) fs.rmSync(path.join(dir, name), { force: true });
  }

  /** Applies every change after the last one seen; returns how many products it touched. */
  catchUp(): number {
    let touched = 0;
    for (;;) {
      const rows = this.since.all(this.lastSeq) as { seq: number; product_id: string }[];
      if (rows.length === 0) return touched;
      const ids = new Set(rows.map((r) => r.product_id));
      for (const id of ids) {
        const product = this.catalog.get(id);
        if (product) this.index.upsert(product);
        else this.index.remove(id);
      }
      touched += ids.size;
      this.lastSeq = rows[rows.length - 1]!.seq;
      this.index.checkpoint = this.lastSeq;
    }
  }

  /** The error of the last poll when it failed (the index serves what it had), else null. */
  failing: Error | null = null;

  start(intervalMs = 250): void {
    // A poll that throws (the database damaged or unreadable, a disk error) must not end the
    // process from a timer: it is logged when it starts failing and when it recovers, the index
    // keeps serving what it had, and the next poll tries again.
    this.timer = setInterval(() => {
      try {
        this.catchUp();
        if (this.failing) this.options.logger?.info('search catches up with the catalog again');
        this.failing = null;
      } catch (err) {
        if (!this.failing)
          this.options.logger?.error({ err }, 'search could not read catalog changes; retrying');
        this.failing = err as Error;
      }
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops polling, waits for a base being saved, and stops the shard threads. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.recovered();
    await this.saving;
    if (this.index instanceof ShardedIndex) await this.index.close();
  }

  /**
   * Products whose text may differ from the saved base: every change after it but stock moves
   * (op 'stock', one per ordered product), whose rows read at start already carry the stock.
   * Counting those would send every product sold since the last compaction to the delta.
   */
  private changedSince(seq: number): string[] {
    const rows = statement(
      this.db,
      `SELECT DISTINCT product_id FROM product_changes WHERE seq > ? AND op != 'stock'`,
    ).all(seq) as { product_id: string }[];
    return rows.map((r) => r.product_id);
  }

  private maxSeq(): number {
    return (
      statement(this.db, 'SELECT COALESCE(MAX(seq), 0) AS seq FROM product_changes').get() as { seq: number }
    ).seq;
  }

  /**
   * The saved base: a first line `{"seq":N,"db":id}` (the last change the base includes, and the
   * database it was built from), then the segment.
   */
  private readSaved(file: string): Saved | null {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return null;
    }
    const newline = text.indexOf('\n');
    try {
      const { seq, db } = JSON.parse(text.slice(0, newline)) as { seq?: unknown; db?: unknown };
      if (
        db !== this.databaseId ||
        typeof seq !== 'number' ||
        !Number.isInteger(seq) ||
        seq < 0 ||
        seq > this.maxSeq()
      ) {
        this.options.logger?.warn({ file }, 'saved search base is from another database; rebuilding');
        return null;
      }
      return { seq, segment: text.slice(newline + 1) };
    } catch {
      this.options.logger?.warn({ file }, 'saved search base is unreadable; rebuilding');
      return null;
    }
  }

  /** Written to a temporary file, synced, then renamed: a crash leaves the old base or the new one. */
  private save(shard: number, serialized: string, seq: number): void {
    const file = this.files[shard];
    if (!file) return;
    this.saving = this.saving.then(async () => {
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        const handle = await fs.promises.open(tmp, 'w');
        try {
          await handle.writeFile(`${JSON.stringify({ seq, db: this.databaseId })}\n`);
          await handle.writeFile(serialized);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fs.promises.rename(tmp, file);
        this.options.logger?.info({ seq, bytes: serialized.length, file }, 'saved the search base');
      } catch (err) {
        this.options.logger?.error({ err }, 'could not save the search base; the next start rebuilds it');
        await fs.promises.rm(tmp, { force: true });
      }
    });
  }
}
