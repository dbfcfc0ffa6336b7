import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api.js';
import { useFocusOnError } from '../focus.js';
import { useSubmit } from '../submit.js';
import { useTitle } from '../title.js';
import { accountErrorText, typed } from './account-form.js';

/**
 * "Forgot your password?": asks the email, and the shop mails a link to choose a new one
 * (reset-password.tsx). The shop answers the same whether or not an account uses the email, and
 * so does this page.
 */
export default function ForgotPassword() {
  useTitle('Forgot your password?');
  const [error, setError] = useState<{ text: string; email: boolean } | null>(null);
  const [errorBox, focusError] = useFocusOnError();
  const [sent, setSent] = useState(false);
  // The form and its button are gone once sent: the focus goes to what the page now says (read
  // out as it takes the focus).
  const said = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (sent) said.current?.focus();
  }, [sent]);

  const { busy, onSubmit } = useSubmit(async (form) => {
    const email = String(new FormData(form).get('email'));
    setError(null);
    try {
      await api.requestPasswordReset(email);
      setSent(true);
    } catch (err) {
      const fields =
        err instanceof ApiError && Array.isArray(err.details)
          ? (err.details as { path?: unknown }[]).map((d) => d?.path)
          : [];
      setError({ text: accountErrorText(err), email: fields.includes('email') });
      focusError();
    }
  });
  if (sent)
    return (
      <section class="account">
        <h1>Check your email</h1>
        <p tabIndex={-1} ref={said} data-testid="reset-sent">
          If an account uses that email, we have sent it a link to choose a new password. It works for an
          hour.
        </p>
        <p>
          No mail after a few minutes? Look in your spam folder, or{' '}
          <button type="button" class="link" onClick={() => setSent(false)}>
            ask again
          </button>
          .
        </p>
        <p>
          <a href="/signin">Back to sign in</a>
        </p>
      </section>
    );
  return (
    <section class="account">
      <h1>Forgot your password?</h1>
      <p>Enter the email of your account, and we will mail you a link to choose a new password.</p>
      <form onSubmit={onSubmit}>
        <label>
          Email{' '}
          <input
            name="email"
            type="email"
            required
            maxLength={254}
            autocomplete="email"
            defaultValue={typed.email}
            aria-invalid={error?.email ? 'true' : undefined}
            aria-describedby={error?.email ? 'forgot-error' : undefined}
            onInput={(e) => {
              typed.email = (e.target as HTMLInputElement).value;
            }}
          />
        </label>
        {error && (
          <p class="notice error" role="alert" id="forgot-error" tabIndex={-1} ref={errorBox}>
            {error.text}
          </p>
        )}
        <button type="submit" class="primary" aria-disabled={busy ? 'true' : undefined}>
          Send the link
        </button>
      </form>
      <p>
        Remembered it? <a href="/signin">Sign in</a>
      </p>
    </section>
  );
}
