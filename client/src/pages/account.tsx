import { useRef, useState } from 'preact/hooks';
import { ApiError, api, asApiError } from '../api.js';
import { showFlash } from '../flash.js';
import { useFocusOnError } from '../focus.js';
import { navigate } from '../router.js';
import { currentUser, signedIn, signOut } from '../session.js';
import { useStore } from '../store.js';
import { useSubmit } from '../submit.js';
import { useTitle } from '../title.js';
import { accountErrorText, accountHref, PASSWORD_HINT, safeNext, typed } from './account-form.js';

type Field = 'name' | 'email' | 'password';

/** The fields a failed sign-in or sign-up is about, to mark them invalid (none: not a field's fault). */
function fieldsOf(err: unknown): Field[] {
  if (!(err instanceof ApiError)) return [];
  if (err.code === 'email_taken') return ['email'];
  // Which of the two is wrong the shop does not say (nor should it).
  if (err.code === 'invalid_credentials') return ['email', 'password'];
  if (!Array.isArray(err.details)) return [];
  const paths = (err.details as { path?: unknown }[]).map((d) => d?.path);
  return (['name', 'email', 'password'] as const).filter((f) => paths.includes(f));
}

export default function Account({ params, url }: { params: string[]; url: URL }) {
  const mode = params[0] as 'signin' | 'signup';
  const [error, setError] = useState<{ text: string; taken: boolean; fields: Field[] } | null>(null);
  // After a failure, focus goes to the message saying why (each failure, even the same again).
  const [errorBox, focusError] = useFocusOnError();
  /** What a field says of itself: invalid, and which texts describe it. */
  const described = (field: Field, ...also: string[]) => {
    const invalid = !!error?.fields.includes(field);
    const ids = [...also, ...(invalid ? ['account-error'] : [])];
    return {
      'aria-invalid': invalid ? ('true' as const) : undefined,
      'aria-describedby': ids.length ? ids.join(' ') : undefined,
    };
  };
  // Only a path of this shop: "//host" and "/\host" would name another origin (account-form.ts).
  const asked = url.searchParams.get('next') ?? '';
  const next = safeNext(asked, location.origin);
  const other = mode === 'signin' ? 'signup' : 'signin';
  const user = useStore(currentUser);
  const { busy, onSubmit } = useSubmit(async (form) => {
    const f = new FormData(form);
    setError(null);
    try {
      const email = String(f.get('email'));
      const password = String(f.get('password'));
      const { user, guestLinesMerged: merged = 0 } =
        mode === 'signin'
          ? await api.login(email, password)
          : await api.signup(email, password, String(f.get('name')));
      typed.email = '';
      await signedIn(user);
      // The items added before signing in joined the account's cart: say so, rather than
      // let a cart of more lines (or more of one) than the shopper left surprise them.
      if (merged > 0)
        showFlash(
          `The ${merged === 1 ? 'item' : `${merged} items`} you added before signing in ${merged === 1 ? 'is' : 'are'} now in your cart.`,
        );
      navigate(next, true);
      // Busy until the page is gone: a press meanwhile would sign in again.
      return 'leaving';
    } catch (err) {
      setError({
        text: accountErrorText(err),
        taken: asApiError(err).code === 'email_taken',
        fields: fieldsOf(err),
      });
      focusError();
    }
  });
  // Already signed in (not just now, by this form: that goes on to `next` by itself): say so and
  // lead on, rather than offer a form that would sign in again or make a second account.
  const already = user && !busy;
  useTitle(already ? 'Signed in' : mode === 'signin' ? 'Sign in' : 'Create your account');
  if (already)
    return (
      <section class="account">
        <h1>You are signed in</h1>
        <p data-testid="signed-in-as">
          Signed in as {user.name} ({user.email}).
        </p>
        <p class="actions">
          {asked ? (
            <a class="button primary" href={next}>
              Continue
            </a>
          ) : (
            <>
              <a class="button primary" href="/account">
                Your account
              </a>{' '}
              <a href="/">Continue shopping</a>
            </>
          )}
        </p>
        <p>
          Not you?{' '}
          <button type="button" class="link" onClick={() => void signOut()}>
            Use another account
          </button>
        </p>
      </section>
    );
  return (
    <section class="account">
      <h1>{mode === 'signin' ? 'Sign in' : 'Create your account'}</h1>
      <form onSubmit={onSubmit}>
        {mode === 'signup' && (
          <label>
            Name <input name="name" required maxLength={100} autocomplete="name" {...described('name')} />
          </label>
        )}
        <label>
          Email{' '}
          <input
            name="email"
            type="email"
            required
            maxLength={254}
            autocomplete="email"
            defaultValue={typed.email}
            {...described('email')}
            onInput={(e) => {
              typed.email = (e.target as HTMLInputElement).value;
            }}
          />
        </label>
        <label>
          Password{' '}
          <input
            name="password"
            type="password"
            required
            minLength={mode === 'signup' ? 8 : 1}
            maxLength={200}
            autocomplete={mode === 'signin' ? 'current-password' : 'new-password'}
            {...(mode === 'signup' ? described('password', 'password-hint') : described('password'))}
          />
        </label>
        {mode === 'signup' ? (
          <p class="hint" id="password-hint">
            {PASSWORD_HINT}
          </p>
        ) : (
          <p class="hint">
            <a href="/forgot-password">Forgot your password?</a>
          </p>
        )}
        {error && (
          <p class="notice error" role="alert" id="account-error" tabIndex={-1} ref={errorBox}>
            {error.text}
            {error.taken && (
              <>
                {' '}
                <a href={accountHref('signin', next)}>Sign in instead</a>
              </>
            )}
          </p>
        )}
        <button type="submit" class="primary" aria-disabled={busy ? 'true' : undefined}>
          {mode === 'signin' ? 'Sign in' : 'Create account'}
        </button>
      </form>
      <p>
        {mode === 'signin' ? 'New here? ' : 'Have an account? '}
        <a href={accountHref(other, next)}>{mode === 'signin' ? 'Create an account' : 'Sign in'}</a>
      </p>
    </section>
  );
}
