import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sessionId } from '../src/accounts/accounts.js';
import { guestCartId } from '../src/cart/carts.js';
import { admin, Client, createProduct, keptLog, quickShoppers, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** Opens /sync/<cartId> with these headers: undefined when it opened, else the refusal's status. */
function open(
  cartId: string,
  headers: Record<string, string>,
  base = server.url,
): Promise<number | undefined> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/sync/${cartId}`, { headers });
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
    ws.on('open', () => {
      ws.close();
      resolve(undefined);
    });
  });
}

async function shopper(
  base = server.url,
): Promise<{ client: Client; email: string; token: string; cartId: string }> {
  const client = new Client(base);
  const email = `sync-${Math.random().toString(36).slice(2)}@example.com`;
  const signup = await client.post('/api/auth/signup', { email, password: 'correct horse 1', name: 'Sync' });
  const cartId = (await client.get('/api/cart')).json.cartId as string;
  return { client, email, token: signup.json.token as string, cartId };
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
    // X-Forwarded-Host is anyone's to write: without a proxy declared, it vouches for nothing.
    const forwarded = { origin: 'https://shop.example', 'x-forwarded-host': 'shop.example' };
    expect(await open(a.cartId, { cookie, ...forwarded })).toBe(403);
    // Behind a declared proxy that rewrites Host and says the original in X-Forwarded-Host.
    const behind = await startTestServer({ SHOPSYNC_TRUSTED_PROXIES: '1' });
    try {
      const p = await shopper(behind.url);
      const theirs = p.client.cookieHeader()!;
      expect(await open(p.cartId, { cookie: theirs, ...forwarded }, behind.url)).toBeUndefined();
      // The same host however the proxy writes it (case, a scheme's default port).
      expect(
        await open(
          p.cartId,
          { cookie: theirs, origin: 'https://shop.example', 'x-forwarded-host': 'Shop.Example:443' },
          behind.url,
        ),
      ).toBeUndefined();
      expect(
        await open(p.cartId, { cookie: theirs, ...forwarded, origin: 'https://evil.example' }, behind.url),
      ).toBe(403);
    } finally {
      await behind.close();
    }
  });

  it("opens a guest's cart by the guest cookie, and not another guest's", async () => {
    const [a, b] = [new Client(server.url), new Client(server.url)];
    const cartId = (await a.get('/api/cart')).json.cartId as string;
    await b.get('/api/cart');
    expect(await open(cartId, { cookie: a.cookieHeader()! })).toBeUndefined();
    expect(await open(cartId, { cookie: b.cookieHeader()! })).toBe(403);
    expect(await open(cartId, { cookie: a.cookieHeader()!, origin: 'http://evil.example' })).toBe(403);
  });

  it('stores nothing for a guest who only looks, and opens the cart by cookie and token all the same', async () => {
    const rows = () => (server.db.prepare('SELECT count(*) AS n FROM carts').get() as { n: number }).n;
    const stored = (cartId: string) =>
      (server.db.prepare('SELECT count(*) AS n FROM sync_updates WHERE doc = ?').get(cartId) as { n: number })
        .n;
    const before = rows();
    // Cookie-less visits (a crawler, every first page view) each get a cart id and a cookie.
    for (let i = 0; i < 5; i++) expect((await new Client(server.url).get('/api/cart')).status).toBe(200);
    const guest = new Client(server.url);
    const view = (await guest.get('/api/cart')).json;
    expect(rows()).toBe(before);
    expect((await guest.get('/api/cart')).json.cartId).toBe(view.cartId);
    expect(await open(view.cartId, { cookie: guest.cookieHeader()! })).toBeUndefined();
    const ws = await connect(view.cartId, { token: view.syncToken as string });
    expect(ws).toBeInstanceOf(WebSocket);
    (ws as WebSocket).close();
    // A cookie the shop could not have made opens nothing, even for the cart its value names.
    expect(await open(view.cartId, { cookie: 'shopsync_guest=not-a-guest-id' })).toBe(403);
    expect(rows()).toBe(before);
    expect(stored(view.cartId)).toBe(0);

    // Written, the cart's document is stored (still no row), and it joins the account at sign-in.
    const product = await createProduct(admin(server.url), 5);
    expect((await guest.post('/api/cart/lines', { productId: product, quantity: 2 })).status).toBe(200);
    expect(stored(view.cartId)).toBeGreaterThan(0);
    expect(rows()).toBe(before);
    const email = `guest-${Math.random().toString(36).slice(2)}@example.com`;
    const signup = await guest.post('/api/auth/signup', { email, password: 'correct horse 1', name: 'G' });
    expect(signup.json.guestLinesMerged).toBe(1);
    expect((await guest.get('/api/cart')).json.lines).toMatchObject([{ productId: product, quantity: 2 }]);
  });

  it("keeps a guest's cookie for 90 days from the last visit, not from the first", async () => {
    const guest = new Client(server.url);
    const first = await guest.get('/api/cart');
    const id = guest.cookies.get('shopsync_guest');
    expect(id).toMatch(/^g_/);
    const again = await guest.get('/api/cart');
    expect(again.json.cartId).toBe(first.json.cartId);
    const set = again.headers.getSetCookie().find((c) => c.startsWith('shopsync_guest='));
    expect(set).toBe(`shopsync_guest=${id}; Max-Age=7776000; Path=/; HttpOnly; SameSite=Lax`);
  });

  it('keeps the cart of a guest whose cart an older version stored as a row', async () => {
    const guestId = `g_${'L'.repeat(16)}`;
    server.db
      .prepare('INSERT INTO carts (id, owner, created_at) VALUES (?, ?, 0)')
      .run('c_legacyguestcart', `guest:${guestId}`);
    const guest = new Client(server.url);
    guest.cookies.set('shopsync_guest', guestId);
    expect((await guest.get('/api/cart')).json.cartId).toBe('c_legacyguestcart');
    expect(await open('c_legacyguestcart', { cookie: guest.cookieHeader()! })).toBeUndefined();
    // The id derived for this guest is not a second cart of theirs.
    expect(await open(guestCartId(guestId), { cookie: guest.cookieHeader()! })).toBe(403);
  });
});

describe('behind HTTPS (SHOPSYNC_SECURE_COOKIES=1)', () => {
  it('names its cookies __Host- and reads no cookie of the plain names, which a sibling subdomain could plant', async () => {
    const secure = await startTestServer({ SHOPSYNC_SECURE_COOKIES: '1' });
    try {
      const victim = await shopper(secure.url);
      const session = victim.client.cookies.get('__Host-shopsync_session');
      expect(session).toBe(victim.token);
      const guestCart = new Client(secure.url);
      const guestView = (await guestCart.get('/api/cart')).json;
      const guest = guestCart.cookies.get('__Host-shopsync_guest');
      expect(guest).toMatch(/^g_/);
      // What the browser is told: Secure, Path=/ and no Domain, as the prefix requires.
      const set = (
        await victim.client.post('/api/auth/login', { email: victim.email, password: 'correct horse 1' })
      ).headers.getSetCookie();
      // The session cookie, and the device cookie (accounts/devices.ts) alike.
      for (const name of ['__Host-shopsync_session=', '__Host-shopsync_device=']) {
        const cookie = set.find((c) => c.startsWith(name));
        expect(cookie, name).toMatch(/; Path=\/(;|$)/);
        expect(cookie).toMatch(/; Secure(;|$)/);
        expect(cookie).toMatch(/; HttpOnly(;|$)/);
        expect(cookie).not.toMatch(/domain=/i);
      }
      expect((await victim.client.get('/api/me')).status).toBe(200);
      expect(
        await open(victim.cartId, { cookie: victim.client.cookieHeader()! }, secure.url),
      ).toBeUndefined();
      expect(await open(guestView.cartId, { cookie: guestCart.cookieHeader()! }, secure.url)).toBeUndefined();

      // The same values under the plain names (a cookie a sibling subdomain can set) count for nothing.
      const planted = new Client(secure.url);
      planted.cookies.set('shopsync_session', victim.token);
      expect((await planted.get('/api/me')).status).toBe(401);
      expect(await open(victim.cartId, { cookie: `shopsync_session=${victim.token}` }, secure.url)).toBe(401);
      const tossed = new Client(secure.url);
      tossed.cookies.set('shopsync_guest', guest!);
      const own = (await tossed.get('/api/cart')).json;
      expect(own.cartId).not.toBe(guestView.cartId);
      expect(tossed.cookies.get('__Host-shopsync_guest')).not.toBe(guest);
      expect(await open(guestView.cartId, { cookie: `shopsync_guest=${guest}` }, secure.url)).toBe(401);

      // Signing out clears the prefixed cookie, with the attributes it was set with.
      const out = await victim.client.post('/api/auth/logout');
      expect(out.headers.get('set-cookie')).toMatch(
        /^__Host-shopsync_session=; Max-Age=0; .*Path=\/.*Secure/,
      );
      expect((await victim.client.get('/api/me')).status).toBe(401);
    } finally {
      await secure.close();
    }
  });
});

/** Opens /sync/<cartId>, by `?token=` or with these headers: the open socket, or the refusal's status. */
function connect(
  cartId: string,
  by: { token: string } | Record<string, string>,
  shop = server.url,
): Promise<WebSocket | number> {
  const base = `${shop.replace(/^http/, 'ws')}/sync/${cartId}`;
  const ws =
    typeof by.token === 'string' && Object.keys(by).length === 1
      ? new WebSocket(`${base}?token=${encodeURIComponent(by.token)}`)
      : new WebSocket(base, { headers: by });
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => resolve(ws));
  });
}

const closed = (ws: WebSocket) =>
  new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );

describe('signing out ends cart sync on that sign-in', () => {
  it('refuses its sync tokens and closes the connections it opened; other sign-ins and guests go on', async () => {
    const a = await shopper();
    // The same account signed in on a second device.
    const other = new Client(server.url);
    const login = await other.post('/api/auth/login', { email: a.email, password: 'correct horse 1' });
    expect(login.status).toBe(200);
    const mine = (await a.client.get('/api/cart')).json.syncToken as string;
    const theirs = (await other.get('/api/cart')).json;
    expect(theirs.cartId).toBe(a.cartId);
    const byToken = await connect(a.cartId, { token: mine });
    const byCookie = await connect(a.cartId, { cookie: a.client.cookieHeader()! });
    const onOther = await connect(a.cartId, { token: theirs.syncToken as string });
    expect(byToken).toBeInstanceOf(WebSocket);
    expect(byCookie).toBeInstanceOf(WebSocket);
    expect(onOther).toBeInstanceOf(WebSocket);
    const [tokenClosed, cookieClosed] = [closed(byToken as WebSocket), closed(byCookie as WebSocket)];

    expect((await a.client.post('/api/auth/logout', {})).status).toBe(204);
    expect(await tokenClosed).toEqual({ code: 4401, reason: 'signed out' });
    expect(await cookieClosed).toEqual({ code: 4401, reason: 'signed out' });
    // The token has not expired, but the sign-in it was issued on has.
    expect(await connect(a.cartId, { token: mine })).toBe(401);
    // The other device's sign-in is untouched: its connection stays, its token still opens the cart.
    expect((onOther as WebSocket).readyState).toBe(WebSocket.OPEN);
    const again = await connect(a.cartId, { token: theirs.syncToken as string });
    expect(again).toBeInstanceOf(WebSocket);
    (again as WebSocket).close();
    (onOther as WebSocket).close();
  });

  it("a guest's sync token, issued on no sign-in, is not affected by anyone signing out", async () => {
    const guest = new Client(server.url);
    const view = (await guest.get('/api/cart')).json;
    const a = await shopper();
    await a.client.post('/api/auth/logout', {});
    const ws = await connect(view.cartId as string, { token: view.syncToken as string });
    expect(ws).toBeInstanceOf(WebSocket);
    (ws as WebSocket).close();
  });
});

describe('a sign-in that expires', () => {
  it("ends its cart sync and its orders' live status at the next sweep; other sign-ins go on", async () => {
    // The shop sweeps expired sign-ins every hour; this one, every 100 ms.
    const shop = await startTestServer({}, undefined, { sweepEveryMs: 100 });
    try {
      const [expiring, kept] = quickShoppers(shop, 2) as [Client, Client];
      const product = await createProduct(admin(shop.url), 5);
      const cart = await expiring.post('/api/cart/lines', { productId: product, quantity: 1 });
      const order = await expiring.post(
        '/api/orders',
        { cartId: cart.json.cartId },
        { 'idempotency-key': randomUUID() },
      );
      expect(order.status).toBe(202);
      const events = await fetch(`${shop.url}/api/orders/${order.json.id}/events`, {
        headers: { authorization: `Bearer ${expiring.bearer}` },
      });
      expect(events.status).toBe(200);
      const streamEnded = events.text().then(() => 'ended');
      const open = async (client: Client) => {
        const view = (await client.get('/api/cart')).json;
        const ws = await connect(view.cartId as string, { token: view.syncToken as string }, shop.url);
        expect(ws).toBeInstanceOf(WebSocket);
        return ws as WebSocket;
      };
      const [onExpiring, onKept] = [await open(expiring), await open(kept)];
      const expiringClosed = closed(onExpiring);

      shop.db
        .prepare('UPDATE sessions SET expires_at = ? WHERE token_hash = ?')
        .run(Date.now() - 1, sessionId(expiring.bearer!));
      expect(await expiringClosed).toEqual({ code: 4401, reason: 'session expired' });
      expect(await streamEnded).toBe('ended');
      expect(onKept.readyState).toBe(WebSocket.OPEN);
      expect((await kept.get('/api/me')).status).toBe(200);
      onKept.close();
    } finally {
      await shop.close();
    }
  });
});

describe('a new password, or "sign out everywhere else", ends the other sign-ins', () => {
  it('changes the password with the current one, ends the other devices and their cart sync, keeps this one', async () => {
    const a = await shopper();
    const other = new Client(server.url);
    expect(
      (await other.post('/api/auth/login', { email: a.email, password: 'correct horse 1' })).status,
    ).toBe(200);
    const theirs = (await other.get('/api/cart')).json.syncToken as string;
    const mine = (await a.client.get('/api/cart')).json.syncToken as string;
    const onOther = await connect(a.cartId, { token: theirs });
    const onMine = await connect(a.cartId, { token: mine });
    expect(onOther).toBeInstanceOf(WebSocket);
    const otherClosed = closed(onOther as WebSocket);

    // The session alone does not do: the current password is asked, and a weak new one refused.
    const wrong = await a.client.post('/api/me/password', {
      currentPassword: 'not it at all',
      newPassword: 'battery staple 2',
    });
    expect(wrong.status).toBe(403);
    expect(wrong.json.error.code).toBe('wrong_password');
    const weak = await a.client.post('/api/me/password', {
      currentPassword: 'correct horse 1',
      newPassword: 'short',
    });
    expect(weak.status).toBe(400);
    expect((await other.get('/api/me')).status).toBe(200); // nothing changed yet

    const changed = await a.client.post('/api/me/password', {
      currentPassword: 'correct horse 1',
      newPassword: 'battery staple 2',
    });
    expect(changed.status).toBe(200);
    expect(changed.json).toEqual({ endedSessions: 1 });
    expect(await otherClosed).toEqual({ code: 4401, reason: 'signed out' });
    expect((await other.get('/api/me')).status).toBe(401);
    expect(await connect(a.cartId, { token: theirs })).toBe(401);
    // This device stays signed in and syncing.
    expect((await a.client.get('/api/me')).status).toBe(200);
    expect((onMine as WebSocket).readyState).toBe(WebSocket.OPEN);
    (onMine as WebSocket).close();
    // The old password no longer signs in; the new one does.
    const fresh = new Client(server.url);
    expect(
      (await fresh.post('/api/auth/login', { email: a.email, password: 'correct horse 1' })).status,
    ).toBe(401);
    expect(
      (await fresh.post('/api/auth/login', { email: a.email, password: 'battery staple 2' })).status,
    ).toBe(200);
    // Signed out (or a guest), there is no password to change.
    expect(
      (
        await new Client(server.url).post('/api/me/password', {
          currentPassword: 'x',
          newPassword: 'battery staple 3',
        })
      ).status,
    ).toBe(401);
  });

  it('"sign out everywhere else" ends every other sign-in of the account and no one else\'s', async () => {
    const a = await shopper();
    const b = await shopper();
    const devices = [new Client(server.url), new Client(server.url)];
    for (const d of devices)
      expect((await d.post('/api/auth/login', { email: a.email, password: 'correct horse 1' })).status).toBe(
        200,
      );
    const res = await a.client.post('/api/auth/logout-others', {});
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ endedSessions: 2 });
    for (const d of devices) expect((await d.get('/api/me')).status).toBe(401);
    expect((await a.client.get('/api/me')).status).toBe(200);
    expect((await b.client.get('/api/me')).status).toBe(200);
    expect((await new Client(server.url).post('/api/auth/logout-others', {})).status).toBe(401);
  });
});

describe("a guest's sync token and connections", () => {
  it("never carry the guest cookie's value, which is the guest's whole credential", async () => {
    const log = keptLog('debug');
    const shop = await startTestServer({}, log.logger);
    try {
      const guest = new Client(shop.url);
      const view = (await guest.get('/api/cart')).json;
      const guestId = guest.cookies.get('shopsync_guest')!;
      expect(guestId).toMatch(/^g_/);
      const token = view.syncToken as string;
      const claims = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
      expect(JSON.stringify(claims)).not.toContain(guestId);
      expect(claims).toMatchObject({ sub: `guest:${view.cartId}`, cart: view.cartId });

      // The token still opens the guest's cart, and only it.
      const ws = new WebSocket(`${shop.url.replace(/^http/, 'ws')}/sync/${view.cartId}?token=${token}`);
      await new Promise((resolve, reject) => {
        ws.on('open', resolve);
        ws.on('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
      });
      const other = (await new Client(shop.url).get('/api/cart')).json.cartId as string;
      const refused = new WebSocket(`${shop.url.replace(/^http/, 'ws')}/sync/${other}?token=${token}`);
      expect(
        await new Promise((resolve) =>
          refused.on('unexpected-response', (_req, res) => resolve(res.statusCode)),
        ),
      ).toBe(401);
      // A frame the server refuses closes the connection, and the close is logged with whom it
      // was for: by the cart, not by the cookie.
      const closing = closed(ws);
      ws.send('not binary');
      expect((await closing).code).toBe(4400);
      const text = log.text();
      expect(text).toContain('closing a sync connection');
      expect(text).toContain(`guest:${view.cartId}`);
      expect(text).not.toContain(guestId);
    } finally {
      await shop.close();
    }
  });
});
