import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../src/accounts/accounts.js';
import { DeviceCookies, deviceKey } from '../src/accounts/devices.js';
import { cookieNames } from '../src/http/auth.js';
import { Client, startTestServer, TEST_PASSWORD_COST, tempDb } from './harness.js';

// Device cookies: a browser that signed in to an account before is not held to the limits of the
// address it shares with a bot. Every password check is a real scrypt hash: the budgets are tiny
// (1-2 checks) and the clock injected, so each test makes a handful.

const SHARED = '203.0.113.77'; // a carrier's NAT: the bot and the real shoppers
const ELSEWHERE = '192.0.2.1';
const DEVICE = cookieNames(false).device;

describe('device cookies, through HTTP behind a proxy', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer({
      SHOPSYNC_TRUSTED_PROXIES: '1',
      SHOPSYNC_PASSWORD_CHECKS_PER_ADDRESS: '2',
    });
  });
  afterAll(() => server.close());

  const login = (browser: Client, email: string, password: string, address = SHARED) =>
    browser.post('/api/auth/login', { email, password }, { 'x-forwarded-for': address });
  const signup = (browser: Client, email: string, name: string, address = ELSEWHERE) =>
    browser.post('/api/auth/signup', { email, password: 'password-7', name }, { 'x-forwarded-for': address });

  const ann = 'ann@example.com';

  it('lets a browser that signed in before past the budget a bot spent; a new browser gets 429', async () => {
    const annBrowser = new Client(server.url);
    expect((await signup(annBrowser, ann, 'Ann')).status).toBe(201);
    // Signed in once from the shared address: its device cookie is set.
    annBrowser.cookies.clear();
    const first = await login(annBrowser, ann, 'password-7');
    expect(first.status).toBe(200);
    const set = first.headers.getSetCookie().find((c) => c.startsWith(`${DEVICE}=`));
    expect(set).toMatch(/; HttpOnly/i);
    expect(set).toMatch(/; SameSite=Lax/i);
    expect(set).toMatch(/; Path=\//i);
    const value = annBrowser.cookies.get(DEVICE)!;
    expect(value.startsWith(`${first.json.user.id}.`)).toBe(true);
    expect(value).not.toContain(first.json.token);
    // Signing out leaves it: it is for the next sign-in.
    expect((await annBrowser.post('/api/auth/logout')).status).toBe(204);
    expect(annBrowser.cookies.get(DEVICE)).toBe(value);

    // The bot spends the address's last check (and would take each one that comes back).
    expect((await login(new Client(server.url), 'x1@example.com', 'guess-123')).status).toBe(401);
    expect((await login(new Client(server.url), 'x2@example.com', 'guess-123')).status).toBe(429);

    // Ann on a new browser, right password: refused with everyone else on the address.
    const fresh = await login(new Client(server.url), ann, 'password-7');
    expect(fresh.status).toBe(429);
    expect(fresh.json.error.details.per).toBe('address');
    // Ann on the browser she signed in with: a typo, then in.
    expect((await login(annBrowser, ann, 'password-8')).status).toBe(401);
    const back = await login(annBrowser, ann, 'password-7');
    expect(back.status).toBe(200);
    expect(back.json.user.email).toBe(ann);
    // Each sign-in sets a new cookie.
    expect(annBrowser.cookies.get(DEVICE)).not.toBe(value);
    // The bot, still refused.
    expect((await login(new Client(server.url), 'x3@example.com', 'guess-123')).status).toBe(429);
  }, 120_000);

  it("does not let a forged, malformed or another account's device cookie past", async () => {
    const office = '198.51.100.40';
    const home = '192.0.2.2';
    const cy = 'cy@example.com';
    const bea = new Client(server.url);
    expect((await signup(bea, 'bea@example.com', 'Bea', home)).status).toBe(201);
    const beaCookie = bea.cookies.get(DEVICE)!;
    expect((await signup(new Client(server.url), cy, 'Cy', home)).status).toBe(201);
    // Cy signs in at the office (its first check), a bot there spends the second.
    const cyBrowser = new Client(server.url);
    expect((await login(cyBrowser, cy, 'password-7', office)).status).toBe(200);
    expect((await login(new Client(server.url), 'x4@example.com', 'guess-123', office)).status).toBe(401);
    const own = cyBrowser.cookies.get(DEVICE)!;
    const [userId, nonce, mac] = own.split('.') as [string, string, string];
    const raw = new Database(path.join(server.dataDir, 'shopsync.sqlite'), { readonly: true });
    const credential = (
      raw.prepare('SELECT password_hash FROM users WHERE id = ?').get(userId) as { password_hash: string }
    ).password_hash;
    raw.close();
    const flipped = `${mac.slice(0, -2)}${mac.at(-2) === 'A' ? 'B' : 'A'}${mac.at(-1)}`;
    const forged = [
      beaCookie, // signed by the shop, but for Bea
      `${userId}.${nonce}.${flipped}`,
      `${userId}.${'n'.repeat(22)}.${mac}`, // another nonce under Cy's signature
      new DeviceCookies(deviceKey('not the shop secret at all')).issue({ id: userId, credential }),
      `${userId}.${nonce}`,
      'garbage',
    ];
    for (const value of forged) {
      const browser = new Client(server.url);
      browser.cookies.set(DEVICE, value);
      const res = await login(browser, cy, 'password-7', office);
      expect(res.status, value).toBe(429);
      expect(res.json.error.details.per).toBe('address');
    }
    // Cy's own lets Cy in.
    expect((await login(cyBrowser, cy, 'password-7', office)).status).toBe(200);
  }, 120_000);

  it('voids the cookies issued before a password change; the browser that changed it gets a new one', async () => {
    const office = '198.51.100.41';
    const dee = 'dee@example.com';
    // Dee signs up at home, then signs in at the office twice: her browser there, and a thief's
    // browser with her leaked password.
    expect((await signup(new Client(server.url), dee, 'Dee', '192.0.2.3')).status).toBe(201);
    const thief = new Client(server.url);
    expect((await login(thief, dee, 'password-7', office)).status).toBe(200);
    const desk = new Client(server.url);
    expect((await login(desk, dee, 'password-7', '192.0.2.3')).status).toBe(200);
    // Dee changes the password from home.
    const changed = await desk.post(
      '/api/me/password',
      { currentPassword: 'password-7', newPassword: 'password-9' },
      { 'x-forwarded-for': '192.0.2.4' },
    );
    expect(changed.status).toBe(200);
    const renewed = desk.cookies.get(DEVICE)!;
    expect(changed.headers.getSetCookie().some((c) => c.startsWith(`${DEVICE}=${renewed}`))).toBe(true);
    // The office's address is out of checks: its second goes to a bot.
    expect((await login(new Client(server.url), 'x5@example.com', 'guess-123', office)).status).toBe(401);
    // The thief's cookie, issued under the old password, counts for nothing now.
    const guess = await login(thief, dee, 'password-9', office);
    expect(guess.status).toBe(429);
    expect(guess.json.error.details.per).toBe('address');
    // Dee's browser, with the cookie the change gave it, signs in there.
    desk.cookies.delete(cookieNames(false).session);
    const back = await login(desk, dee, 'password-9', office);
    expect(back.status).toBe(200);
  }, 120_000);

  it('names the cookie __Host- when cookies are Secure', () => {
    expect(cookieNames(true).device).toBe('__Host-shopsync_device');
  });
});

describe('device cookies, in Accounts', () => {
  it("exempts the account's cookie from the per-address-and-email lockout a bot caused", async () => {
    const { db, done } = tempDb('shopsync-device-');
    const accounts = new Accounts(db, () => 5_000_000, {
      passwordCost: TEST_PASSWORD_COST,
      loginAttempts: 2,
      addressChecks: 100,
    });
    const ann = await accounts.signup('ann@example.com', 'password-7', 'Ann', ELSEWHERE);
    if (!ann.ok) throw new Error('signup failed');
    const cookie = ann.device;
    // The bot guesses Ann's password from her address until the pair is locked.
    for (let i = 0; i < 2; i++)
      expect(await accounts.login('ann@example.com', `guess-${i}`, SHARED)).toMatchObject({
        reason: 'invalid_credentials',
      });
    expect(await accounts.login('ann@example.com', 'password-7', SHARED)).toMatchObject({
      reason: 'too_many_attempts',
    });
    // Ann, with her cookie, signs in; and that does not unlock the pair for the bot.
    expect((await accounts.login('ann@example.com', 'password-7', SHARED, cookie)).ok).toBe(true);
    expect(await accounts.login('ann@example.com', 'password-7', SHARED)).toMatchObject({
      reason: 'too_many_attempts',
    });
    done();
  }, 120_000);

  it('stops exempting a cookie past its failures, until its window ends', async () => {
    const { db, done } = tempDb('shopsync-device-');
    let now = 5_000_000;
    // One check per 15 minutes for the address; two failures per 5 minutes for a cookie.
    const accounts = new Accounts(db, () => now, {
      passwordCost: TEST_PASSWORD_COST,
      addressChecks: 1,
      addressWindowMs: 15 * 60_000,
      deviceAttempts: 2,
      deviceWindowMs: 5 * 60_000,
    });
    const ann = await accounts.signup('ann@example.com', 'password-7', 'Ann', ELSEWHERE);
    if (!ann.ok) throw new Error('signup failed');
    const cookie = ann.device;
    // Another browser of Ann's, signed in at home.
    const home = await accounts.login('ann@example.com', 'password-7', '192.0.2.9');
    if (!home.ok) throw new Error('sign-in failed');
    expect((await accounts.login('x1@example.com', 'guess', SHARED)).ok).toBe(false); // the address's check
    for (let i = 0; i < 2; i++)
      expect(await accounts.login('ann@example.com', `guess-${i}`, SHARED, cookie)).toEqual({
        ok: false,
        reason: 'invalid_credentials',
      });
    // Past its failures the cookie counts for nothing: the address has no checks left.
    expect(await accounts.login('ann@example.com', 'password-7', SHARED, cookie)).toMatchObject({
      reason: 'too_many_attempts',
      per: 'address',
    });
    // Another browser of Ann's is counted apart.
    expect((await accounts.login('ann@example.com', 'password-7', SHARED, home.device)).ok).toBe(true);
    // The cookie's window over (the address's not), it exempts again.
    now += 5 * 60_000;
    expect((await accounts.login('ann@example.com', 'password-7', SHARED, cookie)).ok).toBe(true);
    done();
  }, 120_000);

  it("holds an account's sign-ins through its cookies to their own checks", async () => {
    const { db, done } = tempDb('shopsync-device-');
    const accounts = new Accounts(db, () => 5_000_000, {
      passwordCost: TEST_PASSWORD_COST,
      addressChecks: 1,
      trustedChecks: 1,
    });
    const ann = await accounts.signup('ann@example.com', 'password-7', 'Ann', ELSEWHERE);
    if (!ann.ok) throw new Error('signup failed');
    expect((await accounts.login('x1@example.com', 'guess', SHARED)).ok).toBe(false);
    const first = await accounts.login('ann@example.com', 'password-7', SHARED, ann.device);
    if (!first.ok) throw new Error('sign-in failed');
    // A new cookie (each success gives one) does not make more.
    expect(await accounts.login('ann@example.com', 'password-7', SHARED, first.device)).toMatchObject({
      reason: 'too_many_attempts',
      per: 'address',
    });
    done();
  }, 120_000);
});
