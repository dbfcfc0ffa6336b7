import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, Client, signUp, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const widget = {
  title: 'Quokka Trail Backpack 30L',
  brand: 'Quokka',
  description: 'A hiking backpack with a rain cover.',
  price: 8999,
  stock: 7,
};

describe('catalog', () => {
  it('seeds a fresh data directory with the generated catalog', async () => {
    const res = await new Client(server.url).get('/api/search?q=&pageSize=5');
    expect(res.status).toBe(200);
    expect(res.json.total).toBe(200);
    expect(res.json.hits).toHaveLength(5);
  });

  it('serves a product with an ETag and 404s unknown ids', async () => {
    const c = new Client(server.url);
    const res = await c.get('/api/products/gen-000001');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: 'gen-000001', version: 1 });
    expect(res.json.price).toEqual({ amount: expect.any(Number), currency: 'USD' });
    expect(res.headers.get('etag')).toMatch(/^(W\/)?"1"$/);
    expect((await c.get('/api/products/gen-000001', { 'if-none-match': '"1"' })).status).toBe(304);
    expect((await c.get('/api/products/gen-000001', { 'if-none-match': 'W/"1"' })).status).toBe(304);
    expect((await c.get('/api/products/gen-000001', { 'if-none-match': '"2"' })).status).toBe(200);
    expect((await c.get('/api/products/nope')).json.error.code).toBe('product_not_found');
  });

  it('lets only the vendor role write products', async () => {
    const anon = await new Client(server.url).post('/api/products', widget);
    expect(anon.status).toBe(401);
    expect(anon.json.error.code).toBe('unauthenticated');
    const wrong = new Client(server.url);
    wrong.bearer = 'not-the-token';
    const refused = await wrong.post('/api/products', widget);
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('forbidden');
    const shopper = await signUp(server.url);
    expect((await shopper.patch('/api/products/gen-000001', { stock: 1 })).status).toBe(403);
  });

  it('changes only the fields a PATCH names, and takes back a product as GET returned it', async () => {
    const v = admin(server.url);
    const full = {
      ...widget,
      category: 'Backpacks',
      images: ['https://example.com/quokka.jpg'],
      attributes: { volume: '30 L', colour: 'green' },
    };
    const id = (await v.post('/api/products', full)).json.id as string;
    const patched = await v.patch(`/api/products/${id}`, { stock: 3 }, { 'if-match': '"1"' });
    expect(patched.status).toBe(200);
    const stored = (await v.get(`/api/products/${id}`)).json;
    expect(stored).toMatchObject({
      description: full.description,
      category: 'Backpacks',
      images: full.images,
      attributes: full.attributes,
      price: { amount: 8999 },
      stock: 3,
      version: 2,
    });
    // GET, edit, PATCH back: the server's own fields are accepted and not written.
    const edited = await v.patch(
      `/api/products/${id}`,
      { ...stored, title: 'Quokka Ridge Backpack 30L', version: 99, createdAt: 0 },
      { 'if-match': '"2"' },
    );
    expect(edited.status).toBe(200);
    expect(edited.json).toMatchObject({
      title: 'Quokka Ridge Backpack 30L',
      version: 3,
      createdAt: stored.createdAt,
    });
    expect(edited.json.attributes).toEqual(full.attributes);
    // Sent back without If-Match, the body's version is the one the edit was made on: an edit of
    // version 3 made after a stock change (version 4) is refused, not written over it.
    const read = (await v.get(`/api/products/${id}`)).json;
    await v.put(`/api/products/${id}/stock`, { stock: 9 });
    const stale = await v.patch(`/api/products/${id}`, { ...read, title: 'Quokka Stale' });
    expect([stale.status, stale.json.error.code]).toEqual([412, 'version_mismatch']);
    expect((await v.get(`/api/products/${id}`)).json).toMatchObject({ stock: 9, version: 4 });
    await v.put(`/api/products/${id}/stock`, { stock: 3 });
    const moved = await v.patch(`/api/products/${id}`, { id: 'another-id', stock: 1 });
    expect(moved.status).toBe(400);
    expect((await v.get(`/api/products/${id}`)).json.stock).toBe(3);
    expect((await v.patch(`/api/products/${id}`, { colour: 'red' })).status).toBe(400);
    // The best-seller list's path is not a product id.
    expect((await v.post('/api/products', { ...widget, id: 'popular' })).status).toBe(400);
    // Images are web addresses: a script, inline data or a file on the shopper's disk is refused.
    for (const image of [
      'javascript:alert(1)',
      'data:image/png;base64,AAAA',
      'file:///etc/passwd',
      'http:/x',
    ]) {
      const refused = await v.patch(`/api/products/${id}`, { images: [image] });
      expect([refused.status, refused.json.error.code]).toEqual([400, 'invalid_request']);
    }
    expect((await v.patch(`/api/products/${id}`, { images: ['http://img.example/q.jpg'] })).status).toBe(200);
    expect((await v.get(`/api/products/${id}`)).json.images).toEqual(['http://img.example/q.jpg']);
    await v.delete(`/api/products/${id}`);
  });

  it('creates, searches, updates with If-Match, sets stock and deletes', async () => {
    const v = admin(server.url);
    const created = await v.post('/api/products', widget);
    expect(created.status).toBe(201);
    const id = created.json.id;
    // Searchable right after the write returns.
    const found = await v.get('/api/search?q=quokka');
    expect(found.json.hits.map((h: { id: string }) => h.id)).toContain(id);

    expect((await v.patch(`/api/products/${id}`, { price: 7999 }, { 'if-match': '"9"' })).status).toBe(412);
    // An If-Match that names no version is the client's mistake, not a version that moved.
    for (const bad of ['', '""', 'W/', '"1.5"', '-1']) {
      const res = await v.patch(`/api/products/${id}`, { price: 7999 }, { 'if-match': bad });
      expect([bad, res.status, res.json?.error?.code]).toEqual([bad, 400, 'invalid_if_match']);
    }
    const updated = await v.patch(
      `/api/products/${id}`,
      { title: 'Quokka Summit Backpack 30L' },
      { 'if-match': '"1"' },
    );
    expect(updated.status).toBe(200);
    expect(updated.json.version).toBe(2);
    // `*`: whatever the current version is.
    const any = await v.patch(
      `/api/products/${id}`,
      { description: 'Any version will do' },
      { 'if-match': '*' },
    );
    expect([any.status, any.json.version]).toEqual([200, 3]);
    expect((await v.get('/api/search?q=summit')).json.hits[0].id).toBe(id);

    const stocked = await v.put(`/api/products/${id}/stock`, { stock: 3 });
    expect(stocked.json.stock).toBe(3);
    expect((await v.put(`/api/products/${id}/stock`, { stock: -1 })).status).toBe(400);

    expect((await v.delete(`/api/products/${id}`)).status).toBe(204);
    expect((await v.get(`/api/products/${id}`)).status).toBe(404);
    expect((await v.get('/api/search?q=quokka')).json.hits).toHaveLength(0);
  });

  it('says what it searched when it read a word as a typo', async () => {
    const c = new Client(server.url);
    const plain = (await c.get('/api/search?q=blender')).json;
    const typo = (await c.get('/api/search?q=blendre')).json;
    expect(plain.total).toBeGreaterThan(0);
    expect(plain.correctedQuery).toBeUndefined();
    expect(typo.correctedQuery).toBe('blender');
    expect(typo.hits.map((h: { id: string }) => h.id)).toEqual(plain.hits.map((h: { id: string }) => h.id));
  });

  it('filters search by brand and pages with a stable order', async () => {
    const c = new Client(server.url);
    const all = await c.get('/api/search?q=&sort=price_asc&pageSize=100');
    const brand = all.json.facets.brand[0].value as string;
    const filtered = await c.get(`/api/search?q=&brand=${encodeURIComponent(brand)}&pageSize=100`);
    expect(filtered.json.total).toBe(all.json.facets.brand[0].count);
    expect(filtered.json.hits.every((h: { brand: string }) => h.brand === brand)).toBe(true);
    // Two brands: the products of either, and the brand facet still lists every brand.
    const [first, second] = all.json.facets.brand as { value: string; count: number }[];
    const both = await c.get(
      `/api/search?q=&brand=${encodeURIComponent(first!.value)}&brand=${encodeURIComponent(second!.value)}&pageSize=100`,
    );
    expect(both.status).toBe(200);
    expect(both.json.total).toBe(first!.count + second!.count);
    expect(new Set(both.json.hits.map((h: { brand: string }) => h.brand))).toEqual(
      new Set([first!.value, second!.value]),
    );
    expect(both.json.facets.brand).toEqual(all.json.facets.brand);
    // A blank among them is no brand; more than 20 is refused.
    const blank = await c.get(`/api/search?q=&brand=&brand=${encodeURIComponent(first!.value)}&pageSize=100`);
    expect(blank.json.total).toBe(first!.count);
    const many = Array.from({ length: 21 }, (_, i) => `brand=b${i}`).join('&');
    expect((await c.get(`/api/search?q=&${many}`)).json.error.code).toBe('invalid_query');
    const p1 = await c.get('/api/search?q=&sort=price_asc&page=1&pageSize=10');
    const p2 = await c.get('/api/search?q=&sort=price_asc&page=2&pageSize=10');
    const ids = [...p1.json.hits, ...p2.json.hits].map((h: { id: string }) => h.id);
    expect(new Set(ids).size).toBe(20);
    expect(ids).toEqual(all.json.hits.slice(0, 20).map((h: { id: string }) => h.id));
  });
});

describe('newest', () => {
  it('sorts by the day a product came out, and a product without one by when it was added', async () => {
    const c = new Client(server.url);
    const vendor = admin(server.url);
    const undated = await vendor.post('/api/products', { ...widget, title: 'Quokka Day Pack 12L' });
    const vintage = await vendor.post('/api/products', {
      ...widget,
      title: 'Quokka Heritage Pack',
      attributes: { released: '1999-05-01' },
    });
    expect([undated.status, vintage.status]).toEqual([201, 201]);
    const newest = await c.get('/api/search?q=&sort=newest&pageSize=30');
    const ids = newest.json.hits.map((h: { id: string }) => h.id) as string[];
    // Added just now with no release date: newest of all. The one from 1999 is nowhere near.
    expect(ids[0]).toBe(undated.json.id);
    expect(ids).not.toContain(vintage.json.id);
    // The seeded products after it, by their release dates as the index loaded them at start.
    const released: string[] = [];
    for (const id of ids.slice(1))
      released.push((await c.get(`/api/products/${id}`)).json.attributes.released as string);
    expect(released.every(Boolean)).toBe(true);
    expect(released).toEqual([...released].sort().reverse());
  });
});

describe('compression', () => {
  it('compresses large answers for clients that accept it and leaves small ones alone', async () => {
    const big = await fetch(`${server.url}/api/search?q=&pageSize=100`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(big.headers.get('content-encoding')).toBe('gzip');
    expect(big.headers.get('vary')).toMatch(/Accept-Encoding/);
    const bigText = await big.text();
    expect((JSON.parse(bigText) as { hits: unknown[] }).hits).toHaveLength(100);
    const br = await fetch(`${server.url}/api/search?q=&pageSize=100`, {
      headers: { 'accept-encoding': 'br' },
    });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(Number(br.headers.get('content-length'))).toBeLessThan(bigText.length / 2);
    const hits = (text: string) => (JSON.parse(text) as { hits: unknown[] }).hits;
    expect(hits(await br.text())).toEqual(hits(bigText));
    const small = await fetch(`${server.url}/api/health`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(small.headers.get('content-encoding')).toBeNull();
    expect(small.headers.get('content-length')).toBe(String('{"status":"ok"}'.length));
    expect(small.headers.get('vary')).toMatch(/Accept-Encoding/);
    const plain = await fetch(`${server.url}/api/search?q=&pageSize=100`, {
      headers: { 'accept-encoding': 'identity' },
    });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(hits(await plain.text())).toEqual(hits(bigText));
  });
});

/** Sends `GET target` over a plain socket and returns the answer's status line and headers. */
function rawHead(host: string, target: string): Promise<string> {
  const [hostname, port] = host.split(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname!, () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
    );
    let text = '';
    socket.on('data', (d) => {
      text += d;
    });
    socket.on('end', () => resolve(`${text.split('\r\n\r\n')[0]}\r\n`));
    socket.on('error', reject);
  });
}

describe('headers', () => {
  it('sends the security headers on every answer and no-store on API answers', async () => {
    for (const path of ['/api/health', '/api/products/nope', '/api/search?q=kettle']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('SAMEORIGIN');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
      await res.arrayBuffer();
    }
    const page = await fetch(`${server.url}/`);
    await page.arrayBuffer();
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    // However the request target spells the path, the answer is not stored.
    const { host } = new URL(server.url);
    for (const target of [
      `${server.url}/api/health`,
      '/api',
      '/api?x=1',
      '/%61pi/health',
      '/x/../api/health',
    ]) {
      const head = await rawHead(host, target);
      expect(head, target).toMatch(/\r\ncache-control: no-store\r\n/i);
    }
  });
});

describe('metrics', () => {
  it('counts malformed cart entries that reads skip', async () => {
    const shopper = new Client(server.url);
    const cartId = (await shopper.get('/api/cart')).json.cartId;
    await server.sync.withDocument(cartId, (doc) => {
      doc.getMap('lines').set('evil', { productId: 'p', kind: 'add', qty: -100, at: 0 });
    });
    expect((await shopper.get('/api/cart')).json.lines).toEqual([]);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/shopsync_cart_malformed_entries_total [1-9]/);
    expect(text).toMatch(/shopsync_sync_rooms/);
  });

  it('times requests by route pattern and status, counts decided orders, and has process metrics', async () => {
    const vendor = admin(server.url);
    const id = (
      await vendor.post('/api/products', { title: 'Metered lamp', brand: 'Acme', price: 900, stock: 1 })
    ).json.id;
    await new Client(server.url).get(`/api/products/${id}`);
    await new Client(server.url).get('/api/products/no-such-product');
    const shopper = await signUp(server.url);
    const cart = (await shopper.post('/api/cart/lines', { productId: id, quantity: 1 })).json;
    const before = await (await fetch(`${server.url}/metrics`)).text();
    const confirmed = (text: string) =>
      Number(text.match(/^shopsync_orders_total\{status="confirmed"\} (\d+)/m)?.[1] ?? 0);
    const order = await shopper.post(
      '/api/orders',
      { cartId: cart.cartId },
      { 'idempotency-key': 'metered-1' },
    );
    expect(order.json.status).toBe('confirmed');

    const text = await (await fetch(`${server.url}/metrics`)).text();
    // The pattern, never the product id: one series per route, however many products.
    expect(text).toMatch(
      /shopsync_http_request_duration_seconds_count\{method="GET",route="\/api\/products\/:id",status="200"\} [1-9]/,
    );
    expect(text).toMatch(
      /shopsync_http_request_duration_seconds_count\{method="GET",route="\/api\/products\/:id",status="404"\} [1-9]/,
    );
    expect(text).not.toContain('no-such-product');
    expect(confirmed(text)).toBe(confirmed(before) + 1);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
  });
});
