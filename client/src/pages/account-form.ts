import { PAGES } from '@shopsync/core/pages';
import { ApiError, errorText } from '../api.js';

/**
 * Where to go after signing in: `asked` (a `next` parameter) when it is a path of this shop and
 * not a page of signing in, else "/". Only "/" and one more character that is not "/" or "\": "//host" and "/\host" name
 * another origin. The browser drops tabs and newlines from an address ("/<tab>/host" is
 * "//host"), so the path is also resolved against `origin` and must stay there; what is
 * returned is the path as resolved, with nothing left to read another way.
 */
export function safeNext(asked: string | null | undefined, origin: string): string {
  if (!asked || !/^\/(?![/\\])/.test(asked)) return '/';
  let url: URL;
  try {
    url = new URL(asked, origin);
  } catch {
    return '/';
  }
  if (url.origin !== new URL(origin).origin) return '/';
  // A page of signing in leads nowhere once signed in ("Sign in" pressed on the sign-up page); a
  // link from a mail holds a token that is used up.
  if (
    [PAGES.signInOrUp, PAGES.forgotPassword, PAGES.resetPassword, PAGES.confirmEmail].some((page) =>
      page.test(url.pathname),
    )
  )
    return '/';
  const path = url.pathname + url.search + url.hash;
  return /^\/(?![/\\])/.test(path) ? path : '/';
}

/**
 * The email last typed in an account form, so that going from one to another ("Sign in
 * instead", "Forgot your password?") keeps it. Kept in memory only (not in the address, where
 * history and logs would keep it), and forgotten once signed in.
 */
export const typed = { email: '' };

/** What a new password needs (core's Password), said under each field that sets one. */
export const PASSWORD_HINT = 'At least 8 characters; a few words make a good one.';

/** The sign-in or sign-up page's address, going on to `next` afterwards ("/" needs no parameter). */
export function accountHref(mode: 'signin' | 'signup', next: string): string {
  return `/${mode}${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`;
}

/** What each field's checks say, in the form's words (the API's are zod's, for developers). */
const FIELD_TEXT: Record<string, { missing: string; long: string; invalid?: string }> = {
  name: { missing: 'Please enter your name.', long: 'Your name can have at most 100 characters.' },
  email: {
    missing: 'Please enter your email address.',
    long: 'Your email address can have at most 254 characters.',
    invalid: 'Please enter a valid email address, like name@example.com.',
  },
  password: {
    missing: 'Please enter your password.',
    long: 'Your password can have at most 200 characters.',
  },
};

/**
 * What to tell the shopper about a failed sign-in or sign-up: a field the API found blank, too
 * long or not an email address in a sentence of the form's own ("Please enter your name.", not
 * "Name: Too small: expected string to have >=1 characters."); anything else as errorText says it
 * (a password's own checks are sentences already).
 */
export function accountErrorText(err: unknown): string {
  if (err instanceof ApiError && err.code === 'email_taken')
    return 'An account with this email already exists.';
  if (!(err instanceof ApiError) || !Array.isArray(err.details)) return errorText(err);
  const said = (err.details as { path?: unknown; message?: unknown }[]).map((d) => {
    const field = typeof d?.path === 'string' ? FIELD_TEXT[d.path] : undefined;
    const message = typeof d?.message === 'string' ? d.message : '';
    if (field && /^too small/i.test(message)) return field.missing;
    if (field && /^too big/i.test(message)) return field.long;
    if (field?.invalid && /^invalid/i.test(message)) return field.invalid;
    return errorText(new ApiError(err.status, err.code, err.message, [d]));
  });
  return [...new Set(said.filter(Boolean))].join(' ') || errorText(err);
}
