import { randomBytes } from 'node:crypto';
import { passwordNamesAccount, type User } from '@shopsync/core';
import type { Logger } from 'pino';
import { type Db, statement } from '../db.js';
import { AfterAnswer } from '../mail/after-answer.js';
import type { Mail, MailSender } from '../mail/sender.js';
import { type Accounts, hashToken, type TooManyAttempts } from './accounts.js';

/** How long a reset link works after it was asked for. */
export const RESET_TTL_MS = 3600_000;
/**
 * Reset mails one account may be sent: one a minute, and MAILS_PER_HOUR in the hour before. A
 * request past them sends nothing (and is answered as any other), so whoever knows a shopper's
 * email cannot fill their mailbox; 5 an hour leaves room for a mail that went to spam.
 */
const MAIL_GAP_MS = 60_000;
const MAILS_PER_HOUR = 5;
const HOUR_MS = 3600_000;

export interface PasswordResetsOptions {
  /** Where the mails go (mail/sender.ts). */
  mail: MailSender;
  /**
   * The page a token is sent to, as shoppers reach the shop (SHOPSYNC_PUBLIC_URL); a function,
   * since the shop's own address is known only once it listens.
   */
  link: (token: string) => string;
  logger?: Pick<Logger, 'warn' | 'error'>;
  now?: () => number;
}

/** What a reset request came to: a mail sent, or why none was. */
export type ResetRequestResult =
  | { sent: true; userId: string }
  | { sent: false; reason: 'no_account' }
  | { sent: false; reason: 'too_many_mails'; userId: string };

/**
 * `ended`: the ids (sessionId) of the account's sign-ins that the new password ended; `token`:
 * the new sign-in of the browser that set it, `device` its device cookie under the new password.
 */
export type ResetResult =
  | { ok: true; user: User; token: string; ended: string[]; device: string }
  | { ok: false; reason: 'invalid_token' }
  /** The new password is the account's email (passwordNamesAccount says why). */
  | { ok: false; reason: 'weak_password'; message: string }
  | { ok: false; reason: 'busy' }
  | TooManyAttempts;

/**
 * "Forgot your password?": a link by mail, whose token sets a new password once within an hour.
 * Tokens are 32 random bytes; only their SHA-256 is stored (hashToken, as a session's), so a
 * copy of the database resets no one's password.
 */
export class PasswordResets {
  private readonly mail: MailSender;
  private readonly link: (token: string) => string;
  private readonly logger: Pick<Logger, 'warn' | 'error'> | undefined;
  private readonly now: () => number;
  /** The requests started by requestLater and not yet done. */
  private readonly later = new AfterAnswer();
  private limitLogged = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Db,
    private readonly accounts: Accounts,
    options: PasswordResetsOptions,
  ) {
    this.mail = options.mail;
    this.link = options.link;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  /**
   * request(email), begun once the current turn's I/O is done, so that the answer to whoever
   * asked is on its way first; what it comes to is logged (a mail that failed at error, the
   * account's limit at warn once a minute), without the email, the token or the link.
   */
  requestLater(email: string): void {
    this.later.run(() =>
      this.request(email).then(
        (result) => {
          if (result.sent || result.reason !== 'too_many_mails') return;
          if (this.now() - this.limitLogged < 60_000) return;
          this.limitLogged = this.now();
          this.logger?.warn(
            { userId: result.userId },
            `password reset mails refused for an account: at most 1 a minute and ${MAILS_PER_HOUR} an hour`,
          );
        },
        (err: unknown) => this.logger?.error({ err }, 'a password reset mail could not be sent'),
      ),
    );
  }

  /**
   * Waits for the requests under way (requestLater), for at most `withinMs`: the shop stopping,
   * before the database closes.
   */
  settle(withinMs = Number.POSITIVE_INFINITY): Promise<void> {
    return this.later.settle(withinMs);
  }

  /**
   * Mails a reset link to the account of `email`, if there is one and it was not sent too many
   * lately. Whoever asks is told the same whatever this comes to (no account, too many, sent),
   * and the route runs it after answering, so neither its answer nor its time tells whether an
   * account uses the email. A mail that could not be sent leaves no token behind (and so counts
   * for none of the account's), and rejects.
   */
  async request(email: string): Promise<ResetRequestResult> {
    const user = this.accounts.userByEmail(email);
    if (!user) return { sent: false, reason: 'no_account' };
    const token = randomBytes(32).toString('base64url');
    const stored = this.db
      .transaction((): boolean => {
        const at = this.now();
        const recent = statement(
          this.db,
          'SELECT count(*) AS n, max(created_at) AS last FROM password_resets WHERE user_id = ? AND created_at > ?',
        ).get(user.id, at - HOUR_MS) as { n: number; last: number | null };
        if (recent.n >= MAILS_PER_HOUR || (recent.last !== null && at - recent.last < MAIL_GAP_MS))
          return false;
        statement(
          this.db,
          'INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
        ).run(hashToken(token), user.id, at, at + RESET_TTL_MS);
        return true;
      })
      .immediate();
    if (!stored) return { sent: false, reason: 'too_many_mails', userId: user.id };
    try {
      await this.mail.send(resetMail(user, this.link(token)));
    } catch (err) {
      // Unless the shop has stopped meanwhile (settle gave up on this mail): the token is then
      // left to expire, as unknown to anyone as if deleted.
      if (this.db.open)
        statement(this.db, 'DELETE FROM password_resets WHERE token_hash = ?').run(hashToken(token));
      throw err;
    }
    return { sent: true, userId: user.id };
  }

  /**
   * Sets a new password with a reset token: unknown, used and expired tokens alike are
   * 'invalid_token'; a new password that is the account's email is 'weak_password' (checked
   * before the hash, as the token is). The new hash spends a password check of the address `from` and waits in the
   * hash queue (Accounts.newPasswordHash). Then, in one transaction: the token is taken (only if
   * still unused, so of two confirms at once one wins), the account's other reset tokens are
   * voided (and its email changes under way), the password set, a new sign-in made for this browser and every other one ended.
   * The new hash also voids the account's device cookies (devices.ts).
   */
  async confirm(token: string, newPassword: string, from = ''): Promise<ResetResult> {
    const hash = hashToken(token);
    // Checked before the slow hash too, so a dead link costs no password check.
    const email = this.emailFor(hash);
    if (email === undefined) return { ok: false, reason: 'invalid_token' };
    const weak = passwordNamesAccount(newPassword, email);
    if (weak) return { ok: false, reason: 'weak_password', message: weak };
    const passwordHash = await this.accounts.newPasswordHash(newPassword, from);
    if (typeof passwordHash !== 'string') return passwordHash;
    const done = this.db
      .transaction(() => {
        const at = this.now();
        const taken = statement(
          this.db,
          'UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id',
        ).get(at, hash, at) as { user_id: string } | undefined;
        if (!taken) return undefined;
        const userId = taken.user_id;
        this.accounts.voidMailedLinks(userId);
        statement(this.db, 'UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, userId);
        const session = this.accounts.createSession(userId);
        return { userId, session, ended: this.accounts.endOtherSessions(userId, session) };
      })
      .immediate();
    if (!done) return { ok: false, reason: 'invalid_token' };
    const user = this.accounts.user(done.userId);
    if (!user) throw new Error(`no user ${done.userId}`);
    return {
      ok: true,
      user,
      token: done.session,
      ended: done.ended,
      device: this.accounts.deviceCookie(user.id, passwordHash),
    };
  }

  /** Deletes the tokens past their hour (used or not: they count no mail any more); how many. */
  expire(): number {
    return statement(this.db, 'DELETE FROM password_resets WHERE expires_at <= ?').run(this.now()).changes;
  }

  /** The email of the account whose unused, unexpired token this is; undefined for none. */
  private emailFor(hash: string): string | undefined {
    const row = statement(
      this.db,
      `SELECT u.email FROM password_resets r JOIN users u ON u.id = r.user_id
       WHERE r.token_hash = ? AND r.used_at IS NULL AND r.expires_at > ?`,
    ).get(hash, this.now()) as { email: string } | undefined;
    return row?.email;
  }
}

/**
 * The mail with the link. It says nothing a signup chose but the email: not the account's name,
 * since signing up needs no proof of the email, and whoever signed up with another's would have
 * the shop mail them their own words.
 */
export function resetMail(user: User, link: string): Mail {
  return {
    to: user.email,
    subject: 'Choose a new ShopSync password',
    text: [
      `Someone, hopefully you, asked to choose a new password for the ShopSync account of ${user.email}.`,
      'To choose one, open this link within an hour. It works once:',
      '',
      link,
      '',
      'Choosing a new password signs you out on your other devices.',
      'If you did not ask, you can ignore this mail: your password stays as it is.',
      '',
    ].join('\n'),
  };
}
