import { useRef, useState } from 'preact/hooks';
import { ApiError, api, errorText } from '../api.js';
import { useFocusOnError } from '../focus.js';
import { useSubmit } from '../submit.js';

/** "2 other devices", "1 other device". */
function devicesText(n: number): string {
  return `${n} other device${n === 1 ? '' : 's'}`;
}

type Field = 'currentPassword' | 'newPassword';

/** The fields a failed password change is about, to mark them invalid (none: not a field's fault). */
function fieldsOf(err: unknown): Field[] {
  if (!(err instanceof ApiError)) return [];
  if (err.code === 'wrong_password') return ['currentPassword'];
  if (!Array.isArray(err.details)) return [];
  const paths = (err.details as { path?: unknown }[]).map((d) => d?.path);
  return (['currentPassword', 'newPassword'] as const).filter((f) => paths.includes(f));
}

/**
 * A new password (with the current one), and signing out everywhere else: both end the account's
 * other sign-ins (a lost phone, a shared computer, a password that leaked); this device stays.
 *
 * While busy each button is aria-disabled, not disabled (which dropped the keyboard focus of the
 * button pressed to <body>), a ref ignoring a second press. A failure focuses the alert saying
 * why; a success is said in a status region mounted empty (so that screen readers announce it),
 * the focus staying where it was.
 */
export function SignInSecurity() {
  const [error, setError] = useState<{ text: string; fields: Field[] } | null>(null);
  const [changed, setChanged] = useState('');
  const [errorBox, focusError] = useFocusOnError();
  /** What a field says of itself: invalid, and described by the alert saying why. */
  const described = (field: Field) =>
    error?.fields.includes(field)
      ? { 'aria-invalid': 'true' as const, 'aria-describedby': 'password-error' }
      : { 'aria-invalid': undefined, 'aria-describedby': undefined };

  const [ending, setEnding] = useState(false);
  const endingNow = useRef(false);
  const [endError, setEndError] = useState<string | null>(null);
  const [ended, setEnded] = useState('');
  const [endErrorBox, focusEndError] = useFocusOnError();

  const { busy, onSubmit } = useSubmit(async (form) => {
    const f = new FormData(form);
    setError(null);
    setChanged('');
    try {
      const { endedSessions } = await api.changePassword(
        String(f.get('currentPassword')),
        String(f.get('newPassword')),
      );
      form.reset();
      setChanged(`Password changed.${endedSessions ? ` ${devicesText(endedSessions)} signed out.` : ''}`);
    } catch (err) {
      setError({ text: errorText(err), fields: fieldsOf(err) });
      focusError();
    }
  });
  return (
    <>
      <h2>Password and devices</h2>
      <form class="password-form" onSubmit={onSubmit}>
        <label>
          Current password{' '}
          <input
            name="currentPassword"
            type="password"
            required
            autocomplete="current-password"
            {...described('currentPassword')}
          />
        </label>
        <label>
          New password{' '}
          <input
            name="newPassword"
            type="password"
            required
            minLength={8}
            autocomplete="new-password"
            {...described('newPassword')}
          />
        </label>
        <p class="hint">Changing it signs you out on your other devices.</p>
        {error && (
          <p class="notice error" role="alert" id="password-error" tabIndex={-1} ref={errorBox}>
            {error.text}
          </p>
        )}
        {/* Mounted empty, so that screen readers announce the text when it comes. */}
        <p class={changed ? 'notice' : 'visually-hidden'} role="status" data-testid="password-status">
          {changed}
        </p>
        <button type="submit" class="primary" aria-disabled={busy ? 'true' : undefined}>
          Change password
        </button>
      </form>
      <p>
        <button
          type="button"
          class="link"
          aria-disabled={ending ? 'true' : undefined}
          onClick={async () => {
            if (endingNow.current) return;
            endingNow.current = true;
            setEnding(true);
            setEndError(null);
            setEnded('');
            try {
              const { endedSessions } = await api.logoutOthers();
              setEnded(
                endedSessions
                  ? `Signed out on ${devicesText(endedSessions)}.`
                  : 'You were not signed in anywhere else.',
              );
            } catch (err) {
              setEndError(errorText(err));
              focusEndError();
            }
            endingNow.current = false;
            setEnding(false);
          }}
        >
          Sign out on other devices
        </button>
      </p>
      {endError && (
        <p class="notice error" role="alert" tabIndex={-1} ref={endErrorBox}>
          {endError}
        </p>
      )}
      <p class={ended ? 'notice' : 'visually-hidden'} role="status" data-testid="devices-status">
        {ended}
      </p>
    </>
  );
}
