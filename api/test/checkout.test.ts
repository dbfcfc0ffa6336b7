import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { YjsCart } from '@shopsync/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import type { CartDocuments } from '../src/cart/carts.js';
import { Catalog } from '../src/catalog/products.js';
import { Checkout } from '../src/checkout/checkout.js';
import { checkLedger } from '../src/checkout/ledger.js';
import { InMemoryOrderQueue } from '../src/checkout/queue.js';
import { SqliteStockStore } from '../src/checkout/stock.js';
import { OrderStore } from '../src/checkout/store.js';
import { StockWriter } from '../src/checkout/writer.js';
import { openDatabase } from '../src/db.js';
import { admin, type Client, createProduct, quickShoppers, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let vendor: Client;
beforeAll(async () => {
  server = await startTestServer();
  vendor = admin(server.url);
});
afterAll(() => server.close());

const product = (stock: number, price = 500) => createProduct(vendor, stock, price);

async function shopperWith(lines: [string, number][]): Promise<{ client: Client; cartId: string }> {
  // Signed in without scrypt: what is under test is the checkout, not signup.
  const [client] = quickShoppers(server, 1) as [Client];
  let cartId = '';
  for (const [p, n] of lines)
    cartId = (await client.post('/api/cart/lines', { productId: p, quantity: n })).json.cartId;
  return { client, cartId };
}

const place = (s: { client: Client; cartId: string }, key = randomUUID()) =>
  s.client.post('/api/orders', { cartId: s.cartId }, { 'idempotency-key': key });

async function finalStatus(c: Client, id: string): Promise<string> {
  for (;;) {
    const o = (await c.get(`/api/orders/${id}`)).json;
    if (o.status !== 'pending') return o.status;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('serialized checkout', () => {
  it('gives 20 shoppers of 5 units against 40 in stock exactly 8 confirmed orders', async () => {
    const p = await product(40);
    const shoppers = await Promise.all(Array.from({ length: 20 }, () => shopperWith([[p, 5]])));
    const results = await Promise.all(shoppers.map((s) => place(s)));
    const statuses = await Promise.all(results.map((r, i) => finalStatus(shoppers[i]!.client, r.json.id)));
    expect(statuses.filter((s) => s === 'confirmed')).toHaveLength(8);
    expect(statuses.filter((s) => s === 'rejected')).toHaveLength(12);
    expect((await vendor.get(`/api/products/${p}`)).json.stock).toBe(0);
    const rejected = results.find((r) => r.json.status === 'rejected')!;
    expect(rejected.json.reasons).toEqual([
      { productId: p, code: 'out_of_stock', available: expect.any(Number) },
    ]);
    expect(checkLedger(server.db)).toEqual([]);
  });

  it('sells exactly 137 units to 1,000 single-unit orders from 100 shoppers', async () => {
    const p = await product(137);
    const shoppers = quickShoppers(server, 100);
    const work: { client: Client; cartId: string; tag: string }[] = [];
    await Promise.all(
      shoppers.map(async (client) => {
        for (let i = 0; i < 10; i++) {
          const view = (await client.post('/api/cart/lines', { productId: p, quantity: 1 })).json;
          const known = new Set(work.filter((w) => w.client === client).map((w) => w.tag));
          const tag = view.lines[0].tags.find((t: string) => !known.has(t));
          work.push({ client, cartId: view.cartId, tag });
        }
      }),
    );
    expect(work).toHaveLength(1000);
    let next = 0;
    const statuses: string[] = [];
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        while (next < work.length) {
          const { client, cartId, tag } = work[next++]!;
          const res = await client.post(
            '/api/orders',
            { cartId, tags: [tag] },
            { 'idempotency-key': randomUUID() },
          );
          statuses.push(await finalStatus(client, res.json.id));
        }
      }),
    );
    expect(statuses.filter((s) => s === 'confirmed')).toHaveLength(137);
    expect(statuses.filter((s) => s === 'rejected')).toHaveLength(863);
    expect((await vendor.get(`/api/products/${p}`)).json.stock).toBe(0);
    expect(checkLedger(server.db)).toEqual([]);
  });

  it('keeps orders all-or-nothing when a hot product and 50 cold ones mix', async () => {
    const hot = await product(20);
    const cold = await Promise.all(Array.from({ length: 50 }, () => product(1000)));
    const shoppers = quickShoppers(server, 60);
    const carts = await Promise.all(
      shoppers.map(async (client, i) => {
        await client.post('/api/cart/lines', { productId: hot, quantity: 1 });
        return (await client.post('/api/cart/lines', { productId: cold[i % 50]!, quantity: 1 + (i % 2) }))
          .json;
      }),
    );
    const results = await Promise.all(
      shoppers.map((client, i) =>
        client.post('/api/orders', { cartId: carts[i].cartId }, { 'idempotency-key': randomUUID() }),
      ),
    );
    const statuses = await Promise.all(results.map((r, i) => finalStatus(shoppers[i]!, r.json.id)));
    expect(statuses.filter((s) => s === 'confirmed')).toHaveLength(20);
    expect((await vendor.get(`/api/products/${hot}`)).json.stock).toBe(0);
    // Cold stock moved only for confirmed orders: a rejected order took nothing.
    const coldSold = results.reduce((n, _r, i) => n + (statuses[i] === 'confirmed' ? 1 + (i % 2) : 0), 0);
    const coldLeft = await Promise.all(
      cold.map(async (id) => (await vendor.get(`/api/products/${id}`)).json.stock as number),
    );
    expect(50 * 1000 - coldLeft.reduce((a, b) => a + b, 0)).toBe(coldSold);
    expect(checkLedger(server.db)).toEqual([]);
  });

  it('never confirms part of an order: one short line rejects the whole order', async () => {
    const [plenty, scarce] = [await product(10), await product(1)];
    const s = await shopperWith([
      [plenty, 2],
      [scarce, 2],
    ]);
    const res = await place(s);
    expect(res.json.status).toBe('rejected');
    expect(res.json.reasons).toEqual([{ productId: scarce, code: 'out_of_stock', available: 1 }]);
    expect((await vendor.get(`/api/products/${plenty}`)).json.stock).toBe(10);
  });

  it('rejects an order of a product deleted since it was added, with not_found, and leaves the cart be', async () => {
    const [kept, gone] = [await product(5), await product(5)];
    const s = await shopperWith([
      [kept, 1],
      [gone, 2],
    ]);
    expect((await vendor.delete(`/api/products/${gone}`)).status).toBe(204);
    const res = await place(s);
    expect(res.json).toMatchObject({ status: 'rejected', reasons: [{ productId: gone, code: 'not_found' }] });
    expect((await vendor.get(`/api/products/${kept}`)).json.stock).toBe(5);
    expect((await s.client.get('/api/cart')).json.lines).toHaveLength(2);
  });

  it('rejects with price_changed when the price moved between the snapshot and the decision', async () => {
    const p = await product(5, 1000);
    const store = new OrderStore(server.db);
    const inserted = await store.insertPending('u_test', randomUUID(), 'hash', {
      cartId: 'c_test',
      lines: [
        { productId: p, title: 'x', quantity: 1, unitPrice: { amount: 1000, currency: 'USD' }, tags: ['t1'] },
      ],
    });
    if (!inserted.ok) throw new Error('insert failed');
    await vendor.patch(`/api/products/${p}`, { price: 1200 });
    const [decision] = new SqliteStockStore(server.db).decide([inserted.order.id]);
    expect(decision).toEqual({
      orderId: inserted.order.id,
      status: 'rejected',
      reasons: [{ productId: p, code: 'price_changed', price: { amount: 1200, currency: 'USD' } }],
      at: expect.any(Number),
    });
    expect((await vendor.get(`/api/products/${p}`)).json.stock).toBe(5);
    // A decided order is never decided twice (a recovered duplicate is skipped).
    expect(new SqliteStockStore(server.db).decide([inserted.order.id])).toEqual([]);
  });

  it('decides from lines held in memory once, and never moves stock for an order decided before', async () => {
    const p = await product(5, 1000);
    const store = new OrderStore(server.db);
    const lines = [
      { productId: p, title: 'x', quantity: 2, unitPrice: { amount: 1000, currency: 'USD' }, tags: ['t1'] },
    ];
    const inserted = await store.insertPending('u_test', randomUUID(), 'hash', { cartId: 'c_test', lines });
    if (!inserted.ok) throw new Error('insert failed');
    const known = new Map([[inserted.order.id, lines]]);
    const stock = new SqliteStockStore(server.db);
    expect(stock.decide([inserted.order.id], known)).toMatchObject([{ status: 'confirmed' }]);
    expect(store.get(inserted.order.id)?.status).toBe('confirmed');
    expect(stock.decide([inserted.order.id], known)).toEqual([]);
    expect((await vendor.get(`/api/products/${p}`)).json.stock).toBe(3);
  });

  it("takes a batch's units from the stock it read, moving each product's row once", async () => {
    const p = await product(5, 1000);
    const store = new OrderStore(server.db);
    const line = (quantity: number, tag: string) => ({
      productId: p,
      title: 'x',
      quantity,
      unitPrice: { amount: 1000, currency: 'USD' },
      tags: [tag],
    });
    const orders = [
      [line(2, 'a')],
      [line(2, 'b')],
      [line(2, 'c')],
      [line(1, 'd'), line(1, 'e')],
      [line(1, 'f')],
    ];
    const known = new Map<string, ReturnType<typeof line>[]>();
    for (const lines of orders) {
      const inserted = await store.insertPending('u_batch', randomUUID(), 'hash', { cartId: 'c_x', lines });
      if (!inserted.ok) throw new Error('insert failed');
      known.set(inserted.order.id, lines);
    }
    const changes = () =>
      (
        server.db.prepare('SELECT COUNT(*) AS n FROM product_changes WHERE product_id = ?').get(p) as {
          n: number;
        }
      ).n;
    const before = changes();
    const decisions = new SqliteStockStore(server.db).decide([...known.keys()], known);
    // 2 + 2 of 5; the third wants 2 of the 1 left; two lines of one product are counted together.
    expect(decisions.map((d) => d.status)).toEqual([
      'confirmed',
      'confirmed',
      'rejected',
      'rejected',
      'confirmed',
    ]);
    expect(decisions[2]!.reasons).toEqual([{ productId: p, code: 'out_of_stock', available: 1 }]);
    expect(decisions[3]!.reasons).toEqual([{ productId: p, code: 'out_of_stock', available: 1 }]);
    expect((await vendor.get(`/api/products/${p}`)).json.stock).toBe(0);
    expect(changes() - before).toBe(1);
    expect(checkLedger(server.db)).toEqual([]);
  });

  it('prices lines in the commit that claims the key, never for a replay, and notes cleared carts in it', async () => {
    // A database of its own: nothing else commits on it while the transactions are counted.
    const db = openDatabase(fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-orders-')));
    const store = new OrderStore(db);
    const line = {
      productId: 'p_y',
      title: 'y',
      quantity: 2,
      unitPrice: { amount: 300, currency: 'USD' },
      tags: ['t1'],
    };
    const price = vi.fn(() => [line]);
    const key = randomUUID();
    const first = await store.insertPending('u_price', key, 'hash', { cartId: 'c_price', lines: price });
    if (!first.ok) throw new Error('insert failed');
    expect(first.order).toMatchObject({
      status: 'pending',
      lines: [line],
      total: { amount: 600, currency: 'USD' },
    });
    expect(
      JSON.parse(
        (db.prepare('SELECT lines FROM orders WHERE id = ?').get(first.order.id) as { lines: string }).lines,
      ),
    ).toEqual([line]);
    expect(price).toHaveBeenCalledTimes(1);
    // A retry is answered from its key: nothing is priced again.
    const again = await store.insertPending('u_price', key, 'hash', { cartId: 'c_price', lines: price });
    expect(again).toMatchObject({ ok: true, replayed: true, order: { id: first.order.id } });
    expect(price).toHaveBeenCalledTimes(1);
    // Pricing that throws fails its own order only, in a batch that commits the others.
    const failing = () => {
      throw new Error('no catalog');
    };
    const spy = vi.spyOn(db, 'transaction');
    const [bad, good, note] = await Promise.allSettled([
      store.insertPending('u_price', randomUUID(), 'hash', { cartId: 'c_price', lines: failing }),
      store.insertPending('u_price', randomUUID(), 'hash', { cartId: 'c_price', lines: [line] }),
      store.markCartCleared([first.order.id]),
    ]);
    const transactions = spy.mock.calls.length;
    spy.mockRestore();
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'no catalog' } });
    expect(good).toMatchObject({ status: 'fulfilled', value: { ok: true, replayed: false } });
    expect(note.status).toBe('fulfilled');
    // New orders and the note went in one batch: written plainly, then again with savepoints.
    expect(transactions).toBe(2);
    const cleared = db.prepare('SELECT cart_cleared FROM orders WHERE id = ?').get(first.order.id);
    expect(cleared).toEqual({ cart_cleared: 1 });
    db.close();
  });

  it('keeps an idempotency key for 24 hours, then lets it be used again', async () => {
    let now = Date.now();
    const store = new OrderStore(server.db, () => now);
    const lines = [
      {
        productId: 'p_x',
        title: 'x',
        quantity: 1,
        unitPrice: { amount: 100, currency: 'USD' },
        tags: ['t1'],
      },
    ];
    const key = randomUUID();
    const first = await store.insertPending('u_keys', key, 'hash-a', { cartId: 'c_keys', lines });
    if (!first.ok) throw new Error('insert failed');
    // Within the day: the same request is the same order, another request under it is refused.
    now += 23 * 3600 * 1000;
    const again = await store.insertPending('u_keys', key, 'hash-a', { cartId: 'c_keys', lines });
    expect(again).toMatchObject({ ok: true, replayed: true, order: { id: first.order.id } });
    expect(await store.insertPending('u_keys', key, 'hash-b', { cartId: 'c_keys', lines })).toEqual({
      ok: false,
      reason: 'idempotency_key_reused',
    });
    // Another shopper's key of the same spelling is theirs.
    const other = await store.insertPending('u_other', key, 'hash-b', { cartId: 'c_other', lines });
    expect(other).toMatchObject({ ok: true, replayed: false });
    // After the day, the key makes a new order, and then replays that one.
    now += 2 * 3600 * 1000;
    const later = await store.insertPending('u_keys', key, 'hash-b', { cartId: 'c_keys', lines });
    if (!later.ok) throw new Error('expired key refused');
    expect(later.replayed).toBe(false);
    expect(later.order.id).not.toBe(first.order.id);
    expect(store.replay('u_keys', key, 'hash-b')).toMatchObject({ ok: true, order: { id: later.order.id } });
    // A day after u_other's key was claimed, the sweep deletes it and keeps u_keys' newer one.
    now += 23 * 3600 * 1000;
    const keys = () =>
      server.db.prepare("SELECT owner FROM idempotency_keys WHERE owner IN ('u_keys', 'u_other')").all();
    expect(keys()).toHaveLength(2);
    expect(store.expireIdempotencyKeys()).toBeGreaterThanOrEqual(1);
    expect(keys()).toEqual([{ owner: 'u_keys' }]);
  });

  it('produces one order for concurrent duplicates with one key', async () => {
    const p = await product(10);
    const s = await shopperWith([[p, 1]]);
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 8 }, () => place(s, key)));
    expect(new Set(results.map((r) => r.json.id)).size).toBe(1);
    expect((await vendor.get(`/api/products/${p}`)).json.stock).toBe(9);
    expect((await s.client.get('/api/orders')).json.items).toHaveLength(1);
  });

  it('cancels a confirmed order back into stock, once', async () => {
    const p = await product(3);
    const s = await shopperWith([[p, 2]]);
    const order = (await place(s)).json;
    expect(order.status).toBe('confirmed');
    const cancelled = await s.client.post(`/api/orders/${order.id}/cancel`);
    expect(cancelled.json.status).toBe('cancelled');
    expect((await vendor.get(`/api/products/${p}`)).json.stock).toBe(3);
    expect((await s.client.post(`/api/orders/${order.id}/cancel`)).status).toBe(409);
    expect(checkLedger(server.db)).toEqual([]);
  });

  it("clears the entries of a cart's orders confirmed together in one cart edit, and notes each cleared", async () => {
    const p = await product(10, 700);
    const doc = new Y.Doc();
    const cart = new YjsCart(doc);
    const tags = Array.from({ length: 6 }, () => cart.add(p, 1));
    const edits: string[] = [];
    const store = new OrderStore(server.db);
    const checkout = checkoutOn(
      store,
      oneDocument(doc, (cartId) => edits.push(cartId)),
    );
    // Five orders placed at once share a commit and a decision batch: their entries leave the
    // cart in one edit; the sixth entry, not ordered, stays.
    const results = await Promise.all(
      tags
        .slice(0, 5)
        .map((tag) => checkout.placeOrder('u_batch', randomUUID(), { cartId: 'c_batch', tags: [tag] })),
    );
    expect(results.map((r) => r.ok && r.order.status)).toEqual(Array(5).fill('confirmed'));
    expect(edits).toEqual(['c_batch']);
    expect([...cart.entries().keys()]).toEqual([tags[5]]);
    store.flush();
    for (const r of results) {
      if (!r.ok) throw new Error('not placed');
      expect(server.db.prepare('SELECT cart_cleared FROM orders WHERE id = ?').get(r.order.id)).toEqual({
        cart_cleared: 1,
      });
    }
    expect((await vendor.get(`/api/products/${p}`)).json.stock).toBe(5);
  });

  it('answers a confirmed order whose cart cannot be edited now, and clears the cart at the next start', async () => {
    const p = await product(10, 700);
    const doc = new Y.Doc();
    const cart = new YjsCart(doc);
    const [ordered, kept] = [cart.add(p, 2), cart.add(p, 1)];
    let broken = true;
    const documents = oneDocument(doc, () => {
      if (broken) throw new Error('the cart store is unavailable');
    });
    const store = new OrderStore(server.db);
    const make = () => checkoutOn(store, documents);
    const errors: unknown[] = [];
    const checkout = make().on('error', (err) => errors.push(err));
    const placed = await checkout.placeOrder('u_broken', randomUUID(), {
      cartId: 'c_broken',
      tags: [ordered],
    });
    expect(placed.ok && placed.order.status).toBe('confirmed');
    expect(errors).toHaveLength(1);
    expect([...cart.entries().keys()].sort()).toEqual([ordered, kept].sort());
    store.flush();
    if (!placed.ok) throw new Error('not placed');
    const cleared = () =>
      server.db.prepare('SELECT cart_cleared FROM orders WHERE id = ?').get(placed.order.id);
    expect(cleared()).toEqual({ cart_cleared: 0 });
    // Shipped before the next start: sold all the same, so still cleared then.
    expect(store.fulfil(placed.order.id, 'shipped')).toMatchObject({ ok: true, changed: true });
    // The next start finds it uncleared and clears exactly its entries.
    broken = false;
    expect((await make().recover()).carts).toBeGreaterThanOrEqual(1);
    expect([...cart.entries().keys()]).toEqual([kept]);
    store.flush();
    expect(cleared()).toEqual({ cart_cleared: 1 });
    expect((await vendor.get(`/api/products/${p}`)).json.stock).toBe(8);
  });

  it('streams the order status as server-sent events', async () => {
    const p = await product(3);
    const s = await shopperWith([[p, 1]]);
    const order = (await place(s)).json;
    const res = await fetch(`${server.url}/api/orders/${order.id}/events`, {
      headers: { authorization: `Bearer ${s.client.bearer}` },
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    // The first event is the order as it is now. A confirmed order's stream stays open for what
    // comes next (shipping: fulfilment.test.ts), so the first event is all that is read.
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('\n\n')) text += (await reader.read()).value ?? '';
    await reader.cancel();
    expect(text).toMatch(/event: status/);
    expect(JSON.parse(text.split('data: ')[1]!.split('\n')[0]!).status).toBe('confirmed');
  });
});

/** Cart documents that are all `doc`; `before` runs ahead of each server-side edit (and may throw). */
function oneDocument(doc: Y.Doc, before: (cartId: string) => void): CartDocuments {
  return {
    getDocument: async () => doc,
    withDocument: async (cartId, fn) => {
      before(cartId);
      let result!: ReturnType<typeof fn>;
      doc.transact(() => {
        result = fn(doc);
      });
      return result;
    },
  };
}

/** A checkout of its own on the test server's database, with an in-process stock writer. */
function checkoutOn(store: OrderStore, documents: CartDocuments): Checkout {
  const stock = new SqliteStockStore(server.db);
  return new Checkout(
    store,
    stock,
    new StockWriter(stock, new InMemoryOrderQueue()),
    new Catalog(server.db),
    documents,
  );
}
