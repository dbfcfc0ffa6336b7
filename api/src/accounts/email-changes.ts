import { randomBytes } from 'node:crypto';
import type { User } from '@shopsync/core';
import type { Logger } from 'pino';
import { type Db, statement } from '../db.js';
import { AfterAnswer } from '../mail/after-answer.js';
import type { Mail, MailSender } from '../mail/sender.js';
import { type Accounts, hashToken } from './accounts.js';

/** How long an email change's link works after it was asked for (a reset link's hour). */
export const EMAIL_CHANGE_TTL_MS = 3600_000;
/**
 * Requests that send mail: MAILS_PER_HOUR an hour for one account (its old address is mailed
 * each time), and for one new address, at most one a minute to it. Past them a request sends
 * nothing and is answered as any other, so neither a shopper's inbox nor a stranger's can be
 * filled from one account, nor from many (each of which costs a signup). No gap per account: a
 * shopper who mistyped the address asks again at once, for another one.
 */
const MAIL_GAP_MS = 60_000;
const MAILS_PER_HOUR = 5;
const HOUR_MS = 3600_000;

export interface EmailChangesOptions {
  /** Where the mails go (mail/sender.ts). */
  mail: MailSender;
  /**
   * A page of the shop as shoppers reach it (SHOPSYNC_PUBLIC_URL + path); a function, since the
   * shop's own address is known only once it listens.
   */
  page: (path: string) => string;
  logger?: Pick<Logger, 'warn' | 'error'>;
  now?: () => number;
}

/**
 * What a request came to: a link mailed to the new address, a notice mailed to an address that
 * another account uses, or why nothing was. Whoever asked is told none of these.
 */
export type EmailChangeRequestResult =
  | { sent: 'link' | 'taken'; userId: string }
  | { sent: false; reason: 'no_account' }
  | { sent: false; reason: 'too_many_mails'; userId: string };

export type EmailChangeResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid_token' }
  /** Another account took the address since the link was mailed: nothing changed. */
  | { ok: false; reason: 'email_taken' };

/**
 * A signed-in shopper's new email, proven by mail: a link to the new address (its token sets it
 * once within an hour), and a notice to the old one, which names the new one only in part. An
 * address another account uses is answered alike and mailed a notice instead of a link, so that
 * asking tells no one which addresses have accounts. Tokens are 32 random bytes; only their
 * SHA-256 is stored (hashToken, as a session's and a reset's).
 */
export class EmailChanges {
  private readonly mail: MailSender;
  private readonly page: (path: string) => string;
  private readonly logger: Pick<Logger, 'warn' | 'error'> | undefined;
  private readonly now: () => number;
  private readonly later = new AfterAnswer();
  private limitLogged = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Db,
    private readonly accounts: Accounts,
    options: EmailChangesOptions,
  ) {
    this.mail = options.mail;
    this.page = options.page;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  /**
   * request(userId, email), begun once the current turn's I/O is done, so that the answer is on
   * its way first: neither it nor its time tells whether another account uses the address. What
   * it comes to is logged (a mail that failed at error, a limit at warn once a minute), without
   * the addresses, the token or the link.
   */
  requestLater(userId: string, email: string): void {
    this.later.run(() =>
      this.request(userId, email).then(
        (result) => {
          if (result.sent || result.reason !== 'too_many_mails') return;
          if (this.now() - this.limitLogged < 60_000) return;
          this.limitLogged = this.now();
          this.logger?.warn(
            { userId: result.userId },
            `email change mails refused: at most ${MAILS_PER_HOUR} an hour for an account, and 1 a minute and ${MAILS_PER_HOUR} an hour to an address`,
          );
        },
        (err: unknown) => this.logger?.error({ err }, 'an email change mail could not be sent'),
      ),
    );
  }

  /** Waits for the requests under way (requestLater), for at most `withinMs`. */
  settle(withinMs = Number.POSITIVE_INFINITY): Promise<void> {
    return this.later.settle(withinMs);
  }

  /**
   * Mails the account's current address a notice, and `email` a link that makes it the account's
   * email, or, when another account uses it, a notice saying so (with a token stored all the same,
   * used up at once: the request counts toward the limits as a link's does). A mail that could
   * not be sent leaves no token behind, and rejects.
   */
  async request(userId: string, email: string): Promise<EmailChangeRequestResult> {
    const user = this.accounts.user(userId);
    if (!user) return { sent: false, reason: 'no_account' };
    const taken = this.accounts.userByEmail(email) !== undefined;
    const token = randomBytes(32).toString('base64url');
    const stored = this.db
      .transaction((): boolean => {
        const at = this.now();
        const mine = statement(
          this.db,
          'SELECT count(*) AS n FROM email_changes WHERE user_id = ? AND created_at > ?',
        ).get(userId, at - HOUR_MS) as { n: number };
        const theirs = statement(
          this.db,
          'SELECT count(*) AS n, max(created_at) AS last FROM email_changes WHERE new_email = ? AND created_at > ?',
        ).get(email, at - HOUR_MS) as { n: number; last: number | null };
        if (
          mine.n >= MAILS_PER_HOUR ||
          theirs.n >= MAILS_PER_HOUR ||
          (theirs.last !== null && at - theirs.last < MAIL_GAP_MS)
        )
          return false;
        statement(
          this.db,
          'INSERT INTO email_changes (token_hash, user_id, new_email, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?)',
        ).run(hashToken(token), userId, email, at, at + EMAIL_CHANGE_TTL_MS, taken ? at : null);
        return true;
      })
      .immediate();
    if (!stored) return { sent: false, reason: 'too_many_mails', userId };
    try {
      // The old address first: no link is out before its owner has been told.
      await this.mail.send(oldAddressMail(user.email, email, this.page('/account')));
      await this.mail.send(
        taken
          ? takenAddressMail(email, this.page('/forgot-password'))
          : newAddressMail(email, this.page(`/confirm-email?token=${token}`)),
      );
    } catch (err) {
      // Unless the shop has stopped meanwhile (settle gave up on this mail): the token is then
      // left to expire, as unknown to anyone as if deleted.
      if (this.db.open)
        statement(this.db, 'DELETE FROM email_changes WHERE token_hash = ?').run(hashToken(token));
      throw err;
    }
    return { sent: taken ? 'taken' : 'link', userId };
  }

  /**
   * Makes a link's address the account's email: unknown, used and expired tokens alike are
   * 'invalid_token'. In one IMMEDIATE transaction: the address is checked free again (another
   * account may have taken it since: 'email_taken', and the token stays as it was), the token
   * taken (only if still unused, so of two confirms at once one wins), the email set, and the
   * account's other links voided: its other email changes, and its password resets, which went to
   * the old address. Sign-ins and device cookies stay: they are keyed by the account, not its
   * address, and nothing of the password changed.
   */
  confirm(token: string): EmailChangeResult {
    const hash = hashToken(token);
    return this.db
      .transaction((): EmailChangeResult => {
        const at = this.now();
        const link = statement(
          this.db,
          'SELECT user_id, new_email FROM email_changes WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?',
        ).get(hash, at) as { user_id: string; new_email: string } | undefined;
        if (!link) return { ok: false, reason: 'invalid_token' };
        const user = this.accounts.setEmail(link.user_id, link.new_email);
        if (user === 'taken') return { ok: false, reason: 'email_taken' };
        if (!user) return { ok: false, reason: 'invalid_token' };
        this.accounts.voidMailedLinks(link.user_id);
        return { ok: true, user };
      })
      .immediate();
  }

  /** Deletes the tokens past their hour (used or not: they count no mail any more); how many. */
  expire(): number {
    return statement(this.db, 'DELETE FROM email_changes WHERE expires_at <= ?').run(this.now()).changes;
  }
}

/**
 * "nora@example.com" as "n***@example.com": enough for the owner of the old address to know
 * their own new one, not enough to give a stranger's address to whoever reads the old mailbox.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, Math.min(1, at))}***${email.slice(at)}`;
}

/**
 * The link, to the new address. Like a reset's mail it says nothing the account chose but the
 * address (not its name): whoever knows an account's password could otherwise have the shop mail
 * their words to any address.
 */
export function newAddressMail(email: string, link: string): Mail {
  return {
    to: email,
    subject: 'Confirm your new ShopSync email address',
    text: [
      `Someone, hopefully you, asked to make ${email} the email address of their ShopSync account.`,
      'To confirm it, open this link within an hour. It works once:',
      '',
      link,
      '',
      'Until then the account keeps its old address. If you did not ask, you can ignore this mail.',
      '',
    ].join('\n'),
  };
}

/** To an address another account uses: in place of the link, so that the request tells nothing. */
export function takenAddressMail(email: string, forgotPassword: string): Mail {
  return {
    to: email,
    subject: 'Your ShopSync email address',
    text: [
      `Someone signed in to a ShopSync account asked to make ${email} its email address.`,
      'Your ShopSync account already uses this address, so it was not given to another account.',
      '',
      'If it was you, you already have an account with this address: sign in with it, or choose a',
      `new password for it here: ${forgotPassword}`,
      '',
      'If it was not you, you can ignore this mail.',
      '',
    ].join('\n'),
  };
}

/** To the account's current address, at every request: a change its owner did not ask for is a takeover. */
export function oldAddressMail(email: string, newEmail: string, account: string): Mail {
  return {
    to: email,
    subject: 'Your ShopSync email address is being changed',
    text: [
      `Someone signed in to your ShopSync account asked to change its email address from ${email} to ${maskEmail(newEmail)}.`,
      'It changes only if the link mailed to the new address is opened within an hour; until then',
      `you sign in with ${email}, as before.`,
      '',
      'If this was not you, whoever asked knows your password: change it now, on your account page:',
      account,
      'A new password cancels the change and signs you out on every other device.',
      '',
    ].join('\n'),
  };
}
