import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_LIMITS } from '../src/checkout/routes.js';
import { admin, type Client, createProduct, quickShoppers, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** A confirmed order of the shopper's (its live status stream stays open). */
async function order(client: Client, product: string): Promise<string> {
  const cart = await client.post('/api/cart/lines', { productId: product, quantity: 1 });
  const placed = await client.post(
    '/api/orders',
    { cartId: cart.json.cartId },
    { 'idempotency-key': randomUUID() },
  );
  expect(placed.status).toBe(202);
  return placed.json.id;
}

/** Opens the order's live status stream; `close` aborts it as a closed tab would. */
async function stream(
  client: Client,
  orderId: string,
  // biome-ignore lint/suspicious/noExplicitAny: tests assert response fields one by one
): Promise<{ status: number; body: any; close: () => void }> {
  const abort = new AbortController();
  const res = await fetch(`${server.url}/api/orders/${orderId}/events`, {
    headers: { authorization: `Bearer ${client.bearer}` },
    signal: abort.signal,
  });
  if (res.status !== 200) return { status: res.status, body: await res.json(), close: () => {} };
  // Read on, so the connection is a live one and its end is seen.
  res.body!.pipeTo(new WritableStream()).catch(() => {});
  return { status: 200, body: undefined, close: () => abort.abort() };
}

describe("an order's live status streams", () => {
  it('are capped per order and per shopper, with 429 too_many_streams, and a closed one gives its place back', async () => {
    const [shopper, other] = quickShoppers(server, 2) as [Client, Client];
    const product = await createProduct(admin(server.url), 100);
    const orders = [];
    for (let i = 0; i <= STREAM_LIMITS.perUser / STREAM_LIMITS.perOrder; i++)
      orders.push(await order(shopper, product));
    const [first] = orders as [string];

    // Asked at once, not one after another: the check counts streams not yet started.
    const onFirst = await Promise.all(
      Array.from({ length: STREAM_LIMITS.perOrder + 2 }, () => stream(shopper, first)),
    );
    expect(onFirst.filter((s) => s.status === 200)).toHaveLength(STREAM_LIMITS.perOrder);
    const refused = onFirst.find((s) => s.status === 429)!;
    expect(refused.body).toEqual({
      error: {
        code: 'too_many_streams',
        message: expect.stringMatching(/at most 10 live status streams of one order/),
        details: { per: 'order', limit: STREAM_LIMITS.perOrder },
      },
    });

    // The shopper's other orders fill the per-shopper cap; the next order's stream is refused.
    const rest = [];
    for (const id of orders.slice(1, -1))
      for (let i = 0; i < STREAM_LIMITS.perOrder; i++) rest.push(await stream(shopper, id));
    expect(rest.every((s) => s.status === 200)).toBe(true);
    const last = await stream(shopper, orders.at(-1)!);
    expect(last.status).toBe(429);
    expect(last.body.error.details).toEqual({ per: 'user', limit: STREAM_LIMITS.perUser });

    // Another shopper is not held by this one's streams.
    const theirs = await stream(other, await order(other, product));
    expect(theirs.status).toBe(200);
    theirs.close();

    // A closed stream (a closed tab) gives its place back, once the shop has seen it end.
    onFirst.find((s) => s.status === 200)!.close();
    const deadline = Date.now() + 10_000;
    let again = await stream(shopper, orders.at(-1)!);
    while (again.status === 429 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      again = await stream(shopper, orders.at(-1)!);
    }
    expect(again.status).toBe(200);
    for (const s of [...onFirst, ...rest, again]) s.close();
  });
});
