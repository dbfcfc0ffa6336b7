import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Accounts } from '../src/accounts/accounts.js';
import { PasswordResets, RESET_TTL_MS } from '../src/accounts/resets.js';
import { cookieNames } from '../src/http/auth.js';
import { SHUTDOWN_GRACE_MS } from '../src/server.js';
import {
  Client,
  keptLog,
  mailbox,
  OLDER,
  olderDataDir,
  startTestServer,
  TEST_PASSWORD_COST,
  tempDb,
  until,
} from './harness.js';

const PASSWORD = 'correct horse 1';
const DEVICE = cookieNames(false).device;

/** The token of a reset mail's link, and the link's page. */
function linkOf(text: string): { page: string; token: string } {
  const match = /^(\S+)\/reset-password\?token=([A-Za-z0-9_-]+)$/m.exec(text);
  if (!match) throw new Error(`no reset link in: ${text}`);
  return { page: match[1]!, token: match[2]! };
}

/**
 * PasswordResets on a database of its own, on a clock the test sets (`clock.now`), mailing to a
 * list; `done()` closes and removes it.
 */
function resetsAlone(logger?: ReturnType<typeof keptLog>['logger']) {
  const { db, done } = tempDb('shopsync-reset-');
  const clock = { now: 10_000_000 };
  const now = () => clock.now;
  const accounts = new Accounts(db, now, { passwordCost: TEST_PASSWORD_COST });
  const box = mailbox();
  const resets = new PasswordResets(db, accounts, {
    mail: box.sender,
    link: (token) => `https://shop.example/reset-password?token=${token}`,
    ...(logger && { logger }),
    now,
  });
  return {
    clock,
    accounts,
    resets,
    mails: box.mails,
    done,
  };
}

describe('password reset by mail, through HTTP', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const box = mailbox();
  beforeAll(async () => {
    server = await startTestServer({}, undefined, { mail: box.sender });
  });
  afterAll(() => server.close());

  /** A new account with PASSWORD, signed in on the returned browser; and its email. */
  async function account(): Promise<{ browser: Client; email: string; userId: string }> {
    const browser = new Client(server.url);
    const email = `reset-${randomUUID()}@example.com`;
    const res = await browser.post('/api/auth/signup', { email, password: PASSWORD, name: 'Reset' });
    expect(res.status).toBe(201);
    return { browser, email, userId: res.json.user.id };
  }

  /** Asks for a link for `email` and waits for its mail: the link's token. */
  async function linkFor(email: string): Promise<string> {
    const before = box.mails.length;
    expect((await new Client(server.url).post('/api/auth/password-reset', { email })).status).toBe(202);
    await until(() => box.mails.length > before, 'the reset mail');
    const mail = box.mails.at(-1)!;
    expect(mail.to).toBe(email);
    return linkOf(mail.text).token;
  }

  it('answers an existing and an unknown email alike, and mails a link to the existing one only', async () => {
    const { email } = await account();
    const before = box.mails.length;
    const unknown = await new Client(server.url).post('/api/auth/password-reset', {
      email: 'nobody-here@example.com',
    });
    // In another case: emails are stored in lower case.
    const known = await new Client(server.url).post('/api/auth/password-reset', {
      email: email.toUpperCase(),
    });
    expect([unknown.status, known.status]).toEqual([202, 202]);
    expect(unknown.text).toBe(known.text);
    expect(known.json).toEqual({});
    // The requests are carried out in order, so the unknown one is done when the known one's mail is.
    await until(() => box.mails.length > before, 'the reset mail');
    expect(box.mails.slice(before).map((m) => m.to)).toEqual([email]);
    const { page, token } = linkOf(box.mails.at(-1)!.text);
    expect(page).toBe(server.url);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    // A malformed email is the request's fault, whatever accounts exist.
    const malformed = await new Client(server.url).post('/api/auth/password-reset', {
      email: 'not-an-email',
    });
    expect([malformed.status, malformed.json.error.code]).toEqual([400, 'invalid_request']);
  });

  it("signs in with the link's token once: a new password, the old one gone", async () => {
    const { email, userId } = await account();
    const token = await linkFor(email);
    const browser = new Client(server.url);
    const reset = await browser.post('/api/auth/password-reset/confirm', {
      token,
      newPassword: 'battery staple 2',
    });
    expect(reset.status).toBe(200);
    expect(reset.json).toMatchObject({ user: { id: userId, email }, endedSessions: 1, guestLinesMerged: 0 });
    // Signed in on this browser, by cookie, as a login is.
    expect((await browser.get('/api/me')).json.user.id).toBe(userId);
    expect(browser.cookies.get(DEVICE)?.startsWith(`${userId}.`)).toBe(true);
    const again = await new Client(server.url).post('/api/auth/password-reset/confirm', {
      token,
      newPassword: 'battery staple 3',
    });
    expect([again.status, again.json.error.code]).toEqual([400, 'reset_token_invalid']);
    const login = (password: string) => new Client(server.url).post('/api/auth/login', { email, password });
    expect((await login(PASSWORD)).status).toBe(401);
    expect((await login('battery staple 3')).status).toBe(401);
    expect((await login('battery staple 2')).status).toBe(200);
  });

  it('voids a link mailed before the password was changed', async () => {
    const { browser, email } = await account();
    const token = await linkFor(email);
    const changed = await browser.post('/api/me/password', {
      currentPassword: PASSWORD,
      newPassword: 'battery staple 4',
    });
    expect(changed.status).toBe(200);
    const late = await new Client(server.url).post('/api/auth/password-reset/confirm', {
      token,
      newPassword: 'battery staple 5',
    });
    expect([late.status, late.json.error.code]).toEqual([400, 'reset_token_invalid']);
    expect(
      (await new Client(server.url).post('/api/auth/login', { email, password: 'battery staple 4' })).status,
    ).toBe(200);
  });

  it('stores the token only as its SHA-256, with its user, times and use', async () => {
    const { email, userId } = await account();
    const token = await linkFor(email);
    const rows = () =>
      server.db.prepare('SELECT * FROM password_resets WHERE user_id = ?').all(userId) as {
        token_hash: string;
        created_at: number;
        expires_at: number;
        used_at: number | null;
      }[];
    const [row] = rows();
    expect(rows()).toHaveLength(1);
    expect(row!.token_hash).toBe(createHash('sha256').update(token).digest('base64url'));
    expect(JSON.stringify(rows())).not.toContain(token);
    expect(row!.expires_at - row!.created_at).toBe(RESET_TTL_MS);
    expect(row!.used_at).toBeNull();
    await new Client(server.url).post('/api/auth/password-reset/confirm', {
      token,
      newPassword: 'battery staple 2',
    });
    expect(rows()[0]!.used_at).toEqual(expect.any(Number));
  });

  it('refuses unknown, used and expired tokens with the same 400, and a weak password as signup does', async () => {
    const { email, userId } = await account();
    const token = await linkFor(email);
    const confirm = (t: string, newPassword = 'battery staple 2') =>
      new Client(server.url).post('/api/auth/password-reset/confirm', { token: t, newPassword });
    const weak = await confirm(token, 'password');
    expect([weak.status, weak.json.error.code]).toEqual([400, 'invalid_request']);
    // Nor the account's email; the link still works after either.
    const named = await confirm(token, email);
    expect([named.status, named.json.error.details]).toEqual([
      400,
      [{ path: 'newPassword', message: 'password must not be your email address or its part before the @' }],
    ]);
    const unknown = await confirm('A'.repeat(43));
    // Expired: its hour is over.
    server.db.prepare('UPDATE password_resets SET expires_at = ? WHERE user_id = ?').run(Date.now(), userId);
    const expired = await confirm(token);
    server.db
      .prepare('UPDATE password_resets SET expires_at = ? WHERE user_id = ?')
      .run(Date.now() + 60_000, userId);
    expect((await confirm(token)).status).toBe(200);
    const used = await confirm(token);
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.code).toBe('reset_token_invalid');
    expect(expired.json).toEqual(unknown.json);
    expect(used.json).toEqual(unknown.json);
    expect([expired.status, used.status]).toEqual([400, 400]);
  });

  it("ends the account's other sign-ins and their cart sync", async () => {
    const { browser: phone, email } = await account();
    const laptop = new Client(server.url);
    expect((await laptop.post('/api/auth/login', { email, password: PASSWORD })).status).toBe(200);
    const view = (await phone.get('/api/cart')).json;
    const sync = new WebSocket(
      `${server.url.replace(/^http/, 'ws')}/sync/${view.cartId}?token=${view.syncToken}`,
    );
    await new Promise((resolve, reject) => sync.on('open', resolve).on('unexpected-response', reject));
    const syncClosed = new Promise((resolve) => sync.on('close', (code, why) => resolve([code, `${why}`])));

    const token = await linkFor(email);
    const browser = new Client(server.url);
    const reset = await browser.post('/api/auth/password-reset/confirm', {
      token,
      newPassword: 'battery staple 2',
    });
    expect(reset.json.endedSessions).toBe(2);
    expect(await syncClosed).toEqual([4401, 'signed out']);
    expect((await phone.get('/api/me')).status).toBe(401);
    expect((await laptop.get('/api/me')).status).toBe(401);
    expect((await browser.get('/api/me')).status).toBe(200);
  });

  it('mails one link a minute to an account, however often it is asked', async () => {
    const { email } = await account();
    const other = await account();
    const before = box.mails.length;
    for (let i = 0; i < 3; i++)
      expect((await new Client(server.url).post('/api/auth/password-reset', { email })).status).toBe(202);
    // Carried out in order: once the other account's mail is out, the three were handled.
    await linkFor(other.email);
    expect(box.mails.slice(before).map((m) => m.to)).toEqual([email, other.email]);
  });
});

describe('the answer to a reset request', () => {
  it('goes before the mail is made: a mail server that hangs does not hold it', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sent: string[] = [];
    const server = await startTestServer({}, undefined, {
      mail: {
        async send(mail) {
          await held;
          sent.push(mail.to);
        },
        close() {},
      },
    });
    try {
      const email = 'slow-mail@example.com';
      await new Client(server.url).post('/api/auth/signup', { email, password: PASSWORD, name: 'S' });
      const res = await new Client(server.url).post('/api/auth/password-reset', { email });
      expect(res.status).toBe(202);
      expect(sent).toEqual([]);
      release();
      await until(() => sent.length === 1, 'the mail');
      expect(sent).toEqual([email]);
    } finally {
      release();
      await server.close();
    }
  });
});

describe('a reset mail that a mail server holds', () => {
  it('does not hold the shop from stopping past its grace', async () => {
    const server = await startTestServer({}, undefined, {
      mail: { send: () => new Promise(() => {}), close() {} },
    });
    const email = 'held-mail@example.com';
    await new Client(server.url).post('/api/auth/signup', { email, password: PASSWORD, name: 'H' });
    expect((await new Client(server.url).post('/api/auth/password-reset', { email })).status).toBe(202);
    await until(
      () => server.db.prepare('SELECT 1 FROM password_resets').get() !== undefined,
      'the token stored, its mail on its way',
    );
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_GRACE_MS + 2000);
  }, 20_000);
});

describe('password resets and the password checks of an address', () => {
  it("answers 429 to an address past its password checks, as a sign-in's", async () => {
    const box = mailbox();
    const server = await startTestServer({ SHOPSYNC_PASSWORD_CHECKS_PER_ADDRESS: '2' }, undefined, {
      mail: box.sender,
    });
    try {
      const ask = () =>
        new Client(server.url).post('/api/auth/password-reset', { email: `x-${randomUUID()}@example.com` });
      expect((await ask()).status).toBe(202);
      expect((await ask()).status).toBe(202);
      const refused = await ask();
      expect(refused.status).toBe(429);
      expect(refused.json.error).toMatchObject({ code: 'too_many_attempts', details: { per: 'address' } });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('voids the device cookies issued before the reset; the browser that reset gets a new one', async () => {
    // Each step from an address of its own behind a proxy, one password check each.
    const box = mailbox();
    const server = await startTestServer(
      { SHOPSYNC_TRUSTED_PROXIES: '1', SHOPSYNC_PASSWORD_CHECKS_PER_ADDRESS: '1' },
      undefined,
      { mail: box.sender },
    );
    try {
      const from = (address: string) => ({ 'x-forwarded-for': address });
      const office = '198.51.100.41';
      const email = 'dee@example.com';
      const login = (browser: Client, password: string) =>
        browser.post('/api/auth/login', { email, password }, from(office));
      const signup = { email, password: PASSWORD, name: 'Dee' };
      expect((await new Client(server.url).post('/api/auth/signup', signup, from('192.0.2.3'))).status).toBe(
        201,
      );
      // A browser at the office signs in, spending the office's one check: its device cookie
      // lets it in again there all the same, where a new browser is refused.
      const laptop = new Client(server.url);
      expect((await login(laptop, PASSWORD)).status).toBe(200);
      expect((await login(new Client(server.url), PASSWORD)).status).toBe(429);
      expect((await login(laptop, PASSWORD)).status).toBe(200);

      const asked = await new Client(server.url).post(
        '/api/auth/password-reset',
        { email },
        from('192.0.2.5'),
      );
      expect(asked.status).toBe(202);
      await until(() => box.mails.length === 1, 'the reset mail');
      const { token } = linkOf(box.mails[0]!.text);
      const browser = new Client(server.url);
      const reset = await browser.post(
        '/api/auth/password-reset/confirm',
        { token, newPassword: 'battery staple 2' },
        from('192.0.2.6'),
      );
      expect(reset.status).toBe(200);
      // The laptop's cookie was signed over the old password's hash: it counts for nothing now.
      const refused = await login(laptop, 'battery staple 2');
      expect([refused.status, refused.json.error.details.per]).toEqual([429, 'address']);
      // The browser that reset it got a cookie under the new one.
      expect((await login(browser, 'battery staple 2')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('password resets on a clock of the test', () => {
  it('mails an account at most one link a minute and five an hour, and says so once in the log', async () => {
    const log = keptLog('warn');
    const { clock, accounts, resets, mails, done } = resetsAlone(log.logger);
    try {
      expect((await accounts.signup('flood@example.com', PASSWORD, 'Flood')).ok).toBe(true);
      const sent: boolean[] = [];
      const ask = async (at: number) => {
        clock.now = 10_000_000 + at;
        sent.push((await resets.request('flood@example.com')).sent);
      };
      await ask(0);
      await ask(59_000); // within the minute
      for (const minute of [1, 2, 3, 4]) await ask(minute * 60_000);
      await ask(5 * 60_000); // a sixth within the hour
      await ask(60 * 60_000 + 1); // the first has left the hour
      expect(sent).toEqual([true, false, true, true, true, true, false, true]);
      expect(mails).toHaveLength(6);
      expect(mails.every((m) => m.to === 'flood@example.com')).toBe(true);

      // requestLater logs the refusals, at most once a minute, without the email.
      clock.now += 1000;
      resets.requestLater('flood@example.com');
      resets.requestLater('flood@example.com');
      await resets.settle();
      expect(log.records.filter((r) => r.msg.startsWith('password reset mails refused'))).toHaveLength(1);
      expect(log.text()).not.toContain('flood@example.com');
    } finally {
      done();
    }
  });

  it('lets one of two confirms of the same token at once win', async () => {
    const { accounts, resets, mails, done } = resetsAlone();
    try {
      expect((await accounts.signup('race@example.com', PASSWORD, 'Race')).ok).toBe(true);
      await resets.request('race@example.com');
      const { token } = linkOf(mails[0]!.text);
      // Both find the token unused before either's hash is made: the race the claim decides.
      const passwords = ['first choice 1', 'second choice 2'];
      const results = await Promise.all(passwords.map((p) => resets.confirm(token, p)));
      expect(results.map((r) => r.ok).sort()).toEqual([false, true]);
      expect(results.find((r) => !r.ok)).toEqual({ ok: false, reason: 'invalid_token' });
      const winner = passwords[results.findIndex((r) => r.ok)]!;
      const loser = passwords.find((p) => p !== winner)!;
      expect((await accounts.login('race@example.com', winner)).ok).toBe(true);
      expect((await accounts.login('race@example.com', loser)).ok).toBe(false);
    } finally {
      done();
    }
  });

  it("voids the account's other links once one is used, and refuses a link past its hour", async () => {
    const { clock, accounts, resets, mails, done } = resetsAlone();
    const tokenOf = (i: number) => linkOf(mails[i]!.text).token;
    try {
      expect((await accounts.signup('later@example.com', PASSWORD, 'Later')).ok).toBe(true);
      await resets.request('later@example.com'); // at 0: expires at 60 min
      clock.now += 2 * 60_000;
      await resets.request('later@example.com'); // at 2 min: expires at 62 min
      clock.now += 3 * 60_000;
      await resets.request('later@example.com'); // at 5 min
      expect(mails).toHaveLength(3);

      clock.now = 10_000_000 + RESET_TTL_MS;
      expect(await resets.confirm(tokenOf(0), 'battery staple 2')).toEqual({
        ok: false,
        reason: 'invalid_token',
      });
      const reset = await resets.confirm(tokenOf(1), 'battery staple 2');
      expect(reset).toMatchObject({ ok: true, user: { email: 'later@example.com' } });
      // The third, unused and within its hour, went with the use of the second.
      expect(await resets.confirm(tokenOf(2), 'battery staple 3')).toEqual({
        ok: false,
        reason: 'invalid_token',
      });
      expect((await accounts.login('later@example.com', 'battery staple 2')).ok).toBe(true);
      // Swept once past their hour, used or not: the first now, the other two by 65 minutes.
      expect(resets.expire()).toBe(1);
      clock.now += 5 * 60_000;
      expect(resets.expire()).toBe(2);
    } finally {
      done();
    }
  });
});

describe('a data directory of the build before password resets (schema version 3)', () => {
  it('upgrades at start, and its shopper can reset their password', async () => {
    const box = mailbox();
    const server = await startTestServer({ DATA_DIR: olderDataDir(3, randomUUID()) }, undefined, {
      mail: box.sender,
    });
    try {
      const email = 'older@example.com';
      expect((await new Client(server.url).post('/api/auth/password-reset', { email })).status).toBe(202);
      await until(() => box.mails.length === 1, 'the reset mail');
      const { token } = linkOf(box.mails[0]!.text);
      const browser = new Client(server.url);
      const reset = await browser.post('/api/auth/password-reset/confirm', {
        token,
        newPassword: 'battery staple 2',
      });
      expect(reset.json.user).toMatchObject({ id: OLDER.user, email });
      expect((await browser.get(`/api/orders/${OLDER.order}`)).json.status).toBe('confirmed');
    } finally {
      await server.close();
    }
  });
});
