import { EventEmitter } from 'node:events';
import type { OrderLine } from '@shopsync/core';
import type { OrderQueue } from './queue.js';
import type { Decision, StockStore } from './stock.js';

export interface StockWriterOptions {
  /** Most orders decided in one transaction (one commit). */
  maxBatch?: number;
  /** How long the first order of a batch may wait for company, in ms (0: the next turn of the event loop). */
  maxWaitMs?: number;
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
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
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
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.size > 0) {
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
        await this.decideBatch(ids);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async decideBatch(ids: string[]): Promise<void> {
    let decisions: Decision[];
    try {
      const decided = this.store.decide(ids, this.known);
      decisions = decided instanceof Promise ? await decided : decided;
    } catch (err) {
      // The transaction rolled back: nothing of this batch happened. Leave the orders pending
      // (recovered at the next start) and tell the waiters we could not decide.
      for (const id of ids) this.settle(id, undefined);
      this.emit('error', err);
      return;
    }
    this.batches++;
    this.decided += decisions.length;
    const byId = new Map(decisions.map((d) => [d.orderId, d]));
    for (const id of ids) {
      const decision = byId.get(id);
      this.settle(id, decision);
      if (decision) this.emit('decided', decision);
    }
  }

  private settle(orderId: string, decision: Decision | undefined): void {
    this.known.delete(orderId);
    const list = this.waiting.get(orderId);
    this.waiting.delete(orderId);
    for (const resolve of list ?? []) resolve(decision);
  }
}
