import type { Db } from './db.js';

/**
 * Group commit for small writes that arrive concurrently: every item pushed in one turn of the
 * event loop is written in a single SQLite transaction, so a burst of requests pays for one commit
 * instead of one each. One failing item rolls back only itself and rejects only its own promise:
 * a batch is first written plainly, and if an item throws, the whole transaction is rolled back
 * and written again with each item in its own savepoint (a savepoint per item cost two more
 * statements an item, every time, for a failure that is rare). So `write` may run twice for an
 * item, the first run rolled back: it must change nothing but the database. A promise resolves
 * once the transaction has committed.
 */
export class GroupCommit<I, O> {
  private items: I[] = [];
  private settle: { resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  /** An item in its own savepoint (inside the batch's transaction). */
  private readonly one: (item: I) => O;
  private readonly plain: (item: I) => O;

  /** `maxBatch`: most items in one transaction (1: a transaction per item, no grouping). */
  constructor(
    private readonly db: Db,
    write: (item: I) => O,
    private readonly maxBatch = Number.POSITIVE_INFINITY,
  ) {
    this.plain = write;
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
    let results: Written<O>[];
    try {
      results = this.write(items, false);
    } catch {
      // An item threw (or the commit failed: the second run meets the same failure, and its
      // error is what the items get).
      try {
        results = this.write(items, true);
      } catch (error) {
        for (const s of settle) s.reject(error);
        return;
      }
    }
    results.forEach((r, i) => {
      if (r.ok) settle[i]!.resolve(r.value);
      else settle[i]!.reject(r.error);
    });
  }

  /**
   * The items in one transaction. Plainly, an item that throws rolls the transaction back (the
   * error propagates); `isolated`, each item is a savepoint and its error is its result.
   */
  private write(items: I[], isolated: boolean): Written<O>[] {
    const results: Written<O>[] = [];
    this.db
      .transaction(() => {
        for (const item of items) {
          if (!isolated) {
            results.push({ ok: true, value: this.plain(item) });
            continue;
          }
          // Inside the outer transaction, the item's own transaction function is a savepoint.
          try {
            results.push({ ok: true, value: this.one(item) });
          } catch (error) {
            results.push({ ok: false, error });
          }
        }
      })
      .immediate();
    return results;
  }
}

type Written<O> = { ok: true; value: O } | { ok: false; error: unknown };
