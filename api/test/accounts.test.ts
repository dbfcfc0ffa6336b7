import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts, sessionId } from '../src/accounts/accounts.js';
import { DeviceCookies } from '../src/accounts/devices.js';
import { HashQueue } from '../src/accounts/passwords.js';
import { Client, signUp, startTestServer, TEST_PASSWORD_COST, tempDb } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  // A burst of 35 guesses from one address below shows the per-email limit holding; the share of
  // the hash queue one address gets (8 waiting by default, password-budget.test.ts) would refuse
  // most of it first.
  server = await startTestServer({ SHOPSYNC_PASSWORD_WAITING_PER_ADDRESS: '64' });
});
afterAll(() => server.close());

describe('accounts', () => {
  it('signs up, sets an HttpOnly SameSite=Lax session cookie, and knows the user', async () => {
    const c = new Client(server.url);
    const res = await c.post('/api/auth/signup', {
      email: 'Ada@Example.com',
      password: 'analytical1',
      name: 'Ada',
    });
    expect(res.status).toBe(201);
    expect(res.json.user).toMatchObject({ email: 'ada@example.com', name: 'Ada' });
    expect(res.json.user.password_hash).toBeUndefined();
    expect(typeof res.json.token).toBe('string');
    const cookie = res.headers.getSetCookie().find((x) => x.startsWith('shopsync_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect((await c.get('/api/me')).json.user.email).toBe('ada@example.com');
  });

  it('refuses a taken email, weak passwords and malformed emails', async () => {
    const c = new Client(server.url);
    await c.post('/api/auth/signup', { email: 'bob@example.com', password: 'builder12', name: 'Bob' });
    expect(
      (await c.post('/api/auth/signup', { email: 'BOB@example.com', password: 'builder12', name: 'B' })).json
        .error.code,
    ).toBe('email_taken');
    // Weak: short, one attackers try first, one or two characters repeated.
    for (const password of [
      'short',
      'seven77',
      'password',
      'PASSWORD',
      '12345678',
      'aaaaaaaaaaaa',
      'abababab',
    ])
      expect(
        (await c.post('/api/auth/signup', { email: 'x@example.com', password, name: 'X' })).status,
        password,
      ).toBe(400);
    // Not weak: a passphrase of letters alone, and the usual test passwords.
    for (const [i, password] of ['correcthorsebatterystaple', 'password123', 'hunter2hunter2'].entries())
      expect(
        (await c.post('/api/auth/signup', { email: `ok${i}@example.com`, password, name: 'X' })).status,
        password,
      ).toBe(201);
    expect(
      (await c.post('/api/auth/signup', { email: 'not-an-email', password: 'longenough1', name: 'X' }))
        .status,
    ).toBe(400);
    // The email, or its part before the @, is the first guess of whoever knows the address.
    for (const password of ['carol.jones@example.com', 'Carol.Jones@Example.com', 'carol.jones']) {
      const named = await c.post('/api/auth/signup', {
        email: 'carol.jones@example.com',
        password,
        name: 'C',
      });
      expect(named.status, password).toBe(400);
      expect(named.json.error.details).toEqual([
        { path: 'password', message: 'password must not be your email address or its part before the @' },
      ]);
    }
  });

  it("changes the shopper's name, seen at once by every sign-in; nothing else, and only signed in", async () => {
    const a = await signUp(server.url, 'Ada');
    const email = (await a.get('/api/me')).json.user.email as string;
    const other = new Client(server.url);
    expect((await other.post('/api/auth/login', { email, password: 'correct horse 1' })).status).toBe(200);
    expect((await other.get('/api/me')).json.user.name).toBe('Ada'); // remembered by that sign-in
    const renamed = await a.patch('/api/me', { name: '  Ada Lovelace ' });
    expect(renamed.status).toBe(200);
    expect(renamed.json.user).toMatchObject({ name: 'Ada Lovelace', email });
    expect((await other.get('/api/me')).json.user.name).toBe('Ada Lovelace');
    for (const body of [
      { name: '   ' },
      { name: 'x'.repeat(101) },
      {},
      { name: 'Ada', email: 'b@example.com' },
    ]) {
      const res = await a.patch('/api/me', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
    }
    expect((await a.get('/api/me')).json.user).toMatchObject({ name: 'Ada Lovelace', email });
    expect((await new Client(server.url).patch('/api/me', { name: 'Eve' })).status).toBe(401);
  });

  it('refuses a new password that is the current one or the email, and changes nothing then', async () => {
    const a = await signUp(server.url);
    const email = (await a.get('/api/me')).json.user.email as string;
    const other = new Client(server.url);
    expect((await other.post('/api/auth/login', { email, password: 'correct horse 1' })).status).toBe(200);
    for (const [newPassword, message] of [
      ['correct horse 1', 'the new password is the one you have now'],
      [email, 'password must not be your email address or its part before the @'],
    ]) {
      const res = await a.post('/api/me/password', { currentPassword: 'correct horse 1', newPassword });
      expect(res.status, newPassword).toBe(400);
      expect(res.json.error.details).toEqual([{ path: 'newPassword', message }]);
    }
    // The other device is still signed in: nothing was changed.
    expect((await other.get('/api/me')).status).toBe(200);
    expect(
      (await new Client(server.url).post('/api/auth/login', { email, password: 'correct horse 1' })).status,
    ).toBe(200);
  });

  it('answers unknown email and wrong password alike, and accepts the bearer token', async () => {
    const c = new Client(server.url);
    await c.post('/api/auth/signup', { email: 'cy@example.com', password: 'password-9', name: 'Cy' });
    const wrong = await new Client(server.url).post('/api/auth/login', {
      email: 'cy@example.com',
      password: 'nope-nope1',
    });
    const unknown = await new Client(server.url).post('/api/auth/login', {
      email: 'zz@example.com',
      password: 'nope-nope1',
    });
    const malformed = await new Client(server.url).post('/api/auth/login', {
      email: 'not-an-email',
      password: 'nope-nope1',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(malformed.status).toBe(401);
    expect(wrong.json).toEqual(unknown.json);
    expect(malformed.json).toEqual(unknown.json);
    // Not a sign-in request at all: 400.
    expect((await new Client(server.url).post('/api/auth/login', { password: 'x' })).status).toBe(400);
    const ok = await new Client(server.url).post('/api/auth/login', {
      email: 'cy@example.com',
      password: 'password-9',
    });
    expect(ok.status).toBe(200);
    const api = new Client(server.url);
    api.bearer = ok.json.token;
    expect((await api.get('/api/me')).json.user.name).toBe('Cy');
  });

  it('logs out: the session no longer works', async () => {
    const c = new Client(server.url);
    const res = await c.post('/api/auth/signup', {
      email: 'dee@example.com',
      password: 'password-9',
      name: 'Dee',
    });
    const api = new Client(server.url);
    api.bearer = res.json.token;
    expect((await api.get('/api/cart')).status).toBe(200);
    const out = await api.post('/api/auth/logout');
    expect(out.status).toBe(204);
    // No content and so no type of it; the cookie is cleared with the attributes it was set with.
    expect(out.headers.get('content-type')).toBeNull();
    expect(out.headers.get('set-cookie')).toMatch(/^shopsync_session=; Max-Age=0; .*HttpOnly; SameSite=Lax/);
    expect((await api.get('/api/me')).status).toBe(401);
    // Its cart is not swapped for a guest's: the client meant Dee's.
    for (const res of [
      await api.get('/api/cart'),
      await api.post('/api/cart/lines', { productId: 'x', quantity: 1 }),
    ])
      expect([res.status, res.json.error.code]).toEqual([401, 'unauthenticated']);
  });

  it('stores addresses per user and validates them', async () => {
    const c = new Client(server.url);
    await c.post('/api/auth/signup', { email: 'eve@example.com', password: 'password-9', name: 'Eve' });
    const created = await c.post('/api/me/addresses', {
      name: 'Eve',
      line1: '1 Main St',
      city: 'Springfield',
      postalCode: '12345',
      country: 'us',
    });
    expect(created.status).toBe(201);
    expect(created.json.country).toBe('US');
    expect((await c.get('/api/me/addresses')).json.items).toHaveLength(1);
    expect((await c.post('/api/me/addresses', { name: 'Eve' })).status).toBe(400);
    expect((await new Client(server.url).get('/api/me/addresses')).status).toBe(401);

    // A region and a phone for the courier; optional fields sent empty (as a form sends them) are
    // not set.
    const full = await c.post('/api/me/addresses', {
      name: 'Eve',
      line1: '1 Main St',
      line2: '',
      city: 'Springfield',
      region: ' IL ',
      postalCode: '62701',
      country: 'US',
      phone: '+1 (217) 555-0100',
    });
    expect(full.status).toBe(201);
    expect(full.json).toMatchObject({ region: 'IL', phone: '+1 (217) 555-0100' });
    expect(full.json).not.toHaveProperty('line2');
    const listed = (await c.get('/api/me/addresses')).json.items;
    expect(listed[1]).toEqual(full.json);
    // No such country, a postal code of punctuation, a phone of too few digits or of letters:
    // 400 naming the field, and nothing stored.
    const base = { name: 'Eve', line1: '1 Main St', city: 'Springfield', postalCode: '62701', country: 'US' };
    for (const [field, value] of [
      ['country', 'zz'],
      ['country', 'UK'],
      ['country', 'USA'],
      ['postalCode', '***'],
      ['postalCode', '-123'],
      ['phone', '12345'],
      ['phone', 'call me'],
      ['phone', '+1 555 0100 0100 0100 00'],
    ] as const) {
      const refused = await c.post('/api/me/addresses', { ...base, [field]: value });
      expect(refused.status, `${field} ${value}`).toBe(400);
      expect(JSON.stringify(refused.json.error), `${field} ${value}`).toContain(field);
    }
    expect((await c.get('/api/me/addresses')).json.items).toHaveLength(2);
  });

  it('removes an address from the list, keeps it for the orders sent to it, and only for its owner', async () => {
    const c = await signUp(server.url);
    const other = await signUp(server.url);
    const home = { name: 'Ann', line1: '1 Home Rd', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' };
    const work = { ...home, line1: '2 Work St' };
    const [a, b] = [
      (await c.post('/api/me/addresses', home)).json,
      (await c.post('/api/me/addresses', work)).json,
    ];
    const line = await c.post('/api/cart/lines', { productId: 'gen-000001', quantity: 1 });
    const order = await c.post(
      '/api/orders',
      { cartId: line.json.cartId, addressId: a.id },
      { 'idempotency-key': 'addr-order-1' },
    );
    expect(order.status).toBe(202);

    // Someone else can neither remove it nor read it.
    expect((await other.delete(`/api/me/addresses/${a.id}`)).status).toBe(404);
    expect((await other.get(`/api/me/addresses/${a.id}`)).status).toBe(404);
    expect((await c.delete(`/api/me/addresses/${a.id}`)).status).toBe(204);
    expect((await c.delete(`/api/me/addresses/${a.id}`)).json.error.code).toBe('address_not_found');
    expect((await c.get('/api/me/addresses')).json.items.map((x: { id: string }) => x.id)).toEqual([b.id]);
    // The order still says where it goes.
    expect((await c.get(`/api/me/addresses/${a.id}`)).json).toEqual({ ...home, id: a.id, removed: true });
    expect((await c.get(`/api/me/addresses/${b.id}`)).json).toEqual({ ...work, id: b.id, removed: false });
    expect((await c.get(`/api/orders/${order.json.id}`)).json.addressId).toBe(a.id);
    // A retry of that order gets its first answer.
    const retry = await c.post(
      '/api/orders',
      { cartId: line.json.cartId, addressId: a.id },
      { 'idempotency-key': 'addr-order-1' },
    );
    expect([retry.status, retry.json.id]).toEqual([202, order.json.id]);
    // A new order to it (a checkout page left open on another device) is refused.
    await c.post('/api/cart/lines', { productId: 'gen-000002', quantity: 1 });
    const late = await c.post(
      '/api/orders',
      { cartId: line.json.cartId, addressId: a.id },
      { 'idempotency-key': 'addr-order-2' },
    );
    expect([late.status, late.json.error.code]).toEqual([409, 'address_removed']);
    expect((await c.get('/api/orders')).json.items).toHaveLength(1);
    const elsewhere = await c.post(
      '/api/orders',
      { cartId: line.json.cartId, addressId: b.id },
      { 'idempotency-key': 'addr-order-2' },
    );
    expect(elsewhere.status).toBe(202);
    expect((await c.get('/api/me/addresses/nope')).status).toBe(404);
  });
});

describe('session lookups', () => {
  it('remembers a session briefly, but never past its expiry or a logout', async () => {
    const { db, done } = tempDb('shopsync-sessions-');
    let now = 1_000_000;
    const accounts = new Accounts(db, () => now, { passwordCost: TEST_PASSWORD_COST });
    const signed = await accounts.signup('fay@example.com', 'password-9', 'Fay');
    if (!signed.ok) throw new Error('signup failed');
    expect(accounts.userForToken(signed.token)?.name).toBe('Fay');

    // Deleted by another process: still trusted for at most a few seconds, then refused.
    db.prepare('DELETE FROM sessions').run();
    now += 1000;
    expect(accounts.userForToken(signed.token)?.name).toBe('Fay');
    now += 5000;
    expect(accounts.userForToken(signed.token)).toBeUndefined();

    // A cached session stops at its own expiry, not at the end of the cache window.
    const again = await accounts.login('fay@example.com', 'password-9');
    if (!again.ok) throw new Error('login failed');
    db.prepare('UPDATE sessions SET expires_at = ?').run(now + 1000);
    expect(accounts.userForToken(again.token)?.name).toBe('Fay');
    now += 1000;
    expect(accounts.userForToken(again.token)).toBeUndefined();

    // Expired sessions are deleted by the sweep; live ones stay.
    const live = await accounts.login('fay@example.com', 'password-9');
    if (!live.ok) throw new Error('login failed');
    const rows = () => (db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;
    expect(rows()).toBe(2);
    expect(accounts.expireSessions()).toEqual([sessionId(again.token)]);
    expect(rows()).toBe(1);
    expect(accounts.userForToken(live.token)?.name).toBe('Fay');

    // Logout through this process takes effect at once.
    const third = await accounts.login('fay@example.com', 'password-9');
    if (!third.ok) throw new Error('login failed');
    expect(accounts.userForToken(third.token)?.name).toBe('Fay');
    accounts.logout(third.token);
    expect(accounts.userForToken(third.token)).toBeUndefined();
    done();
  });
});

describe('failed sign-ins', () => {
  it('refuses an address and email after too many failed sign-ins, for that address only, until the window ends', async () => {
    const { db, done } = tempDb('shopsync-logins-');
    let now = 5_000_000;
    // Three attempts in a 15-minute window keep the test to a few slow password checks.
    const accounts = new Accounts(db, () => now, {
      passwordCost: TEST_PASSWORD_COST,
      loginAttempts: 3,
      loginWindowMs: 15 * 60_000,
    });
    await accounts.signup('gus@example.com', 'password-7', 'Gus');
    const A = '203.0.113.5';
    const B = '198.51.100.7';

    // Two failures, then the right password: the count starts again.
    for (let i = 0; i < 2; i++) expect((await accounts.login('gus@example.com', 'wrong', A)).ok).toBe(false);
    expect((await accounts.login('gus@example.com', 'password-7', A)).ok).toBe(true);

    for (const email of ['gus@example.com', 'nobody@example.com']) {
      for (let i = 0; i < 3; i++) {
        expect(await accounts.login(email, 'wrong', A)).toEqual({ ok: false, reason: 'invalid_credentials' });
      }
    }
    now += 60_000;
    // Refused from A without a password check, even the right one, until 15 minutes after the
    // first attempt; unknown emails alike.
    for (const email of ['gus@example.com', 'nobody@example.com']) {
      // Asked twice: a refusal does not lift the lock.
      for (let i = 0; i < 2; i++) {
        expect(await accounts.login(email, 'password-7', A)).toEqual({
          ok: false,
          reason: 'too_many_attempts',
          retryAfterMs: 14 * 60_000,
        });
      }
    }
    // The owner, elsewhere, is not locked out by the guesses from A.
    expect((await accounts.login('gus@example.com', 'password-7', B)).ok).toBe(true);
    now += 14 * 60_000;
    expect((await accounts.login('gus@example.com', 'password-7', A)).ok).toBe(true);
    done();
  });

  it('counts a wrong current password in a password change as a failed sign-in', async () => {
    const { db, done } = tempDb('shopsync-logins-');
    const accounts = new Accounts(db, Date.now, {
      passwordCost: TEST_PASSWORD_COST,
      loginAttempts: 2,
      loginWindowMs: 15 * 60_000,
    });
    const signed = await accounts.signup('hal@example.com', 'password-7', 'Hal');
    if (!signed.ok) throw new Error('signup failed');
    const A = '203.0.113.9';
    const change = (current: string) =>
      accounts.changePassword(signed.user, signed.token, current, 'password-8', A);
    expect(await change('wrong')).toEqual({ ok: false, reason: 'wrong_password' });
    expect(await change('wrong again')).toEqual({ ok: false, reason: 'wrong_password' });
    // Locked for this address and email, sign-in and password change alike, even with the right one.
    expect(await change('password-7')).toMatchObject({ ok: false, reason: 'too_many_attempts' });
    expect(await accounts.login('hal@example.com', 'password-7', A)).toMatchObject({
      ok: false,
      reason: 'too_many_attempts',
    });
    expect(accounts.userForToken(signed.token)?.id).toBe(signed.user.id); // still signed in
    done();
  });

  it('does not sign in, nor give a device cookie, with a password changed while it was checked', async () => {
    const { db, done } = tempDb('shopsync-logins-');
    const queue = new HashQueue(1, 10);
    const accounts = new Accounts(db, Date.now, { passwordCost: TEST_PASSWORD_COST, hashQueue: queue });
    const owner = await accounts.signup('joe@example.com', 'password-7', 'Joe');
    if (!owner.ok) throw new Error('signup failed');
    // The sign-in's check waits behind a hash; meanwhile the password is changed (a new hash
    // stored, as a change on another device commits it).
    let release!: () => void;
    const held = queue.run('sign-up', () => new Promise<void>((r) => (release = r)));
    const late = accounts.login('joe@example.com', 'password-7');
    db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run('scrypt$1024$8$1$x$y', owner.user.id);
    release();
    await held;
    expect(await late).toEqual({ ok: false, reason: 'invalid_credentials' });
    expect(db.prepare('SELECT COUNT(*) AS n FROM sessions').get()).toEqual({ n: 1 }); // the signup's
    done();
  });

  it('hashes a password again at the shop cost when a sign-in proves it, and issues the cookie under it', async () => {
    const { db, done } = tempDb('shopsync-logins-');
    const key = Buffer.alloc(32, 7);
    const before = new Accounts(db, Date.now, { passwordCost: TEST_PASSWORD_COST, deviceKey: key });
    expect((await before.signup('kim@example.com', 'password-7', 'Kim')).ok).toBe(true);
    const stored = () =>
      (
        db.prepare("SELECT password_hash FROM users WHERE email = 'kim@example.com'").get() as {
          password_hash: string;
        }
      ).password_hash;
    expect(stored()).toMatch(/^scrypt\$1024\$/);
    // The shop's cost raised: the next sign-in stores the password at it.
    const after = new Accounts(db, Date.now, { passwordCost: TEST_PASSWORD_COST + 1, deviceKey: key });
    const signedIn = await after.login('kim@example.com', 'password-7');
    if (!signedIn.ok) throw new Error('sign-in failed');
    expect(stored()).toMatch(/^scrypt\$2048\$/);
    expect(
      new DeviceCookies(key).read(signedIn.device, { id: signedIn.user.id, credential: stored() }),
    ).toBeDefined();
    expect((await after.login('kim@example.com', 'password-7')).ok).toBe(true);
    expect(stored()).toMatch(/^scrypt\$2048\$/); // once
    expect((await after.login('kim@example.com', 'password-8')).ok).toBe(false);
    done();
  });

  it('of two password changes at once, made with the same current password, only the first counts', async () => {
    const { db, done } = tempDb('shopsync-logins-');
    const accounts = new Accounts(db, Date.now, { passwordCost: TEST_PASSWORD_COST });
    const owner = await accounts.signup('ida@example.com', 'password-7', 'Ida');
    const thief = await accounts.login('ida@example.com', 'password-7');
    if (!owner.ok || !thief.ok) throw new Error('sign-in failed');
    const results = await Promise.all([
      accounts.changePassword(owner.user, owner.token, 'password-7', 'owner-new-1'),
      accounts.changePassword(thief.user, thief.token, 'password-7', 'thief-new-1'),
    ]);
    const won = results.filter((r) => r.ok);
    expect(won).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'changed_meanwhile' }]);
    // The one that lost did not overwrite the winner's password, and its sign-in has ended.
    const winner = results[0]!.ok
      ? { token: owner.token, password: 'owner-new-1' }
      : { token: thief.token, password: 'thief-new-1' };
    const loser = results[0]!.ok ? thief.token : owner.token;
    expect((await accounts.login('ida@example.com', winner.password)).ok).toBe(true);
    expect(accounts.userForToken(winner.token)).toBeDefined();
    expect(accounts.userForToken(loser)).toBeUndefined();
    done();
  });

  it('answers 429 with Retry-After through HTTP, also to a burst of parallel guesses', async () => {
    const owner = new Client(server.url);
    await owner.post('/api/auth/signup', { email: 'hal@example.com', password: 'password-8', name: 'Hal' });
    const guesses = await Promise.all(
      Array.from({ length: 35 }, () =>
        new Client(server.url).post('/api/auth/login', { email: 'hal@example.com', password: 'guess' }),
      ),
    );
    const statuses = guesses.map((g) => g.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    const refused = guesses.find((g) => g.status === 429)!;
    expect(refused.json.error.code).toBe('too_many_attempts');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect(refused.json.error.details.retryAfterSeconds).toBe(retryAfter);
    expect(refused.json.error.message).toMatch(/try again in 1[45] minutes$/);
    // Another account is untouched.
    const other = await new Client(server.url).post('/api/auth/login', {
      email: 'ada@example.com',
      password: 'analytical1',
    });
    expect(other.status).toBe(200);
    // ~20 scrypt hashes at OWASP's cost: seconds alone, more beside other test files on 2 cores.
  }, 120_000);
});
