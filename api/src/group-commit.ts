import type { Db } from './db.js';

/**
 * Group commit for small writes that arrive concurrently: every item pushed in one turn of the
 * event loop is written in a single SQLite transaction, so a burst of requests pays for one commit
 * instead of one each. Each item runs in its own savepoint, so one failing item rolls back only
 * itself and rejects only its own promise. A promise resolves once the transaction has committed.
 */
export class GroupCommit<I, O> {
  private items: I[] = [];
  private settle: { resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  private readonly one: (item: I) => O;

  /** `maxBatch`: most items in one transaction (1: a transaction per item, no grouping). */
  constructor(
    private readonly db: Db,
    write: (item: I) => O,
    private readonly maxBatch = Number.POSITIVE_INFINITY,
  ) {
    this.one = db.transaction(write) as unknown as (item: I) => O;
  }

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.items.push(item);
      this.settle.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes what is waiting now (the scheduled turn then finds nothing); for a clean shutdown. */
  flush(): void {
    this.scheduled = false;
    if (this.items.length === 0) return;
    const items = this.items;
    const settle = this.settle;
    this.items = [];
    this.settle = [];
    for (let i = 0; i < items.length; i += this.maxBatch) {
      const end = Math.min(items.length, i + this.maxBatch);
      this.commit(items.slice(i, end), settle.slice(i, end));
    }
  }

  private commit(items: I[], settle: { resolve: (o: O) => void; reject: (e: unknown) => void }[]): void {
    const results: ({ ok: true; value: O } | { ok: false; error: unknown })[] = [];
    try {
      this.db.transaction(() => {
        for (const item of items) {
          // Inside the outer transaction, the item's own transaction function is a savepoint.
          try {
            results.push({ ok: true, value: this.one(item) });
          } catch (error) {
            results.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const s of settle) s.reject(error);
      return;
    }
    results.forEach((r, i) => {
      if (r.ok) settle[i]!.resolve(r.value);
      else settle[i]!.reject(r.error);
    });
  }
}
