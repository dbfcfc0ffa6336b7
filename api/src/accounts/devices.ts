import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a browser that
 * signed in to an account gets a cookie naming that account, signed by the shop. Its later
 * sign-ins to that account are then told apart from a bot's on the same address (an office, a
 * carrier's NAT): they are not held to the address's password checks nor to the per-email
 * lockout, only to the cookie's own limit of failures (Accounts).
 *
 * The value is `<user id>.<nonce>.<mac>`: the nonce is 16 random bytes, so two sign-ins of one
 * account get cookies counted apart; the mac is an HMAC-SHA256, with a key of the shop's
 * (deviceKey), over the user id, the nonce and the account's credential (its stored password
 * hash). It carries no password and no session token, and proves only that this browser signed
 * in to that account since its password was last set: a new password (a new hash, with a new
 * salt) makes every cookie issued before count for nothing, so whoever signed in with a leaked
 * password loses the exemption with it.
 */
const NONCE_BYTES = 16;
const COOKIE = /^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
/** Our cookies are under 150 characters; longer is not worth matching. */
const MAX_COOKIE_LENGTH = 200;

/**
 * The key device cookies are signed with, derived from the shop's secret (the one that signs sync
 * tokens) so that it needs no setting of its own and a sync token's key is never used as it is.
 * Changing the secret makes every device cookie count for nothing (sign-ins are then as without).
 */
export function deviceKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('shopsync device cookie v1').digest();
}

/** The account a cookie is read for: its id and its credential (the stored password hash). */
export interface DeviceAccount {
  id: string;
  credential: string;
}

/** A device cookie's content, once its signature is checked. */
export interface Device {
  userId: string;
  /** Tells one cookie of the account from another: its failures are counted under it. */
  nonce: string;
}

export class DeviceCookies {
  constructor(private readonly key: Buffer) {}

  /** A new cookie value naming `account`, with a fresh nonce, valid while its credential is. */
  issue(account: DeviceAccount): string {
    const nonce = randomBytes(NONCE_BYTES).toString('base64url');
    return `${account.id}.${nonce}.${this.mac(account, nonce)}`;
  }

  /**
   * The user and nonce a cookie value names, if it was issued for `account` under its present
   * credential; undefined when it is malformed, not signed by us, another account's, or issued
   * before the account's password was last set.
   */
  read(value: string | undefined, account: DeviceAccount): Device | undefined {
    if (!value || value.length > MAX_COOKIE_LENGTH) return undefined;
    const match = COOKIE.exec(value);
    if (!match) return undefined;
    const [, userId, nonce, mac] = match as unknown as [string, string, string, string];
    if (userId !== account.id) return undefined;
    // Compared as text, not as decoded bytes: one mac has one spelling.
    const expected = Buffer.from(this.mac(account, nonce));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return { userId, nonce };
  }

  private mac(account: DeviceAccount, nonce: string): string {
    return createHmac('sha256', this.key)
      .update(`${account.id}.${nonce}.${account.credential}`)
      .digest('base64url');
  }
}
