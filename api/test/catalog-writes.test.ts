import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, Client, createProduct, quickShoppers, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let vendor: Client;
beforeAll(async () => {
  server = await startTestServer();
  vendor = admin(server.url);
});
afterAll(() => server.close());

/** A shopper orders `quantity` of the product; the order is confirmed. */
async function sell(productId: string, quantity: number) {
  const [shopper] = quickShoppers(server, 1);
  const cart = (await shopper!.post('/api/cart/lines', { productId, quantity })).json;
  const order = await shopper!.post(
    '/api/orders',
    { cartId: cart.cartId },
    { 'idempotency-key': randomUUID() },
  );
  expect(order.json.status).toBe('confirmed');
}

describe('PUT /api/products/:id/stock', () => {
  it('is 412 on a version from before orders took stock, and writes nothing', async () => {
    const p = await createProduct(vendor, 10);
    expect((await vendor.get(`/api/products/${p}`)).headers.get('etag')).toMatch(/^(W\/)?"1"$/);
    await sell(p, 3);
    const stale = await vendor.put(`/api/products/${p}/stock`, { stock: 15 }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.json.error).toMatchObject({ code: 'version_mismatch', details: { version: 2 } });
    expect((await vendor.get(`/api/products/${p}`)).json).toMatchObject({ stock: 7, version: 2 });
    // The version the vendor read since is written (each round also sets the level back: 2 versions).
    for (const ifMatch of ['"2"', 'W/"4"', '6', '*']) {
      const current = await vendor.put(`/api/products/${p}/stock`, { stock: 15 }, { 'if-match': ifMatch });
      expect([ifMatch, current.status]).toEqual([ifMatch, 200]);
      await vendor.put(`/api/products/${p}/stock`, { stock: 10 });
    }
    const set = await vendor.put(`/api/products/${p}/stock`, { stock: 15 }, { 'if-match': '"10"' });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ stock: 15, version: 11 });
    expect(set.headers.get('etag')).toBe('"11"');
  });

  it('is 400 invalid_if_match for a malformed If-Match, as PATCH is', async () => {
    const p = await createProduct(vendor, 10);
    for (const ifMatch of ['garbage', '', '"1", "2"', 'W/"x"']) {
      const stock = await vendor.put(`/api/products/${p}/stock`, { stock: 15 }, { 'if-match': ifMatch });
      const patch = await vendor.patch(`/api/products/${p}`, { stock: 15 }, { 'if-match': ifMatch });
      expect([ifMatch, stock.status, stock.json?.error?.code]).toEqual([ifMatch, 400, 'invalid_if_match']);
      expect(stock.json).toEqual(patch.json);
    }
    expect((await vendor.get(`/api/products/${p}`)).json).toMatchObject({ stock: 10, version: 1 });
  });

  it('without If-Match sets the level unconditionally (API.md)', async () => {
    const p = await createProduct(vendor, 10);
    await sell(p, 3);
    const set = await vendor.put(`/api/products/${p}/stock`, { stock: 15 });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ stock: 15, version: 3 });
    expect(
      (await vendor.put('/api/products/no-such/stock', { stock: 1 }, { 'if-match': '"1"' })).status,
    ).toBe(404);
    expect((await new Client(server.url).put(`/api/products/${p}/stock`, { stock: 1 })).status).toBe(401);
  });
});
