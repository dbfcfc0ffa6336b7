import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../src/accounts/accounts.js';
import { EMAIL_CHANGE_TTL_MS, EmailChanges, maskEmail } from '../src/accounts/email-changes.js';
import type { Mail } from '../src/mail/sender.js';
import { Client, mailbox, startTestServer, TEST_PASSWORD_COST, tempDb, until } from './harness.js';

const PASSWORD = 'correct horse 1';
const CONFIRM_LINK = /^(\S+)\/confirm-email\?token=([A-Za-z0-9_-]+)$/m;

/** The token of an email change mail's link, and the link's page; undefined when it has none. */
function linkOf(text: string): { page: string; token: string } | undefined {
  const match = CONFIRM_LINK.exec(text);
  return match ? { page: match[1]!, token: match[2]! } : undefined;
}

const fresh = (what: string) => `${what}-${randomUUID()}@example.com`;

describe('changing the email by mail, through HTTP', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const box = mailbox();
  beforeAll(async () => {
    server = await startTestServer({}, undefined, { mail: box.sender });
  });
  afterAll(() => server.close());

  /** A new account with PASSWORD, signed in on the returned browser. */
  async function account(): Promise<{ browser: Client; email: string; userId: string }> {
    const browser = new Client(server.url);
    const email = fresh('old');
    const res = await browser.post('/api/auth/signup', { email, password: PASSWORD, name: 'Nora' });
    expect(res.status).toBe(201);
    return { browser, email, userId: res.json.user.id };
  }

  /** Asks for `email` on `browser` and waits for the request's two mails: [to the old address, to the new]. */
  async function ask(browser: Client, email: string): Promise<Mail[]> {
    const before = box.mails.length;
    const res = await browser.post('/api/me/email', { email, password: PASSWORD });
    expect(res.status).toBe(202);
    await until(() => box.mails.length >= before + 2, 'the two mails');
    return box.mails.slice(before, before + 2);
  }

  /** The token of the link mailed for `email` (asked for on `browser`). */
  async function tokenFor(browser: Client, email: string): Promise<string> {
    const [, link] = await ask(browser, email);
    return linkOf(link!.text)!.token;
  }

  const confirm = (token: string, browser = new Client(server.url)) =>
    browser.post('/api/me/email/confirm', { token });

  it('mails a link to the new address and a notice naming it in part to the old one', async () => {
    const { browser, email } = await account();
    const next = fresh('new');
    const [notice, link] = await ask(browser, next);
    expect(notice!.to).toBe(email);
    expect(notice!.subject).toBe('Your ShopSync email address is being changed');
    expect(notice!.text).toContain(`from ${email} to ${maskEmail(next)}`);
    expect(notice!.text).not.toContain(next);
    expect(notice!.text).toContain(`${server.url}/account`);
    expect(linkOf(notice!.text)).toBeUndefined();
    expect(link!.to).toBe(next);
    expect(link!.subject).toBe('Confirm your new ShopSync email address');
    const { page, token } = linkOf(link!.text)!;
    expect(page).toBe(server.url);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    // Nothing changed yet: the old address still signs in.
    expect((await browser.get('/api/me')).json.user.email).toBe(email);
  });

  it('answers an address another account uses as a free one, and mails it a notice, not a link', async () => {
    const { browser } = await account();
    const other = await account();
    const free = await browser.post('/api/me/email', { email: fresh('free'), password: PASSWORD });
    const taken = await browser.post('/api/me/email', { email: other.email, password: PASSWORD });
    expect([free.status, taken.status]).toEqual([202, 202]);
    expect(taken.text).toBe(free.text);
    expect(taken.json).toEqual({});
    // The taken address's mails: the old address's notice as for any, then the owner's notice.
    await until(
      () => box.mails.some((m) => m.to === other.email),
      'the mail to the address another account uses',
    );
    const toOther = box.mails.filter((m) => m.to === other.email);
    expect(toOther).toHaveLength(1);
    expect(toOther[0]!.subject).toBe('Your ShopSync email address');
    expect(linkOf(toOther[0]!.text)).toBeUndefined();
    expect(toOther[0]!.text).toContain(`${server.url}/forgot-password`);
    // Its account is untouched.
    expect((await other.browser.get('/api/me')).json.user.email).toBe(other.email);
  });

  it("changes the email with the link's token, once, keeping the account's sign-ins", async () => {
    const { browser, email, userId } = await account();
    const laptop = new Client(server.url);
    expect((await laptop.post('/api/auth/login', { email, password: PASSWORD })).status).toBe(200);
    const next = fresh('new');
    const token = await tokenFor(browser, next);
    // From a browser signed in to nothing (the phone's mail app).
    const done = await confirm(token);
    expect([done.status, done.json]).toEqual([200, { email: next }]);
    // Every sign-in sees the new email at once.
    expect((await browser.get('/api/me')).json.user).toMatchObject({ id: userId, email: next });
    expect((await laptop.get('/api/me')).json.user).toMatchObject({ id: userId, email: next });
    const login = (address: string) =>
      new Client(server.url).post('/api/auth/login', { email: address, password: PASSWORD });
    expect((await login(next)).status).toBe(200);
    expect((await login(email)).status).toBe(401);
    // The old address is free for a new account.
    const signup = await new Client(server.url).post('/api/auth/signup', {
      email,
      password: PASSWORD,
      name: 'Later',
    });
    expect(signup.status).toBe(201);
    const again = await confirm(token);
    expect([again.status, again.json.error.code]).toEqual([400, 'email_change_token_invalid']);
  });

  it('refuses unknown, used and expired tokens with the same 400', async () => {
    const { browser, userId } = await account();
    const token = await tokenFor(browser, fresh('new'));
    const unknown = await confirm('A'.repeat(43));
    server.db.prepare('UPDATE email_changes SET expires_at = ? WHERE user_id = ?').run(Date.now(), userId);
    const expired = await confirm(token);
    server.db
      .prepare('UPDATE email_changes SET expires_at = ? WHERE user_id = ?')
      .run(Date.now() + 60_000, userId);
    expect((await confirm(token)).status).toBe(200);
    const used = await confirm(token);
    expect([unknown.status, unknown.json.error.code]).toEqual([400, 'email_change_token_invalid']);
    expect(expired.json).toEqual(unknown.json);
    expect(used.json).toEqual(unknown.json);
    expect([expired.status, used.status]).toEqual([400, 400]);
    const malformed = await confirm('');
    expect([malformed.status, malformed.json.error.code]).toEqual([400, 'invalid_request']);
  });

  it('answers 409 when another account took the address since the link was mailed, and changes nothing', async () => {
    const { browser, email } = await account();
    const next = fresh('contested');
    const token = await tokenFor(browser, next);
    const signup = await new Client(server.url).post('/api/auth/signup', {
      email: next,
      password: PASSWORD,
      name: 'Quick',
    });
    expect(signup.status).toBe(201);
    const late = await confirm(token);
    expect([late.status, late.json.error.code]).toEqual([409, 'email_taken']);
    expect((await browser.get('/api/me')).json.user.email).toBe(email);
  });

  it('refuses the current address, a malformed one and a wrong password, mailing nothing', async () => {
    const { browser, email } = await account();
    const before = box.mails.length;
    const same = await browser.post('/api/me/email', {
      email: `  ${email.toUpperCase()} `,
      password: PASSWORD,
    });
    expect([same.status, same.json.error.code]).toEqual([400, 'email_unchanged']);
    const malformed = await browser.post('/api/me/email', { email: 'not-an-email', password: PASSWORD });
    expect([malformed.status, malformed.json.error.code]).toEqual([400, 'invalid_request']);
    expect(malformed.json.error.details).toEqual([expect.objectContaining({ path: 'email' })]);
    const wrong = await browser.post('/api/me/email', { email: fresh('new'), password: 'not it at all' });
    expect([wrong.status, wrong.json.error.code]).toEqual([403, 'wrong_password']);
    // Signed out: no account to change.
    const guest = await new Client(server.url).post('/api/me/email', {
      email: fresh('new'),
      password: PASSWORD,
    });
    expect([guest.status, guest.json.error.code]).toEqual([401, 'unauthenticated']);
    // A request that was answered 202 after these would have mailed by the time it is done.
    await tokenFor(browser, fresh('new'));
    expect(box.mails.slice(before).map((m) => m.to)).toEqual([email, expect.stringMatching(/^new-/)]);
  });

  it('stores the token only as its SHA-256, with the address it sets and its hour', async () => {
    const { browser, userId } = await account();
    const next = fresh('new');
    const token = await tokenFor(browser, next);
    const rows = server.db.prepare('SELECT * FROM email_changes WHERE user_id = ?').all(userId) as {
      token_hash: string;
      new_email: string;
      created_at: number;
      expires_at: number;
      used_at: number | null;
    }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      token_hash: createHash('sha256').update(token).digest('base64url'),
      new_email: next,
      used_at: null,
    });
    expect(rows[0]!.expires_at - rows[0]!.created_at).toBe(EMAIL_CHANGE_TTL_MS);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('is voided by a password change, and voids the reset links mailed to the old address', async () => {
    const { browser, email } = await account();
    // A new password (the old address's notice said to choose one) voids the change under way.
    const token = await tokenFor(browser, fresh('thief'));
    const changed = await browser.post('/api/me/password', {
      currentPassword: PASSWORD,
      newPassword: 'battery staple 4',
    });
    expect(changed.status).toBe(200);
    expect((await confirm(token)).json.error.code).toBe('email_change_token_invalid');

    // A reset link mailed to the old address no longer works once the email has moved.
    const before = box.mails.length;
    expect((await new Client(server.url).post('/api/auth/password-reset', { email })).status).toBe(202);
    await until(() => box.mails.length > before, 'the reset mail');
    const resetToken = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(box.mails.at(-1)!.text)![1]!;
    const next = fresh('new');
    const [, link] = await (async () => {
      const at = box.mails.length;
      const res = await browser.post('/api/me/email', { email: next, password: 'battery staple 4' });
      expect(res.status).toBe(202);
      await until(() => box.mails.length >= at + 2, 'the two mails');
      return box.mails.slice(at, at + 2);
    })();
    expect((await confirm(linkOf(link!.text)!.token)).status).toBe(200);
    const reset = await new Client(server.url).post('/api/auth/password-reset/confirm', {
      token: resetToken,
      newPassword: 'battery staple 5',
    });
    expect([reset.status, reset.json.error.code]).toEqual([400, 'reset_token_invalid']);
  });
});

describe('the password of an email change and the checks of an address', () => {
  it("spends the address's password checks, as a sign-in does: 429 past them", async () => {
    const box = mailbox();
    const server = await startTestServer({ SHOPSYNC_PASSWORD_CHECKS_PER_ADDRESS: '3' }, undefined, {
      mail: box.sender,
    });
    try {
      const browser = new Client(server.url);
      const email = 'budget@example.com';
      expect((await browser.post('/api/auth/signup', { email, password: PASSWORD, name: 'B' })).status).toBe(
        201,
      );
      const change = (password: string) => browser.post('/api/me/email', { email: fresh('new'), password });
      expect((await change('not it at all')).status).toBe(403);
      expect((await change(PASSWORD)).status).toBe(202);
      const refused = await change(PASSWORD);
      expect(refused.status).toBe(429);
      expect(refused.json.error).toMatchObject({ code: 'too_many_attempts', details: { per: 'address' } });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it("keeps the browsers' device cookies: the laptop signs in with the new email past the address's checks", async () => {
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
      const email = 'eve@example.com';
      const next = 'eve.new@example.com';
      const signup = { email, password: PASSWORD, name: 'Eve' };
      const phone = new Client(server.url);
      expect((await phone.post('/api/auth/signup', signup, from('192.0.2.3'))).status).toBe(201);
      // A browser at the office signs in, spending the office's one check.
      const laptop = new Client(server.url);
      expect((await laptop.post('/api/auth/login', { email, password: PASSWORD }, from(office))).status).toBe(
        200,
      );
      const asked = await phone.post('/api/me/email', { email: next, password: PASSWORD }, from('192.0.2.4'));
      expect(asked.status).toBe(202);
      await until(() => box.mails.length === 2, 'the two mails');
      const done = await new Client(server.url).post(
        '/api/me/email/confirm',
        { token: linkOf(box.mails[1]!.text)!.token },
        from('192.0.2.5'),
      );
      expect(done.status).toBe(200);
      const login = (browser: Client) =>
        browser.post('/api/auth/login', { email: next, password: PASSWORD }, from(office));
      // A new browser there is past the office's checks; the laptop's cookie names the account,
      // not its address, and still exempts it.
      expect((await login(new Client(server.url))).status).toBe(429);
      expect((await login(laptop)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

/**
 * Accounts and EmailChanges on a database of their own, on a clock the test sets, mailing to a
 * list; `done()` closes and removes it.
 */
function changesAlone(options: { loginAttempts?: number } = {}) {
  const { db, done } = tempDb('shopsync-email-');
  const clock = { now: 10_000_000 };
  const now = () => clock.now;
  const accounts = new Accounts(db, now, { passwordCost: TEST_PASSWORD_COST, ...options });
  const box = mailbox();
  const page = (path: string) => `https://shop.example${path}`;
  const changes = new EmailChanges(db, accounts, { mail: box.sender, page, now });
  return { clock, accounts, changes, mails: box.mails, done };
}

describe('email changes on a clock of the test', () => {
  it('counts a wrong password as a failed sign-in for the address and the email', async () => {
    const { accounts, done } = changesAlone({ loginAttempts: 2 });
    try {
      const signup = await accounts.signup('nora@example.com', PASSWORD, 'Nora', '192.0.2.1');
      if (!signup.ok) throw new Error('signup failed');
      const check = (password: string) => accounts.confirmPassword(signup.user, password, '192.0.2.9');
      expect(await check('wrong one 1')).toEqual({ ok: false, reason: 'wrong_password' });
      expect(await check('wrong one 2')).toEqual({ ok: false, reason: 'wrong_password' });
      // Past them: refused before the check, the right password too, and sign-ins alike.
      expect(await check(PASSWORD)).toMatchObject({ ok: false, reason: 'too_many_attempts' });
      expect(await accounts.login('nora@example.com', PASSWORD, '192.0.2.9')).toMatchObject({
        ok: false,
        reason: 'too_many_attempts',
      });
      // The owner elsewhere is not held to it.
      expect(await accounts.login('nora@example.com', PASSWORD, '192.0.2.2')).toMatchObject({ ok: true });
    } finally {
      done();
    }
  });

  it('mails at most five requests an hour for an account, and one a minute to an address', async () => {
    const { clock, accounts, changes, mails, done } = changesAlone();
    try {
      const signup = await accounts.signup('many@example.com', PASSWORD, 'Many');
      const other = await accounts.signup('other@example.com', PASSWORD, 'Other');
      if (!signup.ok || !other.ok) throw new Error('signup failed');
      const sent: unknown[] = [];
      const ask = async (userId: string, email: string, at: number) => {
        clock.now = 10_000_000 + at;
        sent.push((await changes.request(userId, email)).sent);
      };
      // A mistyped address, then the right one at once: both go.
      await ask(signup.user.id, 'a@example.com', 0);
      await ask(signup.user.id, 'b@example.com', 1000);
      // The same address again within its minute: nothing, from any account.
      await ask(other.user.id, 'b@example.com', 2000);
      await ask(signup.user.id, 'c@example.com', 3000);
      await ask(signup.user.id, 'd@example.com', 4000);
      // An address another account uses counts as any other.
      await ask(signup.user.id, 'other@example.com', 5000);
      await ask(signup.user.id, 'e@example.com', 6000); // a sixth within the hour
      await ask(signup.user.id, 'e@example.com', 3600_000 + 1); // the first has left the hour
      expect(sent).toEqual(['link', 'link', false, 'link', 'link', 'taken', false, 'link']);
      expect(mails).toHaveLength(12);
      expect(mails.filter((m) => m.to === 'many@example.com')).toHaveLength(6);
    } finally {
      done();
    }
  });

  it("lets one of two confirms of the same token win, and voids the account's other links", async () => {
    const { clock, accounts, changes, mails, done } = changesAlone();
    try {
      const signup = await accounts.signup('two@example.com', PASSWORD, 'Two');
      if (!signup.ok) throw new Error('signup failed');
      await changes.request(signup.user.id, 'first@example.com');
      clock.now += 1000;
      await changes.request(signup.user.id, 'second@example.com');
      const [first, second] = [mails[1]!, mails[3]!].map((m) => linkOf(m.text)!.token);
      const results = [changes.confirm(first!), changes.confirm(first!)];
      expect(results.map((r) => r.ok)).toEqual([true, false]);
      expect(changes.confirm(second!)).toEqual({ ok: false, reason: 'invalid_token' });
      expect(accounts.user(signup.user.id)!.email).toBe('first@example.com');
      // Past their hour they are swept, used or not.
      expect(changes.expire()).toBe(0);
      clock.now += EMAIL_CHANGE_TTL_MS;
      expect(changes.expire()).toBe(2);
    } finally {
      done();
    }
  });

  it('refuses a link past its hour', async () => {
    const { clock, accounts, changes, mails, done } = changesAlone();
    try {
      const signup = await accounts.signup('slow@example.com', PASSWORD, 'Slow');
      if (!signup.ok) throw new Error('signup failed');
      await changes.request(signup.user.id, 'later@example.com');
      const token = linkOf(mails[1]!.text)!.token;
      clock.now += EMAIL_CHANGE_TTL_MS;
      expect(changes.confirm(token)).toEqual({ ok: false, reason: 'invalid_token' });
      clock.now -= 1;
      expect(changes.confirm(token)).toMatchObject({ ok: true, user: { email: 'later@example.com' } });
    } finally {
      done();
    }
  });

  it('leaves no token behind when a mail could not be sent', async () => {
    const { db, done } = tempDb('shopsync-email-');
    try {
      const accounts = new Accounts(db, Date.now, { passwordCost: TEST_PASSWORD_COST });
      const changes = new EmailChanges(db, accounts, {
        mail: {
          send: () => Promise.reject(new Error('the mail server is down')),
          close() {},
        },
        page: (path) => `https://shop.example${path}`,
      });
      const signup = await accounts.signup('down@example.com', PASSWORD, 'Down');
      if (!signup.ok) throw new Error('signup failed');
      await expect(changes.request(signup.user.id, 'up@example.com')).rejects.toThrow('down');
      expect(db.prepare('SELECT count(*) AS n FROM email_changes').get()).toEqual({ n: 0 });
    } finally {
      done();
    }
  });

  it('masks the new address to its first letter and its domain', () => {
    expect(maskEmail('nora.new@example.com')).toBe('n***@example.com');
    expect(maskEmail('x@example.org')).toBe('x***@example.org');
  });
});
