import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, signUp, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer({ SHOPSYNC_SYNC_IDLE_MS: '50' });
});
afterAll(() => server.close());

describe('cart compaction', () => {
  it('folds a long line into one entry once no device has the cart open, keeping its quantity and added price', async () => {
    const vendor = admin(server.url);
    const p = (
      await vendor.post('/api/products', { title: 'Tap target', brand: 'Acme', price: 100, stock: 9 })
    ).json.id;
    const shopper = await signUp(server.url);
    for (let i = 0; i < 10; i++) await shopper.post('/api/cart/lines', { productId: p, quantity: 1 });
    expect((await shopper.get('/api/cart')).json.lines[0].tags).toHaveLength(10);
    while (server.sync.stats().rooms > 0) await new Promise((r) => setTimeout(r, 50));
    const after = (await shopper.get('/api/cart')).json.lines;
    expect(after).toEqual([
      {
        tag: expect.any(String),
        productId: p,
        quantity: 10,
        tags: [expect.any(String)],
        addedPrice: { amount: 100, currency: 'USD' },
      },
    ]);
  });
});
