import type { ProductIndex } from '@shopsync/search';
import type { Catalog } from '../catalog/products.js';
import type { Db } from '../db.js';

/**
 * Feeds the search index from the change feed (`product_changes`), in order, each change once.
 * Writes made through this process call `catchUp()` right away; a timer picks up writes made by
 * other processes (the importer) within a fraction of a second.
 */
export class SearchFeed {
  private lastSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly since;

  constructor(
    private readonly db: Db,
    private readonly catalog: Catalog,
    readonly index: ProductIndex,
  ) {
    this.since = db.prepare(
      'SELECT seq, product_id FROM product_changes WHERE seq > ? ORDER BY seq LIMIT 5000',
    );
  }

  /** Builds the index from the whole catalog and marks the feed as consumed up to now. */
  rebuild(): void {
    const row = this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM product_changes').get() as {
      seq: number;
    };
    this.index.replaceAll([...this.catalog.all()]);
    this.lastSeq = row.seq;
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
    }
  }

  start(intervalMs = 250): void {
    this.timer = setInterval(() => this.catchUp(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
