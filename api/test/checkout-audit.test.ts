import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../src/checkout/ledger.js';
import { OrderStore } from '../src/checkout/store.js';
import { DB_FILE } from '../src/db.js';
import {
  admin,
  type Client,
  createProduct,
  keptLog,
  quickShoppers,
  startTestServer,
  until,
} from './harness.js';
import { holdWriteLock } from './process.js';

// What an audit of the orders contract found (2026-12-04), each fixed and kept here.

let server: Awaited<ReturnType<typeof startTestServer>>;
let vendor: Client;
beforeAll(async () => {
  server = await startTestServer();
  vendor = admin(server.url);
});
afterAll(() => server.close());

async function shopperWith(lines: [string, number][]) {
  const [client] = quickShoppers(server, 1) as [Client];
  let cartId = '';
  const tags: string[] = [];
  for (const [p, n] of lines) {
    const view = (await client.post('/api/cart/lines', { productId: p, quantity: n })).json;
    cartId = view.cartId;
  }
  for (const line of (await client.get('/api/cart')).json.lines) tags.push(line.tag);
  return { client, cartId, tags };
}

/** Places an order of `body` (the cart by default) under a new key. */
const order = (s: { client: Client; cartId: string }, body: Record<string, unknown> = {}) =>
  s.client.post('/api/orders', { cartId: s.cartId, ...body }, { 'idempotency-key': randomUUID() });

const stockOf = async (p: string) => (await vendor.get(`/api/products/${p}`)).json.stock as number;

/** Another process holding the shop database's write lock, for `ms` or until released (process.ts). */
const holdDatabase = (ms?: number) => holdWriteLock(path.join(server.dataDir, DB_FILE), ms);

describe('orders while another process writes to the database', () => {
  it('decides an order and cancels it while another process holds the lock for a moment', async () => {
    const p = await createProduct(vendor, 5, 300);
    const s = await shopperWith([[p, 2]]);
    let lock = await holdDatabase(400);
    const placed = await order(s);
    expect(placed.status).toBe(202);
    expect(placed.json.status).toBe('confirmed');
    await lock.release();
    expect(await stockOf(p)).toBe(3);

    lock = await holdDatabase(400);
    const cancelled = await s.client.post(`/api/orders/${placed.json.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.status).toBe('cancelled');
    await lock.release();
    expect(await stockOf(p)).toBe(5);
    expect(checkLedger(server.db)).toEqual([]);
  });

  it('answers 503 busy when the lock is held past the busy timeout, having written nothing', async () => {
    const p = await createProduct(vendor, 5, 300);
    const lock = await holdDatabase(); // the shop waits 5 s (busy_timeout), then gives up
    const refused = await vendor.patch(`/api/products/${p}`, { price: 400 });
    await lock.release();
    expect(refused.status).toBe(503);
    expect(refused.json.error.code).toBe('busy');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await vendor.get(`/api/products/${p}`)).json.price.amount).toBe(300);
    expect((await vendor.patch(`/api/products/${p}`, { price: 400 })).status).toBe(200);
  }, 30_000);
});

describe('an entry is ordered once', () => {
  it('two tabs placing the same cart at once under their own keys make one order', async () => {
    const p = await createProduct(vendor, 50, 300);
    const s = await shopperWith([[p, 1]]);
    const results = await Promise.all(Array.from({ length: 8 }, () => order(s, { tags: s.tags })));
    const placed = results.filter((r) => r.status === 202);
    expect(placed).toHaveLength(1);
    expect(placed[0]!.json.status).toBe('confirmed');
    for (const r of results.filter((r) => r.status !== 202)) {
      // Refused while the first held the entries, or after it cleared them from the cart: either
      // way the shopper is shown the order that took them.
      expect([r.status, r.json.error.code]).toEqual([409, 'already_ordered']);
      if (r.json.error.details) expect(r.json.error.details).toEqual({ orderId: placed[0]!.json.id });
    }
    expect(await stockOf(p)).toBe(49);
    expect((await s.client.get('/api/orders')).json.items).toHaveLength(1);
  });

  it('a rejected order frees its entries to be ordered again', async () => {
    const p = await createProduct(vendor, 0, 300);
    const s = await shopperWith([[p, 1]]);
    const first = await order(s);
    expect(first.json.status).toBe('rejected');
    await vendor.patch(`/api/products/${p}`, { stock: 3 });
    const second = await order(s);
    expect(second.status).toBe(202);
    expect(second.json.status).toBe('confirmed');
  });
});

describe('reviewed prices', () => {
  it('rejects with price_changed (and the new price) an order reviewed at a price no longer current', async () => {
    const p = await createProduct(vendor, 5, 1000);
    const s = await shopperWith([[p, 1]]);
    await vendor.patch(`/api/products/${p}`, { price: 9999 });
    const res = await order(s, {
      tags: s.tags,
      prices: [{ productId: p, price: { amount: 1000, currency: 'USD' } }],
    });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({
      status: 'rejected',
      total: { amount: 1000, currency: 'USD' },
      reasons: [{ productId: p, code: 'price_changed', price: { amount: 9999, currency: 'USD' } }],
    });
    expect(await stockOf(p)).toBe(5);
    expect((await s.client.get('/api/cart')).json.lines).toHaveLength(1);
  });

  it('confirms at the reviewed price when it is current, and at the current one when none is named', async () => {
    const p = await createProduct(vendor, 5, 1000);
    const s = await shopperWith([[p, 1]]);
    const res = await order(s, {
      tags: s.tags,
      prices: [{ productId: p, price: { amount: 1000, currency: 'USD' } }],
    });
    expect(res.json).toMatchObject({ status: 'confirmed', total: { amount: 1000, currency: 'USD' } });
    const t = await shopperWith([[p, 1]]);
    await vendor.patch(`/api/products/${p}`, { price: 1100 });
    const plain = await order(t);
    expect(plain.json).toMatchObject({ status: 'confirmed', total: { amount: 1100, currency: 'USD' } });
  });

  it('refuses malformed reviewed prices with 400', async () => {
    const p = await createProduct(vendor, 5, 1000);
    const s = await shopperWith([[p, 1]]);
    for (const prices of [
      [{ productId: p, price: { amount: -1, currency: 'USD' } }],
      [{ productId: p, price: { amount: 1000, currency: 'usd' } }],
      [
        { productId: p, price: { amount: 1000, currency: 'USD' } },
        { productId: p, price: { amount: 900, currency: 'USD' } },
      ],
      'cheap',
    ]) {
      const res = await order(s, { prices });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
    }
  });
});

describe('order requests', () => {
  it('a product deleted from a cart priced in euros is rejected not_found, not mixed_currencies', async () => {
    const euro = async () =>
      (
        await vendor.post('/api/products', {
          title: `Euro item ${randomUUID()}`,
          brand: 'Acme',
          price: { amount: 800, currency: 'EUR' },
          stock: 5,
        })
      ).json.id as string;
    const [kept, gone] = [await euro(), await euro()];
    const s = await shopperWith([
      [kept, 1],
      [gone, 1],
    ]);
    await vendor.delete(`/api/products/${gone}`);
    const res = await order(s);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: 'rejected', reasons: [{ productId: gone, code: 'not_found' }] });
    expect(res.json.total.currency).toBe('EUR');
  });

  it('the same tags in another order (or named twice) under one key are the same request', async () => {
    const [a, b] = [await createProduct(vendor, 5), await createProduct(vendor, 5)];
    const s = await shopperWith([
      [a, 1],
      [b, 1],
    ]);
    const key = randomUUID();
    const first = await s.client.post(
      '/api/orders',
      { cartId: s.cartId, tags: s.tags },
      { 'idempotency-key': key },
    );
    expect(first.json.status).toBe('confirmed');
    const again = await s.client.post(
      '/api/orders',
      { cartId: s.cartId, tags: [...s.tags].reverse().concat(s.tags[0]!) },
      { 'idempotency-key': key },
    );
    expect(again.status).toBe(202);
    expect(again.json.id).toBe(first.json.id);
  });
});

describe('keys stored before request hashes sorted their tags', () => {
  it('answer a retry with the tags as first sent with the first order, not 422', async () => {
    const [a, b] = [await createProduct(vendor, 5), await createProduct(vendor, 5)];
    const s = await shopperWith([
      [a, 1],
      [b, 1],
    ]);
    const tags = [...s.tags].sort().reverse(); // as a client might have sent them: not sorted
    const userId = (await s.client.get('/api/me')).json.user.id as string;
    const key = randomUUID();
    // What the earlier version stored: the hash of the tags as sent.
    const legacy = createHash('sha256')
      .update(JSON.stringify([s.cartId, tags, null]))
      .digest('base64url');
    const first = await new OrderStore(server.db).insertPending(userId, key, legacy, {
      cartId: s.cartId,
      lines: [
        {
          productId: a,
          title: 'x',
          quantity: 1,
          unitPrice: { amount: 500, currency: 'USD' },
          tags: [tags[0]!],
        },
      ],
    });
    if (!first.ok) throw new Error('insert failed');
    const retry = await s.client.post('/api/orders', { cartId: s.cartId, tags }, { 'idempotency-key': key });
    expect(retry.status).toBe(202);
    expect(retry.json.id).toBe(first.order.id);
    // Another body under that key is still 422.
    const other = await s.client.post(
      '/api/orders',
      { cartId: s.cartId, tags: [tags[0]!] },
      { 'idempotency-key': key },
    );
    expect(other.status).toBe(422);
  });
});

describe('the hourly sweep of expired rows, while another process writes', () => {
  it('logs that it failed and goes on at the next sweep, without stopping the shop', async () => {
    const log = keptLog('info');
    const shop = await startTestServer({}, log.logger, { sweepEveryMs: 200 });
    try {
      const [client] = quickShoppers(shop, 1) as [Client];
      const failed = () => log.records.filter((r) => r.msg.startsWith('removing expired rows failed'));
      // Past the 5 s busy timeout: the sweep's delete gives up (a thrown SQLITE_BUSY in a timer
      // would end the process).
      const lock = await holdWriteLock(path.join(shop.dataDir, DB_FILE));
      await until(() => failed().length > 0, 'the failed sweep logged', 15_000);
      await lock.release();
      expect(failed()[0]).toMatchObject({ level: 50, err: { code: 'SQLITE_BUSY' } });
      expect((await client.get('/api/me')).status).toBe(200);
      // The next sweep does the work.
      shop.db.prepare('UPDATE sessions SET expires_at = ?').run(Date.now() - 1);
      await until(
        () => (shop.db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n === 0,
        'the expired session removed',
      );
    } finally {
      await shop.close();
    }
  }, 60_000);
});

describe('a cart edit whose commit meets the database locked', () => {
  it('answers 503 not_saved without Retry-After, and the edit is stored once the lock goes', async () => {
    const p = await createProduct(vendor, 5, 300);
    const [client] = quickShoppers(server, 1) as [Client];
    await client.get('/api/cart');
    const lock = await holdDatabase(); // past the 5 s busy timeout
    const res = await client.post('/api/cart/lines', { productId: p, quantity: 1 });
    await lock.release();
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('not_saved');
    expect(res.headers.get('retry-after')).toBeNull();
    // Retried by the sync server every second: stored once, not lost and not doubled.
    await server.sync.flush();
    const view = (await client.get('/api/cart')).json;
    expect(view.lines).toEqual([expect.objectContaining({ productId: p, quantity: 1 })]);
    const stored = server.db
      .prepare('SELECT count(*) AS n FROM sync_updates WHERE doc = ?')
      .get(view.cartId) as { n: number };
    expect(stored.n).toBeGreaterThan(0);
  }, 30_000);
});
