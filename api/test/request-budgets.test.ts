import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, Client, createProduct, quickShoppers, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let product: string;
beforeAll(async () => {
  server = await startTestServer({ SHOPSYNC_CART_WRITES_PER_MINUTE: '5', SHOPSYNC_ORDERS_PER_MINUTE: '3' });
  product = await createProduct(admin(server.url), 100);
});
afterAll(() => server.close());

/** A guest no one has seen: a made-up guest cookie, as a script can send with every request. */
function madeUpGuest(): Client {
  const guest = new Client(server.url);
  guest.cookies.set('shopsync_guest', `g_${randomBytes(12).toString('base64url')}`);
  return guest;
}

describe('request budgets', () => {
  it("hold a shopper's HTTP cart edits to SHOPSYNC_CART_WRITES_PER_MINUTE, with 429 and Retry-After", async () => {
    const [shopper, other] = quickShoppers(server, 2) as [Client, Client];
    for (let i = 0; i < 4; i++)
      expect((await shopper.post('/api/cart/lines', { productId: product, quantity: 1 })).status).toBe(200);
    expect((await shopper.patch(`/api/cart/lines/${product}`, { quantity: 2 })).status).toBe(200);
    const refused = await shopper.post('/api/cart/lines', { productId: product, quantity: 1 });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.json).toEqual({
      error: {
        code: 'too_many_requests',
        message: expect.stringMatching(/^too many cart edits from this account \(5 a minute\)/),
        details: { retryAfterSeconds: expect.any(Number), per: 'user' },
      },
    });
    expect((await shopper.patch(`/api/cart/lines/${product}`, { quantity: 0 })).status).toBe(429);
    // Reading the cart is not an edit; another shopper has budget of their own.
    expect((await shopper.get('/api/cart')).json.lines).toEqual([expect.objectContaining({ quantity: 2 })]);
    expect((await other.post('/api/cart/lines', { productId: product, quantity: 1 })).status).toBe(200);
  });

  it('count guests by client address, a fresh guest cookie each time or not', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++)
      answers.push((await madeUpGuest().post('/api/cart/lines', { productId: product, quantity: 1 })).status);
    expect(answers).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await madeUpGuest().post('/api/cart/lines', { productId: product, quantity: 1 });
    expect(refused.json.error).toMatchObject({ code: 'too_many_requests', details: { per: 'address' } });
  });

  it('hold a shopper to SHOPSYNC_ORDERS_PER_MINUTE orders placed', async () => {
    const [shopper, other] = quickShoppers(server, 2) as [Client, Client];
    const { cartId } = (await shopper.get('/api/cart')).json;
    const place = (client: Client, cart: string) =>
      client.post('/api/orders', { cartId: cart }, { 'idempotency-key': randomUUID() });
    // Empty carts: each request is answered (400 empty_cart) and counts all the same.
    expect((await place(shopper, cartId)).status).toBe(400);
    expect((await place(shopper, cartId)).status).toBe(400);
    expect((await place(shopper, cartId)).status).toBe(400);
    const refused = await place(shopper, cartId);
    expect(refused.status).toBe(429);
    expect(refused.json.error).toMatchObject({
      code: 'too_many_requests',
      message: expect.stringMatching(/^too many orders from this account \(3 a minute\)/),
      details: { per: 'user' },
    });
    expect((await place(other, (await other.get('/api/cart')).json.cartId)).status).toBe(400);
  });
});
