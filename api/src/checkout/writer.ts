import { EventEmitter } from 'node:events';
import type { OrderLine } from '@shopsync/core';
import type { OrderQueue } from './queue.js';
import type { Decision, StockStore } from './stock.js';

export interface StockWriterOptions {
  /** Most orders decided in one transaction (one commit). */
  maxBatch?: number;
  /** How long the first order of a batch may wait for company, in ms (0: the next turn of the event loop). */
  maxWaitMs?: number;
  /**
   * After a batch's decision failed: the wait before it is tried again, doubled after each
   * failure in a row up to `maxRetryMs`, and how many tries a batch gets before its orders are
   * left pending for the next start (`maxAttempts`).
   */
  retryMs?: number;
  maxRetryMs?: number;
  maxAttempts?: number;
}

/**
 * The serialized checkout: the one writer of a stock partition. It drains the queue in batches
 * and decides each batch in a single transaction (group commit), so many orders share one commit
 * while no two decisions on the same stock ever interleave.
 */
export class StockWriter extends EventEmitter<{ decided: [Decision]; error: [unknown] }> {
  private readonly waiting = new Map<string, ((d: Decision | undefined) => void)[]>();
  /** Lines of queued orders placed by this process, so deciding them reads nothing back. */
  private readonly known = new Map<string, OrderLine[]>();
  private scheduled = false;
  private flushing = false;
  /** Batches whose decision failed, to be tried again first, with the tries they had. */
  private retries: { ids: string[]; attempts: number }[] = [];
  /** Failures in a row (the retry wait doubles with each); no flush while `paused`. */
  private failures = 0;
  private paused = false;
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly maxAttempts: number;
  batches = 0;
  decided = 0;

  constructor(
    private readonly store: StockStore,
    private readonly queue: OrderQueue,
    options: StockWriterOptions = {},
  ) {
    super();
    this.maxBatch = options.maxBatch ?? 512;
    this.maxWaitMs = options.maxWaitMs ?? 0;
    this.retryMs = options.retryMs ?? 1000;
    this.maxRetryMs = options.maxRetryMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 8;
    queue.onReady(() => this.schedule());
  }

  /**
   * Queues a pending order; resolves with its decision (undefined if it was no longer pending).
   * `lines`: the order's lines as stored, when the caller has them.
   */
  submit(orderId: string, lines?: OrderLine[]): Promise<Decision | undefined> {
    if (lines) this.known.set(orderId, lines);
    return new Promise((resolve) => {
      const list = this.waiting.get(orderId);
      if (list) list.push(resolve);
      else {
        this.waiting.set(orderId, [resolve]);
        this.queue.enqueue(orderId);
      }
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.flush().catch((err: unknown) => this.emit('error', err));
    };
    if (this.maxWaitMs > 0) setTimeout(run, this.maxWaitMs);
    else setImmediate(run);
  }

  /**
   * Decides batches until the queue is empty. One flush at a time: with a store or queue that
   * answers with promises, a flush called while one waits returns, and the running one takes
   * what came meanwhile. With the embedded ones nothing is awaited: a flush runs to its end
   * synchronously, as before.
   */
  private async flush(): Promise<void> {
    // After a failed decision, nothing is tried before the pause ends (its timer flushes then).
    if (this.flushing || this.paused) return;
    this.flushing = true;
    try {
      while (this.retries.length > 0 || this.queue.size > 0) {
        const retry = this.retries.shift();
        if (retry) {
          if (!(await this.decideBatch(retry.ids, retry.attempts))) return;
          continue;
        }
        let ids: string[];
        try {
          const taken = this.queue.take(this.maxBatch);
          ids = taken instanceof Promise ? await taken : taken;
        } catch (err) {
          // The queue could not be read (a stream's fetch failed): try again in a second, not
          // in a loop as fast as it fails.
          this.emit('error', err);
          setTimeout(() => this.schedule(), 1000).unref();
          return;
        }
        if (!(await this.decideBatch(ids, 0))) return;
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Decides a batch; false when it failed (it is then tried again after a pause). */
  private async decideBatch(ids: string[], attempts: number): Promise<boolean> {
    let decisions: Decision[];
    try {
      const decided = this.store.decide(ids, this.known);
      decisions = decided instanceof Promise ? await decided : decided;
    } catch (err) {
      // The transaction rolled back: nothing of this batch happened (another process held the
      // database past its busy timeout, a full disk, a lost connection). The orders stay pending
      // and are tried again, first, after a pause that doubles while failures go on; their
      // waiters keep waiting (place-order answers `pending` after its own wait, and the live
      // status tells the decision). A batch that fails `maxAttempts` times is left pending for
      // the next start, and its waiters are told it was not decided.
      if (attempts + 1 < this.maxAttempts) this.retries.unshift({ ids, attempts: attempts + 1 });
      else for (const id of ids) this.settle(id, undefined);
      const wait = Math.min(this.maxRetryMs, this.retryMs * 2 ** Math.min(this.failures++, 30));
      this.paused = true;
      setTimeout(() => {
        this.paused = false;
        this.schedule();
      }, wait).unref();
      // Told last: the retry is arranged whatever a listener does (or if none listens and emit throws).
      this.emit('error', err);
      return false;
    }
    this.failures = 0;
    this.batches++;
    this.decided += decisions.length;
    const byId = new Map(decisions.map((d) => [d.orderId, d]));
    for (const id of ids) {
      const decision = byId.get(id);
      this.settle(id, decision);
      if (decision) this.emit('decided', decision);
    }
    return true;
  }

  private settle(orderId: string, decision: Decision | undefined): void {
    this.known.delete(orderId);
    const list = this.waiting.get(orderId);
    this.waiting.delete(orderId);
    for (const resolve of list ?? []) resolve(decision);
  }
}
