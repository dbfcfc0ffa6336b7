import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../src/checkout/ledger.js';
import { MIGRATIONS } from '../src/db.js';
import {
  admin,
  Client,
  createProduct,
  OLDER,
  olderDataDir,
  quickShoppers,
  signUp,
  startTestServer,
} from './harness.js';

// The operator's side of orders: every shopper's orders, shipping and delivery, and what they
// change for the shopper (no cancel once shipped, the live status, the stock ledger).

let server: Awaited<ReturnType<typeof startTestServer>>;
let vendor: Client;
beforeAll(async () => {
  // One shopper places 40 orders in a row below: past the 20 a minute a shopper gets.
  server = await startTestServer({ SHOPSYNC_ORDERS_PER_MINUTE: '1000' });
  vendor = admin(server.url);
});
afterAll(() => server.close());

const ADDRESS = {
  name: 'Ada Lovelace',
  line1: '12 St James Sq',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
};

/** A signed-in shopper (no scrypt: signup is not under test) with a saved address. */
async function shopper(): Promise<{ client: Client; addressId: string }> {
  const [client] = quickShoppers(server, 1) as [Client];
  const address = await client.post('/api/me/addresses', ADDRESS);
  expect(address.status).toBe(201);
  return { client, addressId: address.json.id };
}

/** Orders `quantity` of `productId` to the shopper's address; the decided order. */
async function placed(s: { client: Client; addressId: string }, productId: string, quantity = 1) {
  const cart = await s.client.post('/api/cart/lines', { productId, quantity });
  const res = await s.client.post(
    '/api/orders',
    { cartId: cart.json.cartId, addressId: s.addressId },
    { 'idempotency-key': randomUUID() },
  );
  expect(res.status).toBe(202);
  return res.json as { id: string; status: string };
}

const stockOf = async (p: string) => (await vendor.get(`/api/products/${p}`)).json.stock as number;
const ship = (id: string) => vendor.post(`/api/admin/orders/${id}/ship`);
const deliver = (id: string) => vendor.post(`/api/admin/orders/${id}/deliver`);
const ids = (items: { id: string }[]) => items.map((o) => o.id);

/** `shopsync_orders_total{status}` as /metrics says it now (0 before the first). */
async function ordersTotal(status: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`shopsync_orders_total{status="${status}"} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** The order's live status stream, read one `status` event at a time. */
async function liveStatus(base: string, bearer: string, orderId: string) {
  const res = await fetch(`${base}/api/orders/${orderId}/events`, {
    headers: { authorization: `Bearer ${bearer}` },
  });
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    /** The next event's order; 'ended' once the server ended the stream. */
    async next(): Promise<{ status: string; shippedAt?: number } | 'ended'> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split('\n').find((l) => l.startsWith('data: '));
          if (data) return JSON.parse(data.slice('data: '.length));
          continue;
        }
        const { value, done } = await reader.read();
        if (done) return 'ended';
        buffer += value;
      }
    },
  };
}

/** Whether `promise` settles within `ms`: its value, or 'still waiting'. */
const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), ms))]);

describe('the operator lists orders', () => {
  it("lists every shopper's orders newest first, with whose each is and where it goes, by status and a page at a time", async () => {
    const p = await createProduct(vendor, 50);
    const [a, b] = [await shopper(), await shopper()];
    const first = await placed(a, p);
    const second = await placed(b, p, 2);
    const third = await placed(a, p);
    // A removed address stays where the order goes.
    expect((await b.client.delete(`/api/me/addresses/${b.addressId}`)).status).toBe(204);

    const page = await vendor.get('/api/admin/orders?limit=3');
    expect(page.status).toBe(200);
    expect(ids(page.json.items)).toEqual([third.id, second.id, first.id]);
    const bUser = (await b.client.get('/api/me')).json.user.id;
    expect(page.json.items[1]).toEqual({
      ...(await b.client.get(`/api/orders/${second.id}`)).json,
      userId: bUser,
      address: { ...ADDRESS, id: b.addressId },
    });

    // A page at a time, each after the last order of the one before.
    const one = (await vendor.get('/api/admin/orders?limit=1')).json;
    expect([ids(one.items), one.next]).toEqual([[third.id], third.id]);
    const two = (await vendor.get(`/api/admin/orders?limit=1&after=${one.next}`)).json;
    expect(ids(two.items)).toEqual([second.id]);

    // By status; the cursor is a place in the list, so shipping the orders of a page as one
    // goes does not lose the next page.
    const confirmed = (await vendor.get('/api/admin/orders?status=confirmed&limit=1')).json;
    expect(ids(confirmed.items)).toEqual([third.id]);
    expect((await ship(third.id)).status).toBe(200);
    const next = (await vendor.get(`/api/admin/orders?status=confirmed&limit=1&after=${confirmed.next}`))
      .json;
    expect(ids(next.items)).toEqual([second.id]);
    const shipped = (await vendor.get('/api/admin/orders?status=shipped')).json.items;
    expect(ids(shipped)).toContain(third.id);
    expect(shipped.every((o: { status: string }) => o.status === 'shipped')).toBe(true);
    expect(ids((await vendor.get('/api/admin/orders?status=confirmed')).json.items)).not.toContain(third.id);

    const single = await vendor.get(`/api/admin/orders/${first.id}`);
    expect(single.json).toMatchObject({
      id: first.id,
      status: 'confirmed',
      address: { ...ADDRESS, id: a.addressId },
    });
    expect((await vendor.get('/api/admin/orders/o_nosuchorder')).status).toBe(404);
    for (const query of ['status=sent', 'status=', 'limit=0', 'limit=101', 'after=o_nosuchorder']) {
      const bad = await vendor.get(`/api/admin/orders?${query}`);
      expect([bad.status, bad.json.error.code], query).toEqual([400, 'invalid_query']);
    }
  });

  it("refuses the operator's routes to shoppers (403) and to anyone unsigned (401); a shopper sees only their own orders", async () => {
    const p = await createProduct(vendor, 10);
    const a = await shopper();
    const order = await placed(a, p);
    // A shopper by cookie, as a browser is, and by bearer token.
    const browser = await signUp(server.url);
    const routes: [string, string][] = [
      ['GET', '/api/admin/orders'],
      ['GET', `/api/admin/orders/${order.id}`],
      ['POST', `/api/admin/orders/${order.id}/ship`],
      ['POST', `/api/admin/orders/${order.id}/deliver`],
    ];
    for (const [method, url] of routes) {
      for (const who of [a.client, browser]) {
        const res = await who.request(method, url, method === 'POST' ? {} : undefined);
        expect([res.status, res.json.error.code], `${method} ${url}`).toEqual([403, 'forbidden']);
      }
      const anonymous = await new Client(server.url).request(method, url, method === 'POST' ? {} : undefined);
      expect([anonymous.status, anonymous.json.error.code]).toEqual([401, 'unauthenticated']);
    }
    expect((await vendor.get(`/api/admin/orders/${order.id}`)).json.status).toBe('confirmed');
    expect((await browser.get(`/api/orders/${order.id}`)).status).toBe(404);
    expect((await browser.get('/api/orders')).json.items).toEqual([]);
  });
});

describe('fulfilment', () => {
  it('ships then delivers, recording when; a retried step answers the order unchanged; stock stays sold', async () => {
    const p = await createProduct(vendor, 10);
    const a = await shopper();
    const order = await placed(a, p, 3);
    expect(order.status).toBe('confirmed');
    const [shippedBefore, deliveredBefore] = [await ordersTotal('shipped'), await ordersTotal('delivered')];

    const shipped = await ship(order.id);
    expect(shipped.status).toBe(200);
    expect(shipped.json).toMatchObject({ id: order.id, status: 'shipped', shippedAt: expect.any(Number) });
    expect(shipped.json.deliveredAt).toBeUndefined();
    const again = await ship(order.id);
    expect([again.status, again.json]).toEqual([200, shipped.json]);
    // The shopper sees it shipped, and when.
    expect((await a.client.get(`/api/orders/${order.id}`)).json).toMatchObject({
      status: 'shipped',
      shippedAt: shipped.json.shippedAt,
    });

    const delivered = await deliver(order.id);
    expect(delivered.json).toMatchObject({
      status: 'delivered',
      shippedAt: shipped.json.shippedAt,
      deliveredAt: expect.any(Number),
    });
    expect(delivered.json.deliveredAt).toBeGreaterThanOrEqual(shipped.json.shippedAt);
    expect((await deliver(order.id)).json).toEqual(delivered.json);
    // Past shipping: shipping it again is not a retry of anything.
    const late = await ship(order.id);
    expect([late.status, late.json.error.code, late.json.error.details]).toEqual([
      409,
      'order_not_shippable',
      { status: 'delivered' },
    ]);

    expect(await stockOf(p)).toBe(7);
    expect(checkLedger(server.db)).toEqual([]);
    // Each step counted once, retries not.
    expect(await ordersTotal('shipped')).toBe(shippedBefore + 1);
    expect(await ordersTotal('delivered')).toBe(deliveredBefore + 1);
  });

  it('refuses (409) to deliver an order not shipped, and to ship one not confirmed', async () => {
    const p = await createProduct(vendor, 2);
    const a = await shopper();
    const confirmed = await placed(a, p);
    const early = await deliver(confirmed.id);
    expect([early.status, early.json.error.code, early.json.error.details]).toEqual([
      409,
      'order_not_deliverable',
      { status: 'confirmed' },
    ]);
    expect((await vendor.get(`/api/admin/orders/${confirmed.id}`)).json.status).toBe('confirmed');

    // Of the one unit left, an order of five is rejected; one of one is confirmed, then cancelled.
    const rejected = await placed(await shopper(), p, 5);
    expect(rejected.status).toBe('rejected');
    const cancelled = await placed(a, p);
    expect((await a.client.post(`/api/orders/${cancelled.id}/cancel`)).status).toBe(200);
    for (const [id, status] of [
      [rejected.id, 'rejected'],
      [cancelled.id, 'cancelled'],
    ] as const) {
      const res = await ship(id);
      expect([res.status, res.json.error.code, res.json.error.details]).toEqual([
        409,
        'order_not_shippable',
        { status },
      ]);
      expect((await deliver(id)).json.error.code).toBe('order_not_deliverable');
    }
    expect((await ship('o_nosuchorder')).status).toBe(404);
    expect((await deliver('o_nosuchorder')).status).toBe(404);
    expect(checkLedger(server.db)).toEqual([]);
  });

  it("refuses a shopper's cancel once the order shipped, saying so, and keeps its stock sold", async () => {
    const p = await createProduct(vendor, 5);
    const a = await shopper();
    const order = await placed(a, p, 2);
    expect((await ship(order.id)).status).toBe(200);
    const refused = await a.client.post(`/api/orders/${order.id}/cancel`);
    expect([refused.status, refused.json.error.code, refused.json.error.details]).toEqual([
      409,
      'not_cancellable',
      { status: 'shipped' },
    ]);
    expect(refused.json.error.message).toMatch(/shipped/);
    expect(await stockOf(p)).toBe(3);
    expect((await deliver(order.id)).status).toBe(200);
    const after = await a.client.post(`/api/orders/${order.id}/cancel`);
    expect([after.status, after.json.error.details]).toEqual([409, { status: 'delivered' }]);
    expect(after.json.error.message).toMatch(/delivered/);
    expect((await a.client.get(`/api/orders/${order.id}`)).json.status).toBe('delivered');
    expect(await stockOf(p)).toBe(3);
    expect(checkLedger(server.db)).toEqual([]);
  });

  it('of a cancel and a ship sent at once, exactly one wins, every time, and the ledger stays whole', async () => {
    const rounds = 40;
    const p = await createProduct(vendor, rounds);
    const a = await shopper();
    const orders: string[] = [];
    for (let i = 0; i < rounds; i++) orders.push((await placed(a, p)).id);
    let cancels = 0;
    for (const [i, id] of orders.entries()) {
      const cancel = () => a.client.post(`/api/orders/${id}/cancel`);
      // Which is sent first alternates, so each side gets to be the early one.
      const [cancelled, shipped] =
        i % 2 === 0
          ? await Promise.all([cancel(), ship(id)])
          : (await Promise.all([ship(id), cancel()])).reverse();
      expect([cancelled!.status, shipped!.status].sort(), id).toEqual([200, 409]);
      const now = (await vendor.get(`/api/admin/orders/${id}`)).json.status;
      expect(now).toBe(cancelled!.status === 200 ? 'cancelled' : 'shipped');
      if (now === 'cancelled') cancels++;
    }
    // Only the cancelled orders' units came back.
    expect(await stockOf(p)).toBe(cancels);
    expect(checkLedger(server.db)).toEqual([]);
  });
});

describe('the live status of a confirmed order', () => {
  it('streams its shipping and delivery as they happen, and ends once delivered', async () => {
    const p = await createProduct(vendor, 5);
    const a = await shopper();
    const order = await placed(a, p);
    const live = await liveStatus(server.url, a.client.bearer!, order.id);
    expect(await live.next()).toMatchObject({ status: 'confirmed' });
    const next = live.next();
    expect(await within(next, 200)).toBe('still waiting');
    const shipped = (await ship(order.id)).json;
    expect(await next).toMatchObject({ status: 'shipped', shippedAt: shipped.shippedAt });
    await deliver(order.id);
    expect(await live.next()).toMatchObject({ status: 'delivered' });
    expect(await live.next()).toBe('ended');
  });

  it('ends with the sign-in that opened it: a password changed on another device stops its news', async () => {
    const p = await createProduct(vendor, 5);
    const owner = await signUp(server.url);
    const email = (await owner.get('/api/me')).json.user.email as string;
    const cart = await owner.post('/api/cart/lines', { productId: p, quantity: 1 });
    const order = (
      await owner.post('/api/orders', { cartId: cart.json.cartId }, { 'idempotency-key': randomUUID() })
    ).json;
    // Another device (a thief with the leaked password) follows the order.
    const other = new Client(server.url);
    const signedIn = await other.post('/api/auth/login', { email, password: 'correct horse 1' });
    expect(signedIn.status).toBe(200);
    const live = await liveStatus(server.url, signedIn.json.token, order.id);
    expect(await live.next()).toMatchObject({ status: 'confirmed' });
    const changed = await owner.post('/api/me/password', {
      currentPassword: 'correct horse 1',
      newPassword: 'correct horse 2',
    });
    expect(changed.json.endedSessions).toBe(1);
    // Ended with the sign-in, before the order ships: the shipping is not told there.
    expect(await within(live.next(), 5000)).toBe('ended');
    expect((await ship(order.id)).status).toBe(200);
    // Another order's stream of a sign-in still live is not ended with it.
    const a = await shopper();
    const kept = await liveStatus(server.url, a.client.bearer!, (await placed(a, p)).id);
    expect(await kept.next()).toMatchObject({ status: 'confirmed' });
    expect(await within(kept.next(), 200)).toBe('still waiting');
  });

  it('is ended at once when the shop stops, not held open for the shutdown grace', async () => {
    const own = await startTestServer();
    const [client] = quickShoppers(own, 1) as [Client];
    const p = await createProduct(admin(own.url), 5);
    const cart = await client.post('/api/cart/lines', { productId: p, quantity: 1 });
    const order = (
      await client.post('/api/orders', { cartId: cart.json.cartId }, { 'idempotency-key': randomUUID() })
    ).json;
    const live = await liveStatus(own.url, client.bearer!, order.id);
    expect(await live.next()).toMatchObject({ status: 'confirmed' });
    const ended = live.next();
    expect(await within(ended, 200)).toBe('still waiting');
    const started = Date.now();
    await own.close();
    // SHUTDOWN_GRACE_MS (5 s) is how long an open request could hold it.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await ended).toBe('ended');
  });
});

describe('a data directory of the build before fulfilment (schema version 2)', () => {
  it('upgrades at start: its confirmed order reads as before, ships, and stays whole in the ledger', async () => {
    const token = randomUUID();
    const dataDir = olderDataDir(2, token);
    const server = await startTestServer({ DATA_DIR: dataDir });
    try {
      expect(server.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      const shopper = new Client(server.url);
      shopper.bearer = token;
      const before = await shopper.get(`/api/orders/${OLDER.order}`);
      expect(before.json).toMatchObject({ status: 'confirmed', total: { amount: 1000, currency: 'USD' } });
      expect(before.json.shippedAt).toBeUndefined();
      const vendor = admin(server.url);
      const listed = await vendor.get('/api/admin/orders?status=confirmed');
      expect(listed.json.items).toEqual([
        { ...before.json, userId: OLDER.user, address: { ...OLDER.addressBody, id: OLDER.address } },
      ]);
      const shipped = await vendor.post(`/api/admin/orders/${OLDER.order}/ship`);
      expect(shipped.json).toMatchObject({ status: 'shipped', shippedAt: expect.any(Number) });
      expect((await shopper.post(`/api/orders/${OLDER.order}/cancel`)).status).toBe(409);
      expect((await vendor.get(`/api/products/${OLDER.product}`)).json.stock).toBe(8);
      expect(checkLedger(server.db)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
