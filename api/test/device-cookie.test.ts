import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Accounts } from '../src/accounts/accounts.js';
import { openDatabase } from '../src/db.js';

// Device cookies: a browser that signed in to an account before is not held to the limits of the
// address it shares with a bot. Every password check is a real scrypt hash: the budgets are tiny
// (1-2 checks) and the clock injected, so each test makes a handful.

function tempDb() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-device-'));
  const db = openDatabase(dir);
  return {
    db,
    done: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const SHARED = '203.0.113.77'; // a carrier's NAT: the bot and the real shoppers
const ELSEWHERE = '192.0.2.1';

describe('device cookies, in Accounts', () => {
  it("exempts the account's cookie from the per-address-and-email lockout a bot caused", async () => {
    const { db, done } = tempDb();
    const accounts = new Accounts(db, () => 5_000_000, { loginAttempts: 2, addressChecks: 100 });
    const ann = await accounts.signup('ann@example.com', 'password-7', 'Ann', ELSEWHERE);
    if (!ann.ok) throw new Error('signup failed');
    const cookie = accounts.deviceCookie(ann.user.id);
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
    const { db, done } = tempDb();
    let now = 5_000_000;
    // One check per 15 minutes for the address; two failures per 5 minutes for a cookie.
    const accounts = new Accounts(db, () => now, {
      addressChecks: 1,
      addressWindowMs: 15 * 60_000,
      deviceAttempts: 2,
      deviceWindowMs: 5 * 60_000,
    });
    const ann = await accounts.signup('ann@example.com', 'password-7', 'Ann', ELSEWHERE);
    if (!ann.ok) throw new Error('signup failed');
    const cookie = accounts.deviceCookie(ann.user.id);
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
    const other = accounts.deviceCookie(ann.user.id);
    expect((await accounts.login('ann@example.com', 'password-7', SHARED, other)).ok).toBe(true);
    // The cookie's window over (the address's not), it exempts again.
    now += 5 * 60_000;
    expect((await accounts.login('ann@example.com', 'password-7', SHARED, cookie)).ok).toBe(true);
    done();
  }, 120_000);

  it("holds an account's sign-ins through its cookies to their own checks", async () => {
    const { db, done } = tempDb();
    const accounts = new Accounts(db, () => 5_000_000, { addressChecks: 1, trustedChecks: 1 });
    const ann = await accounts.signup('ann@example.com', 'password-7', 'Ann', ELSEWHERE);
    if (!ann.ok) throw new Error('signup failed');
    expect((await accounts.login('x1@example.com', 'guess', SHARED)).ok).toBe(false);
    expect(
      (await accounts.login('ann@example.com', 'password-7', SHARED, accounts.deviceCookie(ann.user.id))).ok,
    ).toBe(true);
    // A new cookie (each success gives one) does not make more.
    expect(
      await accounts.login('ann@example.com', 'password-7', SHARED, accounts.deviceCookie(ann.user.id)),
    ).toMatchObject({ reason: 'too_many_attempts', per: 'address' });
    done();
  }, 120_000);
});
