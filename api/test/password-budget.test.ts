import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../src/accounts/accounts.js';
import { dummyPasswordHash, HashQueue } from '../src/accounts/passwords.js';
import { Client, keptLog, startTestServer, TEST_PASSWORD_COST, tempDb } from './harness.js';

// Every password check here is a real scrypt hash, at the tests' cost (TEST_PASSWORD_COST): the
// budgets are tiny (2-3 checks) and the clock injected, so each test makes a handful.

/** A job the test finishes by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

const A = '203.0.113.5';
const B = '198.51.100.7';
const ELSEWHERE = '192.0.2.1';

describe('password checks per client address', () => {
  it('refuses an address past its checks across all emails, while another address signs in', async () => {
    const { db, done } = tempDb('shopsync-budget-');
    let now = 5_000_000;
    // Three checks per 15 minutes: one comes back every 5.
    const accounts = new Accounts(db, () => now, {
      passwordCost: TEST_PASSWORD_COST,
      addressChecks: 3,
      addressWindowMs: 15 * 60_000,
    });
    const signed = await accounts.signup('gus@example.com', 'password-7', 'Gus', ELSEWHERE);
    if (!signed.ok) throw new Error('signup failed');

    // Spraying: one guess for each of three emails, far below the per-email limit (20).
    for (const email of ['ann@example.com', 'bea@example.com', 'cy@example.com'])
      expect(await accounts.login(email, 'password-7', A)).toEqual({
        ok: false,
        reason: 'invalid_credentials',
      });
    // The fourth, for an email not tried from A and with the right password, is not checked.
    expect(await accounts.login('gus@example.com', 'password-7', A)).toEqual({
      ok: false,
      reason: 'too_many_attempts',
      retryAfterMs: 5 * 60_000,
      per: 'address',
    });
    // A password change from A spends the same checks.
    expect(
      await accounts.changePassword(signed.user, signed.token, 'password-7', 'password-8', A),
    ).toMatchObject({ ok: false, reason: 'too_many_attempts', per: 'address' });
    // Another address is not held up by A.
    expect((await accounts.login('gus@example.com', 'password-7', B)).ok).toBe(true);

    now += 5 * 60_000;
    expect((await accounts.login('gus@example.com', 'password-7', A)).ok).toBe(true);
    expect(await accounts.login('gus@example.com', 'password-7', A)).toMatchObject({
      reason: 'too_many_attempts',
      per: 'address',
    });
    done();
  }, 120_000);

  it('counts sign-ups, a taken email too, against the same checks', async () => {
    const { db, done } = tempDb('shopsync-budget-');
    const accounts = new Accounts(db, () => 5_000_000, {
      passwordCost: TEST_PASSWORD_COST,
      addressChecks: 2,
      addressWindowMs: 15 * 60_000,
    });
    expect((await accounts.signup('ann@example.com', 'password-7', 'Ann', A)).ok).toBe(true);
    // The contract's 409 is kept; it is a check all the same (else A could ask about every email).
    expect(await accounts.signup('ann@example.com', 'password-7', 'Ann', A)).toEqual({
      ok: false,
      reason: 'email_taken',
    });
    expect(await accounts.signup('bea@example.com', 'password-7', 'Bea', A)).toEqual({
      ok: false,
      reason: 'too_many_attempts',
      retryAfterMs: 7.5 * 60_000,
      per: 'address',
    });
    expect(await accounts.login('ann@example.com', 'password-7', A)).toMatchObject({
      reason: 'too_many_attempts',
      per: 'address',
    });
    expect((await accounts.signup('bea@example.com', 'password-7', 'Bea', B)).ok).toBe(true);
    done();
  }, 120_000);

  it("gives one address only its share of the hash queue, and another address's sign-in its place", async () => {
    const { db, done } = tempDb('shopsync-budget-');
    const queue = new HashQueue(1, 256);
    const accounts = new Accounts(db, Date.now, {
      passwordCost: TEST_PASSWORD_COST,
      hashQueue: queue,
      addressWaiting: 2,
    });
    expect((await accounts.signup('cy@example.com', 'password-7', 'Cy', ELSEWHERE)).ok).toBe(true);
    await dummyPasswordHash(TEST_PASSWORD_COST); // made once, outside the queue: unknown emails then queue in order

    // One hash running holds the queue; A floods it with sign-ins for random emails.
    const holder = gate();
    const held = queue.run('sign-up', () => holder.opened);
    const flood = [1, 2].map((i) => accounts.login(`random${i}@example.com`, 'guess', A));
    // A's third is refused at once instead of waiting behind its first two.
    expect(await accounts.login('random3@example.com', 'guess', A)).toEqual({
      ok: false,
      reason: 'too_many_attempts',
      retryAfterMs: 1000,
      per: 'address',
    });
    expect(queue.waitingFor(A)).toBe(2);
    // The owner, elsewhere, still gets a place.
    const owner = accounts.login('cy@example.com', 'password-7', B);
    expect(queue.queued['sign-in']).toBe(3);
    holder.open();
    await held;
    expect(await Promise.all(flood)).toEqual([
      { ok: false, reason: 'invalid_credentials' },
      { ok: false, reason: 'invalid_credentials' },
    ]);
    expect((await owner).ok).toBe(true);
    expect(queue.waitingFor(A)).toBe(0);
    done();
  }, 120_000);
});

describe('password checks per client address, through HTTP behind a proxy', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer({
      SHOPSYNC_TRUSTED_PROXIES: '1',
      SHOPSYNC_PASSWORD_CHECKS_PER_ADDRESS: '2',
    });
  });
  afterAll(() => server.close());

  const post = (url: string, body: unknown, address: string) =>
    new Client(server.url).post(url, body, { 'x-forwarded-for': address });
  const login = (email: string, address: string, password = 'guess-123') =>
    post('/api/auth/login', { email, password }, address);

  it('answers 429 too_many_attempts with Retry-After to one address, and serves another', async () => {
    expect((await login('x1@example.com', '203.0.113.1')).status).toBe(401);
    expect((await login('x2@example.com', '203.0.113.1')).status).toBe(401);
    const refused = await login('x3@example.com', '203.0.113.1');
    expect(refused.status).toBe(429);
    // 2 checks per 15 minutes: one back 7.5 minutes after the first (the real clock runs meanwhile).
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(450);
    expect(refused.json.error).toEqual({
      code: 'too_many_attempts',
      message: expect.stringMatching(
        /^too many password checks from this address; try again in \d+ (minute|second)s?$/,
      ),
      details: { retryAfterSeconds: retryAfter, per: 'address' },
    });
    const signup = { email: 'dee@example.com', password: 'password-7', name: 'Dee' };
    expect((await post('/api/auth/signup', signup, '203.0.113.1')).status).toBe(429);
    expect((await post('/api/auth/signup', signup, '203.0.113.2')).status).toBe(201);
    expect((await login('dee@example.com', '203.0.113.2', 'password-7')).status).toBe(200);
  }, 120_000);

  it('counts an IPv6 /64 as one address', async () => {
    expect((await login('y1@example.com', '2001:db8:1:2::1')).status).toBe(401);
    expect((await login('y2@example.com', '2001:db8:1:2::ffff')).status).toBe(401);
    expect((await login('y3@example.com', '2001:db8:1:2:abcd::1')).status).toBe(429);
  }, 120_000);
});

describe('an address out of password checks, as the operator hears of it', () => {
  it('is logged, naming SHOPSYNC_TRUSTED_PROXIES when the request came through an undeclared proxy', async () => {
    const log = keptLog('info');
    // No proxies declared: every request is the socket's address, 127.0.0.1.
    const shop = await startTestServer({ SHOPSYNC_PASSWORD_CHECKS_PER_ADDRESS: '1' }, log.logger);
    try {
      const login = (email: string) =>
        new Client(shop.url).post(
          '/api/auth/login',
          { email, password: 'guess-123' },
          { 'x-forwarded-for': '203.0.113.9' },
        );
      expect((await login('z1@example.com')).status).toBe(401);
      expect(log.text()).not.toContain('refused password checks');
      expect((await login('z2@example.com')).status).toBe(429);
      const warning = log.records.find((l) => /refused password checks/.test(l.msg));
      expect(warning).toMatchObject({ level: 40, address: '127.0.0.1', forwarded: true });
      expect(warning?.msg).toContain('SHOPSYNC_TRUSTED_PROXIES');
    } finally {
      await shop.close();
    }
  }, 120_000);
});
