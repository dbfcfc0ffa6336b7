import { createHash, randomBytes } from 'node:crypto';
import type { Address, AddressInput, User } from '@shopsync/core';
import { rememberBounded } from '../bounded.js';
import { type Db, statement } from '../db.js';
import { newId } from '../ids.js';
import { Budget } from './budget.js';
import { DeviceCookies } from './devices.js';
import { Failures } from './failures.js';
import {
  costOf,
  dummyPasswordHash,
  type HashQueue,
  type HashShare,
  hashPassword,
  PASSWORD_COST,
  PasswordsBusy,
  passwordHashes,
  ShareTaken,
  verifyPassword,
} from './passwords.js';

const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
/**
 * How long a looked-up session is trusted without asking the database again. Logout through this
 * process takes effect at once; a session deleted by another process (scaled out) within this.
 */
const SESSION_CACHE_MS = 5000;
const SESSION_CACHE_SIZE = 10_000;
/** Our tokens are 43 characters; anything much longer is not worth hashing. */
const MAX_TOKEN_LENGTH = 200;
/**
 * Sign-in attempts without a success allowed per client address and email within the window;
 * past them that pair is refused without a password check until the window (counted from its
 * first attempt) ends. Known and unknown emails alike. Per address as well as email, so whoever
 * guesses locks the account for their own address only, not for its owner elsewhere.
 */
const LOGIN_ATTEMPTS = 20;
const LOGIN_WINDOW_MS = 15 * 60 * 1000;
const LOGIN_TRACKED = 100_000;
/**
 * Password checks (each an scrypt hash: a core for up to a second) one client address may have
 * across all emails within the window: sign-ins, sign-ups (a taken email too) and password
 * changes, failed or not. All of them at once, then one back every window / checks (Budget).
 * Past it the address is refused without a hash, so one address can neither take the shop's
 * CPU with sign-ins for random emails nor try one password on every account.
 */
const ADDRESS_CHECKS = 100;
const ADDRESS_WINDOW_MS = 15 * 60 * 1000;
const ADDRESS_TRACKED = 100_000;
/**
 * Password checks of one client address that may wait in the hash queue at once (its share of
 * the 256 places); the next is refused, to be tried again in a moment.
 */
const ADDRESS_WAITING = 8;
const SHARE_RETRY_MS = 1000;
/**
 * A sign-in that presents a device cookie of the account it signs in to (devices.ts) is held
 * neither to the address's password checks nor to the per-address-and-email lockout, so a bot on
 * an address shared with real shoppers neither takes their checks nor locks them out. Instead the
 * cookie has DEVICE_ATTEMPTS failures within the window (counted from its first); past them it no
 * longer exempts, and its sign-ins are counted as any other's. Keyed by the cookie's user and
 * nonce, for the 100,000 cookies used last.
 */
const DEVICE_ATTEMPTS = 10;
const DEVICE_WINDOW_MS = 15 * 60 * 1000;
const DEVICE_TRACKED = 100_000;
/**
 * Password checks one account may have through its device cookies within the window, across all
 * of them (a Budget, as ADDRESS_CHECKS): each successful sign-in issues a new cookie, so without it
 * whoever knows an account's password could have the shop hash without end. Past it the account's
 * sign-ins are counted as any other's.
 */
const TRUSTED_CHECKS = 100;
const TRUSTED_WINDOW_MS = 15 * 60 * 1000;
const TRUSTED_TRACKED = 100_000;

export interface AccountsOptions {
  /** Sign-in attempts without a success allowed per client address and email in a window. */
  loginAttempts?: number;
  loginWindowMs?: number;
  /** Password checks allowed per client address, across emails, in a window (ADDRESS_CHECKS). */
  addressChecks?: number;
  addressWindowMs?: number;
  /** Password checks of one client address that may wait in the hash queue at once. */
  addressWaiting?: number;
  /** Where password hashes wait their turn (default: the process's, passwordHashes). */
  hashQueue?: HashQueue;
  /** log2 of scrypt's N for new password hashes (passwords.ts PASSWORD_COST, PASSWORD_COSTS). */
  passwordCost?: number;
  /** Signs device cookies (devices.ts deviceKey); default: a random key, for this process only. */
  deviceKey?: Buffer;
  /** Failed sign-ins one device cookie may have in a window before it no longer exempts. */
  deviceAttempts?: number;
  deviceWindowMs?: number;
  /** Password checks one account may have through device cookies in a window (TRUSTED_CHECKS). */
  trustedChecks?: number;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: number;
}

const toUser = (r: UserRow): User => ({ id: r.id, email: r.email, name: r.name, createdAt: r.created_at });
/** Session tokens are stored only as this hash. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * A sign-in's id: its token's hash, the key it is stored under. Not a credential (every lookup
 * hashes what a request presents), so it may travel where the token must not: a sync token's
 * claims, which end up in URLs.
 */
export const sessionId = hashToken;

/**
 * Refused without a password check: past the attempts for this address and email, or with `per`
 * 'address', past the address's password checks (or its share of the queue) across all emails.
 */
export type TooManyAttempts = {
  ok: false;
  reason: 'too_many_attempts';
  retryAfterMs: number;
  per?: 'address';
};
/**
 * `busy`: too many password hashes are waiting (PasswordsBusy); nothing was done. `device`: a
 * device cookie for the browser that signed up or in (devices.ts).
 */
export type SignupResult =
  | { ok: true; user: User; token: string; device: string }
  | { ok: false; reason: 'email_taken' }
  | { ok: false; reason: 'busy' }
  | TooManyAttempts;
export type LoginResult =
  | { ok: true; user: User; token: string; device: string }
  | { ok: false; reason: 'invalid_credentials' }
  | { ok: false; reason: 'busy' }
  | TooManyAttempts;
/**
 * `ended`: the ids (sessionId) of the user's other sign-ins, which ended with the change;
 * `device`: a device cookie under the new password, for the browser that changed it.
 */
export type PasswordChangeResult =
  | { ok: true; ended: string[]; device: string }
  | { ok: false; reason: 'wrong_password' }
  | { ok: false; reason: 'changed_meanwhile' }
  | { ok: false; reason: 'busy' }
  | TooManyAttempts;

/** What a password check comes to: the account, or why not. */
type Checked =
  | { ok: true; row: UserRow }
  | { ok: false; reason: 'invalid_credentials' | 'busy' }
  | TooManyAttempts;

const perAddress = (retryAfterMs: number): TooManyAttempts => ({
  ok: false,
  reason: 'too_many_attempts',
  retryAfterMs,
  per: 'address',
});

/** What a check the hash queue refused answers: over the address's share, slow down; else busy. */
const refusal = (err: PasswordsBusy): TooManyAttempts | { ok: false; reason: 'busy' } =>
  err instanceof ShareTaken ? perAddress(SHARE_RETRY_MS) : { ok: false, reason: 'busy' };

/** Accounts and sessions. Session tokens are random; only their hash is stored. */
export class Accounts {
  /** Token -> its user and until when the entry may be used; bounded, oldest first out. */
  private readonly sessions = new Map<string, { user: User; until: number }>();
  /**
   * Client address and email -> sign-in attempts not yet followed by a success, since `since`;
   * bounded, oldest first out. In memory: per process.
   */
  private readonly failures: Failures;
  private readonly hashQueue: HashQueue;
  private readonly passwordCost: number;
  /** Password checks per client address, across emails. In memory: per process. */
  private readonly checks: Budget;
  private readonly addressWaiting: number;
  private readonly devices: DeviceCookies;
  /** Device cookie (user id and nonce) -> failed sign-ins since `since`; bounded, oldest first out. */
  private readonly deviceFailures: Failures;
  /** Password checks per account through its device cookies. In memory: per process. */
  private readonly trustedChecks: Budget;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
    options: AccountsOptions = {},
  ) {
    this.failures = new Failures(
      options.loginAttempts ?? LOGIN_ATTEMPTS,
      options.loginWindowMs ?? LOGIN_WINDOW_MS,
      LOGIN_TRACKED,
    );
    this.hashQueue = options.hashQueue ?? passwordHashes;
    this.passwordCost = options.passwordCost ?? PASSWORD_COST;
    this.checks = new Budget(
      options.addressChecks ?? ADDRESS_CHECKS,
      options.addressWindowMs ?? ADDRESS_WINDOW_MS,
      now,
      ADDRESS_TRACKED,
    );
    this.addressWaiting = options.addressWaiting ?? ADDRESS_WAITING;
    this.devices = new DeviceCookies(options.deviceKey ?? randomBytes(32));
    this.deviceFailures = new Failures(
      options.deviceAttempts ?? DEVICE_ATTEMPTS,
      options.deviceWindowMs ?? DEVICE_WINDOW_MS,
      DEVICE_TRACKED,
    );
    this.trustedChecks = new Budget(
      options.trustedChecks ?? TRUSTED_CHECKS,
      TRUSTED_WINDOW_MS,
      now,
      TRUSTED_TRACKED,
    );
  }

  /**
   * A device cookie for a browser that just proved it knows `credential`, the user's stored
   * password hash (a password reset sets one); sign-ins and signups return theirs.
   */
  deviceCookie(userId: string, credential: string): string {
    return this.devices.issue({ id: userId, credential });
  }

  /** `from`: the client's address; its password checks are counted (see ADDRESS_CHECKS). */
  async signup(email: string, password: string, name: string, from = ''): Promise<SignupResult> {
    // Spent before the email is looked up, a taken one too: that answer is instant, and one
    // address could otherwise ask about every email there is.
    const wait = this.checks.take(from);
    if (wait !== undefined) return perAddress(wait);
    if (this.findByEmail(email)) return { ok: false, reason: 'email_taken' };
    const hash = await this.hash(password, from);
    if (hash instanceof PasswordsBusy) return this.refused(hash, from);
    const user: User = { id: newId('u'), email, name, createdAt: this.now() };
    try {
      statement(
        this.db,
        'INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
      ).run(user.id, email, name, hash, user.createdAt);
    } catch (err) {
      // Two signups for one email at once: the UNIQUE constraint decides.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        return { ok: false, reason: 'email_taken' };
      throw err;
    }
    return {
      ok: true,
      user,
      token: this.createSession(user.id),
      device: this.devices.issue({ id: user.id, credential: hash }),
    };
  }

  /**
   * `from`: the client's address; attempts are counted per address and email. `device`: the
   * browser's device cookie, if any: one of this email's account exempts the sign-in from those
   * counts while it has failures left (DEVICE_ATTEMPTS); any other counts for nothing.
   */
  async login(email: string, password: string, from = '', device?: string): Promise<LoginResult> {
    const checked = await this.checkPassword(email, password, from, device);
    if (!checked.ok) return checked;
    // Under the password just checked: changed while the hash ran (a password change elsewhere,
    // which ends every other sign-in), it no longer signs in, and its cookie would be for the
    // new password.
    const credential = await this.atCurrentCost(checked.row, password, from);
    const token = this.createSession(checked.row.id, credential);
    if (token === undefined) return { ok: false, reason: 'invalid_credentials' };
    return {
      ok: true,
      user: toUser(checked.row),
      token,
      device: this.devices.issue({ id: checked.row.id, credential }),
    };
  }

  /**
   * Sets a new password for a signed-in user who gives the current one, and ends the user's
   * other sign-ins (a password changed because it leaked must lock out whoever used it); the
   * sign-in `token` that asked stays. A wrong current password counts as a failed sign-in.
   */
  async changePassword(
    user: User,
    token: string,
    current: string,
    next: string,
    from = '',
  ): Promise<PasswordChangeResult> {
    const checked = await this.checkPassword(user.email, current, from);
    if (!checked.ok) {
      if (checked.reason === 'too_many_attempts') return checked;
      return { ok: false, reason: checked.reason === 'busy' ? 'busy' : 'wrong_password' };
    }
    // The new password's hash is a check of its own.
    const hash = await this.newPasswordHash(next, from);
    if (typeof hash !== 'string') return hash;
    // Only over the password just checked, and only while this sign-in lasts: while the hashes
    // ran, another device may have changed it (and ended this sign-in), and the later change
    // must not silently undo the earlier one.
    const ended = this.db
      .transaction((): string[] | undefined => {
        if (!this.sessionLive(hashToken(token))) return undefined;
        if (!this.replaceHash(user.id, checked.row.password_hash, hash)) return undefined;
        // A reset link mailed before is for the password it replaces: it no longer sets one. Nor
        // does an email change asked for with it (whoever asked may be who it was changed against).
        this.voidMailedLinks(user.id);
        return this.endOtherSessions(user.id, token);
      })
      .immediate();
    if (!ended) return { ok: false, reason: 'changed_meanwhile' };
    // The new hash voids the account's device cookies (devices.ts); this browser gets one under it.
    return { ok: true, ended, device: this.devices.issue({ id: user.id, credential: hash }) };
  }

  /**
   * Checks the password of a signed-in user before a change that needs more than the session (a
   * new email), as a sign-in is checked: a wrong one counts as a failed sign-in for the address
   * and the account's email, and the check spends one of the address's (429 past them).
   */
  async confirmPassword(
    user: User,
    password: string,
    from = '',
  ): Promise<{ ok: true } | { ok: false; reason: 'wrong_password' | 'busy' } | TooManyAttempts> {
    const checked = await this.checkPassword(user.email, password, from);
    if (checked.ok) return { ok: true };
    if (checked.reason === 'too_many_attempts') return checked;
    return { ok: false, reason: checked.reason === 'busy' ? 'busy' : 'wrong_password' };
  }

  /**
   * Voids the user's unused links by mail (password resets, email changes): a new password or a
   * new email makes them stale, and they must not outlive what they were mailed under. Runs in
   * the caller's transaction.
   */
  voidMailedLinks(userId: string): void {
    const at = this.now();
    statement(this.db, 'UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL').run(
      at,
      userId,
    );
    statement(this.db, 'UPDATE email_changes SET used_at = ? WHERE user_id = ? AND used_at IS NULL').run(
      at,
      userId,
    );
  }

  /**
   * Sets the user's email: the user as now, or 'taken' when another account has it. Run it in an
   * IMMEDIATE transaction, so that no signup takes the address between the check and the write.
   * Every sign-in stays (they are the user's, whatever the address); the remembered ones read the
   * new email at their next use.
   */
  setEmail(userId: string, email: string): User | 'taken' | undefined {
    if (statement(this.db, 'SELECT 1 FROM users WHERE email = ? AND id != ?').get(email, userId))
      return 'taken';
    const row = statement(this.db, 'UPDATE users SET email = ? WHERE id = ? RETURNING *').get(
      email,
      userId,
    ) as UserRow | undefined;
    this.forgetSessions(userId);
    return row && toUser(row);
  }

  /**
   * The user's stored hash, made again at the shop's cost when it was made at another
   * (SHOPSYNC_PASSWORD_COST changed): the sign-in that just proved the password is the one moment
   * it can be. Until then a wrong password for that account takes the old cost's time, which tells
   * it from an unknown email (checked at the shop's cost). The new hash voids the account's other
   * device cookies (their signature covers it); this sign-in's cookie is issued under it. Left as
   * it was when the queue is busy (the next sign-in tries again) or the hash changed meanwhile.
   */
  private async atCurrentCost(row: UserRow, password: string, from: string): Promise<string> {
    if (costOf(row.password_hash) === this.passwordCost) return row.password_hash;
    const fresh = await this.hash(password, from);
    if (fresh instanceof PasswordsBusy) return row.password_hash;
    return this.replaceHash(row.id, row.password_hash, fresh) ? fresh : row.password_hash;
  }

  /** Sets the user's password hash to `next`, only if it is still `was`; whether it did. */
  private replaceHash(userId: string, was: string, next: string): boolean {
    return (
      statement(this.db, 'UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?').run(
        next,
        userId,
        was,
      ).changes === 1
    );
  }

  /**
   * Spends one of the address's password checks on work as dear (a password reset mail):
   * undefined when it had one, else the refusal.
   */
  spendCheck(from: string): TooManyAttempts | undefined {
    const wait = this.checks.take(from);
    return wait === undefined ? undefined : perAddress(wait);
  }

  /**
   * A new password's stored hash, made in the hash queue as a check of the address's (a password
   * change's second, a reset's): the refusal when the address has none left, its share of the
   * queue is taken, or the queue is full ('busy').
   */
  async newPasswordHash(
    password: string,
    from: string,
  ): Promise<string | TooManyAttempts | { ok: false; reason: 'busy' }> {
    const refused = this.spendCheck(from);
    if (refused) return refused;
    const hash = await this.hash(password, from);
    return hash instanceof PasswordsBusy ? this.refused(hash, from) : hash;
  }

  /** A password's stored hash, or the queue's refusal (PasswordsBusy). */
  private async hash(password: string, from: string): Promise<string | PasswordsBusy> {
    try {
      return await hashPassword(password, this.hashQueue, this.share(from), this.passwordCost);
    } catch (err) {
      if (err instanceof PasswordsBusy) return err;
      throw err;
    }
  }

  /** The address's place in the hash queue: at most addressWaiting of its checks wait. */
  private share(from: string): HashShare {
    return { key: from, most: this.addressWaiting };
  }

  /** A check the hash queue refused: the address gets it back (it was not made); see `refusal`. */
  private refused(err: PasswordsBusy, from: string): TooManyAttempts | { ok: false; reason: 'busy' } {
    this.checks.giveBack(from);
    return refusal(err);
  }

  /** Ends every sign-in of the user but `token`'s; their ids (sessionId). */
  endOtherSessions(userId: string, token: string): string[] {
    const ids = (
      statement(
        this.db,
        'DELETE FROM sessions WHERE user_id = ? AND token_hash != ? RETURNING token_hash',
      ).all(userId, hashToken(token)) as { token_hash: string }[]
    ).map((r) => r.token_hash);
    // Remembered sign-ins would still be accepted for a few seconds.
    this.forgetSessions(userId, token);
    return ids;
  }

  /**
   * The account of `email` if `password` is its password, counting failures per address and
   * email, and the check against the address's budget.
   */
  private async checkPassword(
    email: string,
    password: string,
    from: string,
    device?: string,
  ): Promise<Checked> {
    if (device !== undefined) {
      const trusted = await this.checkFromDevice(email, password, from, device);
      if (trusted) return trusted;
    }
    const key = `${from} ${email.toLowerCase()}`;
    const start = this.now();
    const counted = this.failures.read(key, start);
    if (this.failures.spent(counted)) {
      // Set again at every attempt, so a pair still being tried is the last the bound drops.
      this.failures.set(key, counted);
      return {
        ok: false,
        reason: 'too_many_attempts',
        retryAfterMs: counted.since + this.failures.windowMs - start,
      };
    }
    // After the refusal above, which costs no hash and so spends none of the address's checks.
    const wait = this.checks.take(from);
    if (wait !== undefined) return perAddress(wait);
    // Counted before the slow password check, so a burst of parallel guesses is held to the limit
    // too; a successful sign-in clears the count.
    this.failures.set(key, { count: counted.count + 1, since: counted.since });
    const row = this.findByEmail(email);
    let valid: boolean;
    try {
      valid = await verifyPassword(
        password,
        row?.password_hash ?? (await dummyPasswordHash(this.passwordCost)),
        this.hashQueue,
        this.share(from),
      );
    } catch (err) {
      if (!(err instanceof PasswordsBusy)) throw err;
      // Not checked, so not counted.
      this.failures.set(key, counted);
      return this.refused(err, from);
    }
    if (!row || !valid) return { ok: false, reason: 'invalid_credentials' };
    this.failures.clear(key);
    return { ok: true, row };
  }

  /**
   * checkPassword for a sign-in presenting a device cookie: undefined, and nothing counted, when
   * the cookie does not exempt it (malformed, not signed by us, another account's, issued before
   * the password was last set, past its failures, or the account past its trusted checks); the
   * caller then counts it as any other.
   * Otherwise neither the address's checks nor its per-email failures are touched: a failure is
   * counted against the cookie, and a success does not reset the address's count for the email
   * (else each of the owner's sign-ins would give a guesser there another 20).
   */
  private async checkFromDevice(
    email: string,
    password: string,
    from: string,
    cookie: string,
  ): Promise<Checked | undefined> {
    const row = this.findByEmail(email);
    if (!row) return undefined;
    const device = this.devices.read(cookie, { id: row.id, credential: row.password_hash });
    if (!device) return undefined;
    const key = `${device.userId}.${device.nonce}`;
    const counted = this.deviceFailures.read(key, this.now());
    if (this.deviceFailures.spent(counted)) return undefined;
    if (this.trustedChecks.take(row.id) !== undefined) return undefined;
    // Counted before the slow check, as checkPassword does, so parallel guesses are held too.
    this.deviceFailures.set(key, { count: counted.count + 1, since: counted.since });
    let valid: boolean;
    try {
      // The address's share of the queue still applies: it bounds how much of it one address holds.
      valid = await verifyPassword(password, row.password_hash, this.hashQueue, this.share(from));
    } catch (err) {
      if (!(err instanceof PasswordsBusy)) throw err;
      // Not checked, so not counted.
      this.deviceFailures.set(key, counted);
      this.trustedChecks.giveBack(row.id);
      return refusal(err);
    }
    if (!valid) return { ok: false, reason: 'invalid_credentials' };
    this.deviceFailures.clear(key);
    return { ok: true, row };
  }

  logout(token: string): void {
    this.sessions.delete(token);
    statement(this.db, 'DELETE FROM sessions WHERE token_hash = ?').run(hashToken(token));
  }

  /**
   * Deletes the sessions that have expired (they already sign no one in); returns their ids
   * (sessionId), to end what still rests on them: a cart sync, an order's live status.
   */
  expireSessions(): string[] {
    return (
      statement(this.db, 'DELETE FROM sessions WHERE expires_at <= ? RETURNING token_hash').all(
        this.now(),
      ) as {
        token_hash: string;
      }[]
    ).map((r) => r.token_hash);
  }

  /** Whether the sign-in of this id (sessionId) is live: not signed out, not expired. */
  sessionLive(id: string): boolean {
    return (
      statement(this.db, 'SELECT 1 FROM sessions WHERE token_hash = ? AND expires_at > ?').get(
        id,
        this.now(),
      ) !== undefined
    );
  }

  /** The user of a live session; undefined for an unknown, expired or implausibly long token. */
  userForToken(token: string): User | undefined {
    if (token.length > MAX_TOKEN_LENGTH) return undefined;
    const now = this.now();
    const cached = this.sessions.get(token);
    if (cached && cached.until > now) return cached.user;
    const row = statement(
      this.db,
      `SELECT u.*, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?`,
    ).get(hashToken(token), now) as (UserRow & { expires_at: number }) | undefined;
    this.sessions.delete(token);
    if (!row) return undefined;
    const user = toUser(row);
    // Unknown tokens are not cached, so guessing cannot push real sessions out.
    const until = Math.min(now + SESSION_CACHE_MS, row.expires_at);
    rememberBounded(this.sessions, token, { user, until }, SESSION_CACHE_SIZE);
    return user;
  }

  /** The user's addresses, oldest first, without those they removed. */
  addresses(userId: string): Address[] {
    const rows = statement(
      this.db,
      'SELECT id, body FROM addresses WHERE user_id = ? AND removed_at IS NULL ORDER BY created_at',
    ).all(userId) as { id: string; body: string }[];
    return rows.map((r) => ({ ...(JSON.parse(r.body) as AddressInput), id: r.id }));
  }

  /** One of the user's addresses, removed or not (an order shows where it went): undefined if not theirs. */
  address(userId: string, addressId: string): (Address & { removed: boolean }) | undefined {
    const row = statement(
      this.db,
      'SELECT id, body, removed_at FROM addresses WHERE id = ? AND user_id = ?',
    ).get(addressId, userId) as { id: string; body: string; removed_at: number | null } | undefined;
    return row && { ...(JSON.parse(row.body) as AddressInput), id: row.id, removed: row.removed_at !== null };
  }

  /**
   * Takes an address off the user's list. It is kept for the orders sent to it (and for a retry
   * of an order placed with it, which must get the first answer): false if it is not theirs or
   * already removed.
   */
  removeAddress(userId: string, addressId: string): boolean {
    return (
      statement(
        this.db,
        'UPDATE addresses SET removed_at = ? WHERE id = ? AND user_id = ? AND removed_at IS NULL',
      ).run(this.now(), addressId, userId).changes === 1
    );
  }

  addAddress(userId: string, input: AddressInput): Address {
    const id = newId('addr', 9);
    statement(this.db, 'INSERT INTO addresses (id, user_id, body, created_at) VALUES (?, ?, ?, ?)').run(
      id,
      userId,
      JSON.stringify(input),
      this.now(),
    );
    return { ...input, id };
  }

  /** Whether the user has this address and still offers it (`active`), or removed it; undefined: none such. */
  addressState(userId: string, addressId: string): 'active' | 'removed' | undefined {
    const row = statement(this.db, 'SELECT removed_at FROM addresses WHERE id = ? AND user_id = ?').get(
      addressId,
      userId,
    ) as { removed_at: number | null } | undefined;
    if (!row) return undefined;
    return row.removed_at === null ? 'active' : 'removed';
  }

  /** Sets the user's name; the user as now, or undefined when there is no such user. */
  rename(userId: string, name: string): User | undefined {
    const row = statement(this.db, 'UPDATE users SET name = ? WHERE id = ? RETURNING *').get(name, userId) as
      | UserRow
      | undefined;
    // Sign-ins remembered with the old name (userForToken) look it up again.
    this.forgetSessions(userId);
    return row && toUser(row);
  }

  /** Drops the user's remembered sign-ins (userForToken) but `except`'s: the next use reads them. */
  private forgetSessions(userId: string, except?: string): void {
    for (const [token, entry] of this.sessions)
      if (entry.user.id === userId && token !== except) this.sessions.delete(token);
  }

  /** The user of this id, if there is one. */
  user(id: string): User | undefined {
    const row = statement(this.db, 'SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row && toUser(row);
  }

  /** The user of this email (as stored: lower case), if there is one. */
  userByEmail(email: string): User | undefined {
    const row = this.findByEmail(email);
    return row && toUser(row);
  }

  private findByEmail(email: string): UserRow | undefined {
    return statement(this.db, 'SELECT * FROM users WHERE email = ?').get(email) as UserRow | undefined;
  }

  /**
   * A new sign-in of the user: its token, of which only the hash is stored. With `credential`,
   * only while it is still the user's password hash.
   */
  createSession(userId: string): string;
  createSession(userId: string, credential: string): string | undefined;
  createSession(userId: string, credential?: string): string | undefined {
    const token = randomBytes(32).toString('base64url');
    const at = this.now();
    const row = [hashToken(token), userId, at, at + SESSION_TTL_MS] as const;
    if (credential === undefined) {
      statement(
        this.db,
        'INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
      ).run(...row);
      return token;
    }
    const made = statement(
      this.db,
      `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) SELECT ?, ?, ?, ?
         WHERE EXISTS (SELECT 1 FROM users WHERE id = ? AND password_hash = ?)`,
    ).run(...row, userId, credential).changes;
    return made === 1 ? token : undefined;
  }
}
