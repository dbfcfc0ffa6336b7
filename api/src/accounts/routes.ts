import {
  AddressInput,
  EmailChangeConfirmInput,
  EmailChangeInput,
  LoginInput,
  PasswordChangeInput,
  PasswordResetInput,
  PasswordResetRequestInput,
  ProfileInput,
  passwordNamesAccount,
  SignupInput,
  type User,
} from '@shopsync/core';
import { type Context, Hono } from 'hono';
import type { Logger } from 'pino';
import type { Carts } from '../cart/carts.js';
import {
  type AppEnv,
  clearSessionCookie,
  readDeviceCookie,
  readGuestId,
  requireUser,
  setDeviceCookie,
  setSessionCookie,
} from '../http/auth.js';
import { ApiError, parseBody } from '../http/errors.js';
import { requestAddress } from '../http/headers.js';
import { type Accounts, sessionId, type TooManyAttempts } from './accounts.js';
import type { EmailChanges } from './email-changes.js';
import type { PasswordResets } from './resets.js';

/**
 * `trustedProxies`: reverse proxies whose X-Forwarded-For gives the client address (address.ts).
 * `signedOut`: told the id (sessionId) of each sign-in that ends, to end what rests on it.
 * `logger`: told (once a minute at most) when an address runs out of password checks.
 * `resets`: password resets by mail; without it there are no reset routes.
 * `emailChanges`: email changes by mail; without it there are no email change routes.
 */
export function accountRoutes(
  accounts: Accounts,
  carts: Carts,
  secureCookies: boolean,
  trustedProxies = 0,
  signedOut: (session: string) => void = () => {},
  logger?: Pick<Logger, 'warn'>,
  resets?: PasswordResets,
  emailChanges?: EmailChanges,
) {
  const app = new Hono<AppEnv>();
  let addressLimitLogged = 0;

  /** The 429; an address out of password checks is logged, as the sync server logs its limit. */
  const refuse = (c: Context, refused: TooManyAttempts): ApiError => {
    if (refused.per === 'address' && Date.now() - addressLimitLogged > 60_000) {
      addressLimitLogged = Date.now();
      // Behind a reverse proxy not declared as trusted, every shopper is the proxy's address.
      const forwarded = trustedProxies === 0 && c.req.header('x-forwarded-for') !== undefined;
      logger?.warn(
        { address: requestAddress(c, trustedProxies), forwarded },
        forwarded
          ? 'a client address was refused password checks (its budget or its share of the queue); if the shop is behind reverse proxies, set SHOPSYNC_TRUSTED_PROXIES'
          : 'a client address was refused password checks (its budget or its share of the queue)',
      );
    }
    return tooManyAttempts(c, refused);
  };

  /**
   * This browser is now signed in as `user` with `token`: the session cookie, the device cookie
   * issued under the password just checked or set, and the guest cart's lines joined to the
   * account's; how many joined.
   */
  const signIn = async (c: Context, user: User, token: string, device: string): Promise<number> => {
    setSessionCookie(c, token, secureCookies);
    setDeviceCookie(c, device, secureCookies);
    const guest = readGuestId(c, secureCookies);
    return guest ? await carts.mergeGuestCart(guest, user.id) : 0;
  };

  app.post('/auth/signup', async (c) => {
    const input = await parseBody(c, SignupInput);
    const result = await accounts.signup(
      input.email,
      input.password,
      input.name,
      requestAddress(c, trustedProxies),
    );
    if (!result.ok && result.reason === 'too_many_attempts') throw refuse(c, result);
    if (!result.ok && result.reason === 'busy') throw busy(c);
    if (!result.ok) throw new ApiError(409, 'email_taken', 'an account with this email exists');
    const guestLinesMerged = await signIn(c, result.user, result.token, result.device);
    return c.json({ user: result.user, token: result.token, guestLinesMerged }, 201);
  });

  app.post('/auth/login', async (c) => {
    const input = await parseBody(c, LoginInput);
    // The browser's device cookie, if it signed in to this account before, exempts it from the
    // address's limits (Accounts.login); each success sets a new one.
    const result = await accounts.login(
      input.email,
      input.password,
      requestAddress(c, trustedProxies),
      readDeviceCookie(c, secureCookies),
    );
    if (!result.ok && result.reason === 'too_many_attempts') throw refuse(c, result);
    if (!result.ok && result.reason === 'busy') throw busy(c);
    if (!result.ok) throw new ApiError(401, 'invalid_credentials', 'the email or the password is wrong');
    const guestLinesMerged = await signIn(c, result.user, result.token, result.device);
    return c.json({ user: result.user, token: result.token, guestLinesMerged });
  });

  if (resets) {
    // "Forgot your password?" (resets.ts). The same 202 whether or not an account uses the email,
    // and the mail is made after the answer, so neither the answer nor its time tells. The
    // address's password checks are spent first, for any email, as a signup's is: one address
    // cannot ask for links to every email there is.
    app.post('/auth/password-reset', async (c) => {
      const input = await parseBody(c, PasswordResetRequestInput);
      const refused = accounts.spendCheck(requestAddress(c, trustedProxies));
      if (refused) throw refuse(c, refused);
      resets.requestLater(input.email);
      return c.json({}, 202);
    });

    // The link's token and a new password: signed in here, as a login is; the account's other
    // sign-ins end (and the cart sync opened on them), as a password change ends them.
    app.post('/auth/password-reset/confirm', async (c) => {
      const input = await parseBody(c, PasswordResetInput);
      const result = await resets.confirm(input.token, input.newPassword, requestAddress(c, trustedProxies));
      if (!result.ok && result.reason === 'too_many_attempts') throw refuse(c, result);
      if (!result.ok && result.reason === 'busy') throw busy(c);
      if (!result.ok && result.reason === 'weak_password') throw weakPassword('newPassword', result.message);
      if (!result.ok)
        throw new ApiError(
          400,
          'reset_token_invalid',
          'this password reset link is unknown, used or expired: ask for a new one',
        );
      for (const session of result.ended) signedOut(session);
      const guestLinesMerged = await signIn(c, result.user, result.token, result.device);
      return c.json({
        user: result.user,
        token: result.token,
        endedSessions: result.ended.length,
        guestLinesMerged,
      });
    });
  }

  app.post('/auth/logout', (c) => {
    const token = c.get('sessionToken');
    if (token) {
      accounts.logout(token);
      // Cart sync opened on this sign-in (by its sync tokens or its cookie) ends with it.
      signedOut(sessionId(token));
    }
    clearSessionCookie(c, secureCookies);
    return c.body(null, 204);
  });

  app.get('/me', (c) => c.json({ user: requireUser(c) }));

  // The shopper's name (the email is changed by mail: POST /me/email).
  app.patch('/me', async (c) => {
    const user = requireUser(c);
    const { name } = await parseBody(c, ProfileInput);
    const renamed = accounts.rename(user.id, name);
    if (!renamed) throw new ApiError(401, 'unauthenticated', 'sign in first');
    return c.json({ user: renamed });
  });

  // A new password ends the account's other sign-ins (and the cart sync opened on them) and voids
  // the account's device cookies; this sign-in stays and gets a new one. A wrong current password
  // is 403, not 401: the shopper is still signed in.
  app.post('/me/password', async (c) => {
    const user = requireUser(c);
    const input = await parseBody(c, PasswordChangeInput);
    const weak = passwordNamesAccount(input.newPassword, user.email);
    if (weak) throw weakPassword('newPassword', weak);
    const result = await accounts.changePassword(
      user,
      c.get('sessionToken')!,
      input.currentPassword,
      input.newPassword,
      requestAddress(c, trustedProxies),
    );
    if (!result.ok && result.reason === 'too_many_attempts') throw refuse(c, result);
    if (!result.ok && result.reason === 'busy') throw busy(c);
    if (!result.ok && result.reason === 'changed_meanwhile')
      throw new ApiError(409, 'password_changed', 'the password was changed or this sign-in ended meanwhile');
    if (!result.ok) throw new ApiError(403, 'wrong_password', 'the current password is wrong');
    for (const session of result.ended) signedOut(session);
    setDeviceCookie(c, result.device, secureCookies);
    return c.json({ endedSessions: result.ended.length });
  });

  if (emailChanges) {
    // A new email (email-changes.ts), with the password, checked as a sign-in's: a session alone
    // does not move where the account's resets go. The same 202 whether or not another account
    // uses the address, and its lookup and the mails come after the answer, so neither tells.
    app.post('/me/email', async (c) => {
      const user = requireUser(c);
      const input = await parseBody(c, EmailChangeInput);
      // Before the password's check, which it would spend for nothing.
      if (input.email === user.email)
        throw new ApiError(400, 'email_unchanged', 'this is the email of the account already');
      const checked = await accounts.confirmPassword(user, input.password, requestAddress(c, trustedProxies));
      if (!checked.ok && checked.reason === 'too_many_attempts') throw refuse(c, checked);
      if (!checked.ok && checked.reason === 'busy') throw busy(c);
      if (!checked.ok) throw new ApiError(403, 'wrong_password', 'the password is wrong');
      emailChanges.requestLater(user.id, input.email);
      return c.json({}, 202);
    });

    // The link's token, from whichever browser opens the mail: it proves the new address, and
    // the request proved the password. Nothing else of the account changes, its sign-ins included.
    app.post('/me/email/confirm', async (c) => {
      const input = await parseBody(c, EmailChangeConfirmInput);
      const result = emailChanges.confirm(input.token);
      if (!result.ok && result.reason === 'email_taken')
        throw new ApiError(
          409,
          'email_taken',
          'another account has used this email since the link was mailed: nothing was changed',
        );
      if (!result.ok)
        throw new ApiError(
          400,
          'email_change_token_invalid',
          'this email change link is unknown, used or expired: ask for a new one on the account page',
        );
      return c.json({ email: result.user.email });
    });
  }

  // "Sign out everywhere else": a lost phone, a shared computer left signed in.
  app.post('/auth/logout-others', (c) => {
    const user = requireUser(c);
    const ended = accounts.endOtherSessions(user.id, c.get('sessionToken')!);
    for (const session of ended) signedOut(session);
    return c.json({ endedSessions: ended.length });
  });

  app.get('/me/addresses', (c) => c.json({ items: accounts.addresses(requireUser(c).id) }));

  app.post('/me/addresses', async (c) => {
    const user = requireUser(c);
    const input = await parseBody(c, AddressInput);
    if (accounts.addresses(user.id).length >= 50)
      throw new ApiError(409, 'too_many_addresses', 'at most 50 addresses');
    return c.json(accounts.addAddress(user.id, input), 201);
  });

  // Removed addresses too: an order page shows where the order went. Another user's is a 404.
  app.get('/me/addresses/:id', (c) => {
    const address = accounts.address(requireUser(c).id, c.req.param('id'));
    if (!address) throw new ApiError(404, 'address_not_found', 'no such address');
    return c.json(address);
  });

  app.delete('/me/addresses/:id', (c) => {
    if (!accounts.removeAddress(requireUser(c).id, c.req.param('id')))
      throw new ApiError(404, 'address_not_found', 'no such address');
    return c.body(null, 204);
  });

  return app;
}

/** "45 seconds", "1 minute", "14 minutes": a wait, under a minute in seconds, else in whole minutes rounded up. */
function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/**
 * Too many failed password checks for this email from this address, or (`per` 'address') too
 * many password checks from this address for any email: 429 with when to try again.
 * `details.per` tells the second apart (the storefront says so), the code is the same.
 */
function tooManyAttempts(c: Context, refused: TooManyAttempts): ApiError {
  const seconds = Math.max(1, Math.ceil(refused.retryAfterMs / 1000));
  c.header('Retry-After', String(seconds));
  if (refused.per === 'address')
    return new ApiError(
      429,
      'too_many_attempts',
      `too many password checks from this address; try again in ${waitText(seconds)}`,
      { retryAfterSeconds: seconds, per: 'address' },
    );
  return new ApiError(
    429,
    'too_many_attempts',
    // Shown as it is by the storefront's forms.
    `too many failed sign-ins for this email from here; try again in ${waitText(seconds)}`,
    { retryAfterSeconds: seconds },
  );
}

/** Too many password hashes waiting: 503 with a short Retry-After (a hash takes well under 1 s). */
function busy(c: Context): ApiError {
  c.header('Retry-After', '1');
  return new ApiError(503, 'busy', 'the shop is busy checking passwords; try again in a moment');
}

/** A password the shop does not take, in the shape of a body's invalid field (errors.ts). */
function weakPassword(field: string, message: string): ApiError {
  return new ApiError(400, 'invalid_request', 'the request body is not valid', [{ path: field, message }]);
}
