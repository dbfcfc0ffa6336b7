import { describe, expect, it } from 'vitest';
import { InMemoryOrderQueue, type OrderQueue } from '../src/checkout/queue.js';
import type { Decision, StockStore } from '../src/checkout/stock.js';
import { StockWriter } from '../src/checkout/writer.js';

const later = <T>(value: T, ms: number) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

/**
 * A stock store that answers with promises, as one on a network database would, deciding from
 * its own stock counter: it confirms an order while units remain. It notes how many batches it
 * was asked to decide at once.
 */
function asyncStore(units: number) {
  let stock = units;
  let deciding = 0;
  const seen = { overlapping: 0, batches: [] as number[] };
  const store: StockStore = {
    async decide(orderIds) {
      deciding++;
      if (deciding > 1) seen.overlapping++;
      seen.batches.push(orderIds.length);
      // Read, wait (the round trip), then write: only serialized batches keep the count right.
      const left = stock;
      await later(undefined, 5);
      const decisions: Decision[] = orderIds.map((orderId, i) => ({
        orderId,
        status: i < left ? 'confirmed' : 'rejected',
        reasons: [],
        at: 0,
      }));
      stock = Math.max(0, left - orderIds.length);
      deciding--;
      return decisions;
    },
    cancel: async () => false,
  };
  return { store, seen };
}

/** The in-memory queue, answering `take` with a promise (a fetch from a stream). */
function asyncQueue(): OrderQueue {
  const inner = new InMemoryOrderQueue();
  return {
    enqueue: (id) => inner.enqueue(id),
    take: (max) => later(inner.take(max), 1),
    get size() {
      return inner.size;
    },
    onReady: (listener) => inner.onReady(listener),
  };
}

describe('StockWriter over a store and a queue that answer with promises', () => {
  it('decides one batch at a time, every order once, never past the stock', async () => {
    const { store, seen } = asyncStore(37);
    const writer = new StockWriter(store, asyncQueue(), { maxBatch: 8 });
    const decisions: Promise<Decision | undefined>[] = [];
    // Orders arrive while batches are being decided, not only before the first.
    for (let wave = 0; wave < 5; wave++) {
      for (let i = 0; i < 20; i++) decisions.push(writer.submit(`o${wave}-${i}`));
      await later(undefined, 3);
    }
    const all = await Promise.all(decisions);
    expect(seen.overlapping).toBe(0);
    expect(all.every((d) => d !== undefined)).toBe(true);
    expect(new Set(all.map((d) => d!.orderId)).size).toBe(100);
    expect(all.filter((d) => d!.status === 'confirmed')).toHaveLength(37);
    expect(seen.batches.every((n) => n <= 8)).toBe(true);
    expect(writer.decided).toBe(100);
  });

  it('reads the queue again a second after a read failed, and then decides its orders', async () => {
    const { store } = asyncStore(5);
    const inner = asyncQueue();
    let failures = 1;
    const queue: OrderQueue = {
      ...inner,
      take: (max) => (failures-- > 0 ? Promise.reject(new Error('stream unavailable')) : inner.take(max)),
      get size() {
        return inner.size;
      },
    };
    const writer = new StockWriter(store, queue);
    const errors: unknown[] = [];
    writer.on('error', (err) => errors.push(err));
    const decided = await Promise.all([writer.submit('x'), writer.submit('y')]);
    expect(decided.map((d) => d?.status)).toEqual(['confirmed', 'confirmed']);
    expect(errors).toHaveLength(1);
  });

  it('tries a batch whose decision failed again after a pause, its waiters waiting, and goes on with the next', async () => {
    let calls = 0;
    const tried: string[][] = [];
    const store: StockStore = {
      async decide(orderIds) {
        calls++;
        tried.push(orderIds);
        await later(undefined, 2);
        if (calls === 1) throw new Error('connection reset');
        return orderIds.map((orderId) => ({ orderId, status: 'confirmed' as const, reasons: [], at: 0 }));
      },
      cancel: async () => false,
    };
    const writer = new StockWriter(store, asyncQueue(), { maxBatch: 2, retryMs: 50 });
    const errors: unknown[] = [];
    writer.on('error', (err) => errors.push(err));
    const started = Date.now();
    const results = await Promise.all(['a', 'b', 'c'].map((id) => writer.submit(id)));
    expect(results.map((d) => d?.status)).toEqual(['confirmed', 'confirmed', 'confirmed']);
    expect(errors).toHaveLength(1);
    // The failed batch first, after the pause, then the rest.
    expect(tried).toEqual([['a', 'b'], ['a', 'b'], ['c']]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('waits longer after each failure in a row, and gives a batch up after maxAttempts (left pending)', async () => {
    const at: number[] = [];
    const store: StockStore = {
      decide(orderIds) {
        at.push(Date.now());
        if (orderIds.includes('poison')) throw new Error('always fails');
        return orderIds.map((orderId) => ({ orderId, status: 'confirmed' as const, reasons: [], at: 0 }));
      },
      cancel: () => false,
    };
    const writer = new StockWriter(store, new InMemoryOrderQueue(), { retryMs: 20, maxAttempts: 4 });
    writer.on('error', () => {});
    const poisoned = writer.submit('poison');
    expect(await poisoned).toBeUndefined();
    expect(at).toHaveLength(4);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(15); // 20, 40, 80 ms
    expect(gaps[1]).toBeGreaterThanOrEqual(35);
    expect(gaps[2]).toBeGreaterThanOrEqual(75);
    // The writer goes on with later orders once the pause after the last failure is over.
    expect((await writer.submit('fine'))?.status).toBe('confirmed');
  });
});
