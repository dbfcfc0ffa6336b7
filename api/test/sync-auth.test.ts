import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Client, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** Opens /sync/<cartId> with these headers: undefined when it opened, else the refusal's status. */
function open(cartId: string, headers: Record<string, string>): Promise<number | undefined> {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/sync/${cartId}`, { headers });
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
    ws.on('open', () => {
      ws.close();
      resolve(undefined);
    });
  });
}

async function shopper(): Promise<{ client: Client; token: string; cartId: string }> {
  const client = new Client(server.url);
  const signup = await client.post('/api/auth/signup', {
    email: `sync-${Math.random().toString(36).slice(2)}@example.com`,
    password: 'correct horse 1',
    name: 'Sync',
  });
  const cartId = (await client.get('/api/cart')).json.cartId as string;
  return { client, token: signup.json.token as string, cartId };
}

describe('sync authorization without a sync token', () => {
  it('opens the cart for its owner by Authorization: Bearer or by session cookie, and no other', async () => {
    const a = await shopper();
    const b = await shopper();
    expect(await open(a.cartId, { authorization: `Bearer ${a.token}` })).toBeUndefined();
    expect(await open(a.cartId, { cookie: a.client.cookieHeader()! })).toBeUndefined();
    expect(await open(a.cartId, { authorization: `Bearer ${b.token}` })).toBe(403);
    expect(await open(a.cartId, { cookie: b.client.cookieHeader()! })).toBe(403);
    expect(await open(a.cartId, { authorization: 'Bearer not-a-session' })).toBe(401);
    expect(await open(a.cartId, {})).toBe(401);
    // A page of another site, or of a sibling subdomain, gets no use of the shopper's cookie.
    const cookie = a.client.cookieHeader()!;
    expect(await open(a.cartId, { cookie, 'sec-fetch-site': 'same-site' })).toBe(403);
    expect(await open(a.cartId, { cookie, 'sec-fetch-site': 'cross-site' })).toBe(403);
    expect(await open(a.cartId, { cookie, 'sec-fetch-site': 'same-origin' })).toBeUndefined();
    // Chromium sends no Sec-Fetch-Site on WebSocket handshakes; every browser sends Origin.
    const host = new URL(server.url).host;
    expect(await open(a.cartId, { cookie, origin: 'http://evil.example' })).toBe(403);
    expect(await open(a.cartId, { cookie, origin: 'null' })).toBe(403);
    expect(await open(a.cartId, { cookie, origin: `http://${host}` })).toBeUndefined();
    // Behind a proxy that rewrites Host and says the original in X-Forwarded-Host.
    const proxied = { cookie, origin: 'https://shop.example', 'x-forwarded-host': 'shop.example' };
    expect(await open(a.cartId, proxied)).toBeUndefined();
    // The same host however the proxy writes it (case, a scheme's default port).
    expect(
      await open(a.cartId, {
        cookie,
        origin: 'https://shop.example',
        'x-forwarded-host': 'Shop.Example:443',
      }),
    ).toBeUndefined();
  });

  it("opens a guest's cart by the guest cookie, and not another guest's", async () => {
    const [a, b] = [new Client(server.url), new Client(server.url)];
    const cartId = (await a.get('/api/cart')).json.cartId as string;
    await b.get('/api/cart');
    expect(await open(cartId, { cookie: a.cookieHeader()! })).toBeUndefined();
    expect(await open(cartId, { cookie: b.cookieHeader()! })).toBe(403);
    expect(await open(cartId, { cookie: a.cookieHeader()!, origin: 'http://evil.example' })).toBe(403);
  });
});
