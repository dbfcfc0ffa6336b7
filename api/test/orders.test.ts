import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, Client, createProduct, signUp, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let vendor: Client;
beforeAll(async () => {
  server = await startTestServer();
  vendor = admin(server.url);
});
afterAll(() => server.close());

const product = (stock: number, price = 1250) => createProduct(vendor, stock, price);

const order = (c: Client, body: unknown, key: string = randomUUID()) =>
  c.post('/api/orders', body, { 'idempotency-key': key });

describe('cart and orders', () => {
  it('adds lines on the server copy and sums repeated adds', async () => {
    const c = await signUp(server.url);
    const p = await product(5);
    await c.post('/api/cart/lines', { productId: p, quantity: 1 });
    const view = await c.post('/api/cart/lines', { productId: p, quantity: 2 });
    expect(view.status).toBe(200);
    // At the price of the first add, which the line keeps when the price changes.
    const added = { amount: 1250, currency: 'USD' };
    expect(view.json.lines).toEqual([
      { tag: expect.any(String), productId: p, quantity: 3, tags: expect.any(Array), addedPrice: added },
    ]);
    expect(view.json.syncUrl).toBe('/sync');
    expect((await vendor.patch(`/api/products/${p}`, { price: 1500 })).status).toBe(200);
    await c.post('/api/cart/lines', { productId: p, quantity: 1 });
    expect((await c.patch(`/api/cart/lines/${p}`, { quantity: 2 })).json.lines).toMatchObject([
      { productId: p, quantity: 2, addedPrice: added },
    ]);
    expect((await c.patch(`/api/cart/lines/${p}`, { quantity: 0 })).json.lines).toEqual([]);
    expect((await c.post('/api/cart/lines', { productId: 'missing', quantity: 1 })).status).toBe(404);
    expect((await c.patch('/api/cart/lines/missing', { quantity: 3 })).status).toBe(404);
    // A line of a product deleted since can still be removed.
    const gone = await product(5);
    await c.post('/api/cart/lines', { productId: gone, quantity: 1 });
    await vendor.delete(`/api/products/${gone}`);
    expect((await c.patch(`/api/cart/lines/${gone}`, { quantity: 2 })).status).toBe(404);
    const removed = await c.patch(`/api/cart/lines/${gone}`, { quantity: 0 });
    expect([removed.status, removed.json.lines]).toEqual([200, []]);
  });

  it('applies adds as the cart does, clamped to maxPerLine, and says the limit', async () => {
    const c = await signUp(server.url);
    const p = await product(50);
    const view = await c.post('/api/cart/lines', { productId: p, quantity: 8 });
    expect(view.json.maxPerLine).toBe(10);
    expect(view.json.lines[0].capped).toBeUndefined();
    const over = await c.post('/api/cart/lines', { productId: p, quantity: 3 });
    // Applied, and the line says it holds less than was added.
    expect([over.status, over.json.lines[0].quantity, over.json.lines[0].capped]).toEqual([200, 10, true]);
    const set = await c.patch(`/api/cart/lines/${p}`, { quantity: 4 });
    expect([set.json.lines[0].quantity, set.json.lines[0].capped]).toEqual([4, undefined]);
    expect((await c.post('/api/cart/lines', { productId: p, quantity: 101 })).status).toBe(400);
  });

  it('confirms an order, decrements stock and removes the ordered entries only', async () => {
    const c = await signUp(server.url);
    const [p1, p2] = [await product(5, 1000), await product(5, 250)];
    await c.post('/api/cart/lines', { productId: p1, quantity: 2 });
    const cart = await c.post('/api/cart/lines', { productId: p2, quantity: 1 });
    const reviewed = cart.json.lines
      .filter((l: { productId: string }) => l.productId === p1)
      .flatMap((l: { tags: string[] }) => l.tags);
    const res = await order(c, { cartId: cart.json.cartId, tags: reviewed });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: 'confirmed', total: { amount: 2000, currency: 'USD' } });
    expect((await c.get(`/api/products/${p1}`)).json.stock).toBe(3);
    const after = await c.get('/api/cart');
    expect(after.json.lines.map((l: { productId: string }) => l.productId)).toEqual([p2]);
    expect((await c.get(`/api/orders/${res.json.id}`)).json.status).toBe('confirmed');
    expect((await c.get('/api/orders')).json.items[0].id).toBe(res.json.id);
  });

  it('rejects an order beyond stock with the available quantity and leaves the cart alone', async () => {
    const c = await signUp(server.url);
    const p = await product(1);
    const cart = await c.post('/api/cart/lines', { productId: p, quantity: 3 });
    const res = await order(c, { cartId: cart.json.cartId });
    expect(res.json.status).toBe('rejected');
    expect(res.json.reasons).toEqual([{ productId: p, code: 'out_of_stock', available: 1 }]);
    expect((await c.get(`/api/products/${p}`)).json.stock).toBe(1);
    expect((await c.get('/api/cart')).json.lines).toHaveLength(1);
  });

  it('is idempotent: a retry returns the first order; another body with the key is 422', async () => {
    const c = await signUp(server.url);
    const p = await product(10);
    const cart = await c.post('/api/cart/lines', { productId: p, quantity: 1 });
    const key = randomUUID();
    const body = { cartId: cart.json.cartId, tags: cart.json.lines[0].tags };
    const first = await order(c, body, key);
    const again = await order(c, body, key);
    expect(again.json.id).toBe(first.json.id);
    expect((await c.get(`/api/products/${p}`)).json.stock).toBe(9);
    expect((await order(c, { cartId: cart.json.cartId }, key)).status).toBe(422);
    const missing = await c.post('/api/orders', body);
    expect([missing.status, missing.json.error.code]).toEqual([400, 'idempotency_key_required']);
    // Any key of 1-255 visible characters is a key; longer, or with spaces, is refused.
    for (const bad of ['x'.repeat(256), 'two words'])
      expect((await order(c, body, bad)).json.error.code).toBe('invalid_idempotency_key');
    const line = (await c.post('/api/cart/lines', { productId: p, quantity: 1 })).json.lines[0];
    const short = await order(c, { cartId: cart.json.cartId, tags: line.tags }, 'k1');
    expect([short.status, short.json.status]).toEqual([202, 'confirmed']);
    expect((await order(c, { cartId: cart.json.cartId }, 'k1')).status).toBe(422);
    // The whole cart ordered, then refilled (another device): a retry is still the first order.
    const whole = randomUUID();
    await c.post('/api/cart/lines', { productId: p, quantity: 2 });
    const wholeFirst = await order(c, { cartId: cart.json.cartId }, whole);
    expect(wholeFirst.json).toMatchObject({ status: 'confirmed', lines: [{ productId: p, quantity: 2 }] });
    // Retried with the cart now empty: the first order, not an empty-cart 400.
    const emptied = await order(c, { cartId: cart.json.cartId }, whole);
    expect([emptied.status, emptied.json.id]).toEqual([202, wholeFirst.json.id]);
    await c.post('/api/cart/lines', { productId: p, quantity: 3 });
    const wholeAgain = await order(c, { cartId: cart.json.cartId }, whole);
    expect(wholeAgain.json.id).toBe(wholeFirst.json.id);
    expect(wholeAgain.json.lines).toEqual(wholeFirst.json.lines);
    expect((await c.get(`/api/products/${p}`)).json.stock).toBe(6);
  });

  it('orders a cart line by its tag: all of the line as shown, none of what was added since', async () => {
    const c = await signUp(server.url);
    const p = await product(10);
    // Two adds of one product are two entries, shown as one line of 3.
    await c.post('/api/cart/lines', { productId: p, quantity: 2 });
    const shown = (await c.post('/api/cart/lines', { productId: p, quantity: 1 })).json;
    expect(shown.lines).toHaveLength(1);
    const [line] = shown.lines;
    expect(line).toMatchObject({ productId: p, quantity: 3 });
    expect(line.tags).toHaveLength(2);
    // Another device adds one more meanwhile: the line now has another tag.
    const more = (await c.post('/api/cart/lines', { productId: p, quantity: 1 })).json.lines[0];
    expect(more.quantity).toBe(4);
    expect(more.tag).not.toBe(line.tag);
    const placed = await order(c, {
      cartId: shown.cartId,
      tags: shown.lines.map((l: { tag: string }) => l.tag),
    });
    expect(placed.json).toMatchObject({ status: 'confirmed', lines: [{ productId: p, quantity: 3 }] });
    expect((await c.get(`/api/products/${p}`)).json.stock).toBe(7);
    // What was added after the review stays in the cart.
    expect((await c.get('/api/cart')).json.lines).toMatchObject([{ productId: p, quantity: 1 }]);
    // A line one of whose entries is gone (set elsewhere) is out of date: the shopper reviews again.
    const next = (await c.post('/api/cart/lines', { productId: p, quantity: 1 })).json.lines[0];
    await c.patch(`/api/cart/lines/${p}`, { quantity: 5 });
    const stale = await order(c, { cartId: shown.cartId, tags: [next.tag] });
    expect([stale.status, stale.json.error.code]).toEqual([409, 'cart_out_of_date']);
  });

  it("answers a review another device's order took from the cart with that order (409 already_ordered)", async () => {
    const c = await signUp(server.url);
    const p = await product(10);
    await c.post('/api/cart/lines', { productId: p, quantity: 2 });
    const shown = (await c.post('/api/cart/lines', { productId: p, quantity: 1 })).json;
    const tags = shown.lines.map((l: { tag: string }) => l.tag);
    // The laptop orders the cart; the tablet's checkout page still shows it.
    const placed = await order(c, { cartId: shown.cartId, tags });
    expect(placed.json.status).toBe('confirmed');
    // The order takes its entries from the cart document once it is confirmed.
    for (let tries = 0; (await c.get('/api/cart')).json.lines.length > 0; tries++) {
      expect(tries, 'the entries gone from the cart').toBeLessThan(250);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const again = await order(c, { cartId: shown.cartId, tags });
    expect([again.status, again.json.error.code, again.json.error.details]).toEqual([
      409,
      'already_ordered',
      { orderId: placed.json.id },
    ]);
    // By an entry's own tag too, and whatever became of the order since.
    expect((await c.post(`/api/orders/${placed.json.id}/cancel`, {})).json.status).toBe('cancelled');
    const byEntry = await order(c, { cartId: shown.cartId, tags: [shown.lines[0].tags[0]] });
    expect(byEntry.json.error).toMatchObject({
      code: 'already_ordered',
      details: { orderId: placed.json.id },
    });
    // Tags no order took are still the device being ahead of the server.
    const unknown = await order(c, { cartId: shown.cartId, tags: ['never-seen'] });
    expect(unknown.json.error.code).toBe('cart_out_of_date');
  });

  it('refuses an order that mixes currencies, and keeps its key free for one that does not', async () => {
    const c = await signUp(server.url);
    const usd = await product(5, 1000);
    const created = await vendor.post('/api/products', {
      title: `Euro item ${randomUUID()}`,
      brand: 'Acme',
      price: { amount: 500, currency: 'EUR' },
      stock: 5,
    });
    expect(created.status).toBe(201);
    const eur = created.json.id;
    await c.post('/api/cart/lines', { productId: usd, quantity: 1 });
    const cart = (await c.post('/api/cart/lines', { productId: eur, quantity: 2 })).json;
    const key = randomUUID();
    const mixed = await order(c, { cartId: cart.cartId }, key);
    expect([mixed.status, mixed.json.error.code, mixed.json.error.details]).toEqual([
      400,
      'mixed_currencies',
      { currencies: ['EUR', 'USD'] },
    ]);
    expect((await vendor.get(`/api/products/${eur}`)).json.stock).toBe(5);
    // Each currency's lines on their own are an order; the refused request left its key unused.
    const euros = cart.lines.find((l: { productId: string }) => l.productId === eur);
    const placed = await order(c, { cartId: cart.cartId, tags: [euros.tag] }, key);
    expect(placed.json).toMatchObject({ status: 'confirmed', total: { amount: 1000, currency: 'EUR' } });
    expect((await c.get('/api/cart')).json.lines).toMatchObject([{ productId: usd, quantity: 1 }]);
  });

  it('moves the product version (its ETag) when an order or a cancellation moves its stock', async () => {
    const c = await signUp(server.url);
    const p = await product(10);
    const before = await vendor.get(`/api/products/${p}`);
    const etag = before.headers.get('etag')!;
    expect(before.json).toMatchObject({ stock: 10, version: 1 });
    await c.post('/api/cart/lines', { productId: p, quantity: 2 });
    const placed = await order(c, { cartId: (await c.get('/api/cart')).json.cartId });
    expect(placed.json.status).toBe('confirmed');
    // Revalidating the page read before the order does not keep its stock level.
    const again = await vendor.get(`/api/products/${p}`, { 'if-none-match': etag });
    expect([again.status, again.json.stock, again.json.version]).toEqual([200, 8, 2]);
    // An edit made on the read before the order does not write its stock level over it.
    const stale = await vendor.patch(`/api/products/${p}`, { stock: 10 }, { 'if-match': etag });
    expect([stale.status, stale.json.error.code]).toEqual([412, 'version_mismatch']);
    await c.post(`/api/orders/${placed.json.id}/cancel`);
    expect((await vendor.get(`/api/products/${p}`)).json).toMatchObject({ stock: 10, version: 3 });
  });

  it('lists orders newest first, a page at a time, each page after the last order of the one before', async () => {
    const c = await signUp(server.url);
    const other = await signUp(server.url);
    const p = await product(20);
    const placed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const cart = await c.post('/api/cart/lines', { productId: p, quantity: 1 });
      placed.push((await order(c, { cartId: cart.json.cartId })).json.id);
    }
    const all = (await c.get('/api/orders')).json;
    expect(all.items.map((o: { id: string }) => o.id)).toEqual([...placed].reverse());
    expect(all.next).toBeNull();
    // An order placed between two pages does not shift the pages being read.
    const first = (await c.get('/api/orders?limit=2')).json;
    expect(first.items.map((o: { id: string }) => o.id)).toEqual([placed[4], placed[3]]);
    expect(first.next).toBe(placed[3]);
    const cart = await c.post('/api/cart/lines', { productId: p, quantity: 1 });
    await order(c, { cartId: cart.json.cartId });
    const second = (await c.get(`/api/orders?limit=2&after=${first.next}`)).json;
    expect(second.items.map((o: { id: string }) => o.id)).toEqual([placed[2], placed[1]]);
    const third = (await c.get(`/api/orders?limit=2&after=${second.next}`)).json;
    expect([third.items.map((o: { id: string }) => o.id), third.next]).toEqual([[placed[0]], null]);
    // Another shopper's order is no cursor (and says nothing of it); nor is a bad limit.
    for (const query of [`after=${placed[0]}`, 'after=o_unknown', 'limit=0', 'limit=101', 'limit=x']) {
      const bad = await other.get(`/api/orders?${query}`);
      expect([bad.status, bad.json.error.code], query).toEqual([400, 'invalid_query']);
    }
  });

  it('answers 409 for tags the server has not seen, 404 for another user cart and order', async () => {
    const a = await signUp(server.url);
    const b = await signUp(server.url);
    const p = await product(10);
    const cart = await a.post('/api/cart/lines', { productId: p, quantity: 1 });
    expect((await order(a, { cartId: cart.json.cartId, tags: ['never-seen'] })).json.error.code).toBe(
      'cart_out_of_date',
    );
    const stolen = await order(b, { cartId: cart.json.cartId });
    expect(stolen.status).toBe(404);
    const placed = await order(a, { cartId: cart.json.cartId });
    expect((await b.get(`/api/orders/${placed.json.id}`)).status).toBe(404);
    expect(
      (await new Client(server.url).post('/api/orders', {}, { 'idempotency-key': randomUUID() })).status,
    ).toBe(401);
  });

  it('sells exactly the stock to concurrent shoppers', async () => {
    const p = await product(4);
    const shoppers = await Promise.all(Array.from({ length: 6 }, () => signUp(server.url)));
    const carts = await Promise.all(
      shoppers.map((s) => s.post('/api/cart/lines', { productId: p, quantity: 1 })),
    );
    const results = await Promise.all(shoppers.map((s, i) => order(s, { cartId: carts[i]!.json.cartId })));
    expect(results.filter((r) => r.json.status === 'confirmed')).toHaveLength(4);
    expect(results.filter((r) => r.json.status === 'rejected')).toHaveLength(2);
    expect((await vendor.get(`/api/products/${p}`)).json.stock).toBe(0);
  });

  it('lists best sellers by units in confirmed orders', async () => {
    const c = await signUp(server.url);
    const [hit, miss] = [await product(50), await product(50)];
    const cart = await c.post('/api/cart/lines', { productId: hit, quantity: 9 });
    expect((await order(c, { cartId: cart.json.cartId })).json.status).toBe('confirmed');
    const popular = await c.get('/api/products/popular?limit=3');
    expect(popular.status).toBe(200);
    expect(popular.json.items[0].id).toBe(hit);
    expect(popular.json.items.map((p: { id: string }) => p.id)).not.toContain(miss);
    expect((await c.get('/api/products/popular?limit=1000')).status).toBe(400);
  });

  it('merges a guest cart into the account cart on sign-in', async () => {
    const p = await product(10);
    const account = await signUp(server.url);
    const userCart = await account.post('/api/cart/lines', { productId: p, quantity: 1 });
    const guest = new Client(server.url);
    const guestCart = await guest.post('/api/cart/lines', { productId: p, quantity: 2 });
    expect(guestCart.json.cartId).not.toBe(userCart.json.cartId);
    const email = (await account.get('/api/me')).json.user.email;
    const login = await guest.post('/api/auth/login', { email, password: 'correct horse 1' });
    expect(login.status).toBe(200);
    // The answer says how many lines the guest cart brought, so the storefront can say so.
    expect(login.json.guestLinesMerged).toBe(1);
    const merged = await guest.get('/api/cart');
    expect(merged.json.cartId).toBe(userCart.json.cartId);
    expect(merged.json.lines).toMatchObject([{ productId: p, quantity: 3 }]);
    // Signing in again brings nothing more: the guest cart was emptied.
    const again = await guest.post('/api/auth/login', { email, password: 'correct horse 1' });
    expect(again.json.guestLinesMerged).toBe(0);
  });
});
