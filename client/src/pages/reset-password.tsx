import { useRef, useState } from 'preact/hooks';
import { ApiError, api, asApiError } from '../api.js';
import { showFlash } from '../flash.js';
import { useFocusOnError } from '../focus.js';
import { navigate } from '../router.js';
import { signedIn } from '../session.js';
import { useSubmit } from '../submit.js';
import { useTitle } from '../title.js';
import { accountErrorText, PASSWORD_HINT, typed } from './account-form.js';

/** What a link the shop refused (`reset_token_invalid`), or one with no token, is told. */
const DEAD_LINK =
  'This link to choose a new password has expired, was used already, or is not whole (links work once, for an hour).';

/**
 * What the shopper is told of a failed reset, in signup's words for the password: the API names
 * the field `newPassword`, and accountErrorText knows it as `password`.
 */
function resetErrorText(err: unknown): string {
  if (!(err instanceof ApiError) || !Array.isArray(err.details)) return accountErrorText(err);
  const details = (err.details as { path?: unknown }[]).map((d) =>
    d?.path === 'newPassword' ? { ...d, path: 'password' } : d,
  );
  return accountErrorText(new ApiError(err.status, err.code, err.message, details));
}

/**
 * The page a reset mail links to (`?token=`): a new password, which signs the shopper in here
 * and ends their other sign-ins; then their account page says so. A link that is used, expired
 * or cut short says so (once the shop has said so: whether it works only the shop knows), and
 * leads to asking again.
 */
export default function ResetPassword({ url }: { url: URL }) {
  useTitle('Choose a new password');
  const token = url.searchParams.get('token') ?? '';
  // `link`: the shop refused the link itself (used, expired, unknown), not the password.
  const [error, setError] = useState<{ text: string; link: boolean; field: boolean } | null>(null);
  const [errorBox, focusError] = useFocusOnError();

  const { busy, onSubmit } = useSubmit(async (form) => {
    const password = String(new FormData(form).get('newPassword'));
    setError(null);
    try {
      const { user, guestLinesMerged: merged = 0 } = await api.resetPassword(token, password);
      typed.email = '';
      await signedIn(user);
      showFlash(
        `Your password is changed. Other devices are signed out.${
          merged > 0
            ? ` The ${merged === 1 ? 'item' : `${merged} items`} you added before signing in ${merged === 1 ? 'is' : 'are'} now in your cart.`
            : ''
        }`,
      );
      // In place of this page: Back does not return to a link that is now used.
      navigate('/account', true);
      // Busy until the page is gone: a press meanwhile would send the used link again.
      return 'leaving';
    } catch (err) {
      const code = asApiError(err).code;
      setError({
        text: resetErrorText(err),
        link: code === 'reset_token_invalid',
        field: code === 'invalid_request',
      });
      focusError();
    }
  });
  // A link that cannot work (no token in it, or the shop said so) offers no form, only asking again.
  if (!token || error?.link)
    return (
      <section class="account">
        <h1>Choose a new password</h1>
        <p class="notice error" role="alert" id="reset-error" tabIndex={-1} ref={errorBox}>
          {DEAD_LINK} <a href="/forgot-password">Ask for a new link</a>
        </p>
      </section>
    );
  const described = error?.field ? 'password-hint reset-error' : 'password-hint';
  return (
    <section class="account">
      <h1>Choose a new password</h1>
      <form onSubmit={onSubmit}>
        <label>
          New password{' '}
          <input
            name="newPassword"
            type="password"
            required
            minLength={8}
            maxLength={200}
            autocomplete="new-password"
            aria-invalid={error?.field ? 'true' : undefined}
            aria-describedby={described}
          />
        </label>
        <p class="hint" id="password-hint">
          {PASSWORD_HINT} Choosing it signs you out on your other devices.
        </p>
        {error && (
          <p class="notice error" role="alert" id="reset-error" tabIndex={-1} ref={errorBox}>
            {error.text}
          </p>
        )}
        <button type="submit" class="primary" aria-disabled={busy ? 'true' : undefined}>
          Set the new password
        </button>
      </form>
    </section>
  );
}
