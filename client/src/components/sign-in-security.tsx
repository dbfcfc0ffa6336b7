import { useState } from 'preact/hooks';
import { api, errorText } from '../api.js';

/** "2 other devices", "1 other device". */
function devicesText(n: number): string {
  return `${n} other device${n === 1 ? '' : 's'}`;
}

/**
 * A new password (with the current one), and signing out everywhere else: both end the account's
 * other sign-ins (a lost phone, a shared computer, a password that leaked); this device stays.
 */
export function SignInSecurity() {
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<{ text: string; error: boolean } | null>(null);
  const [ending, setEnding] = useState(false);
  const [ended, setEnded] = useState<{ text: string; error: boolean } | null>(null);

  return (
    <>
      <h2>Password and devices</h2>
      <form
        class="password-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const form = e.currentTarget as HTMLFormElement;
          const f = new FormData(form);
          setBusy(true);
          setSaid(null);
          try {
            const { endedSessions } = await api.changePassword(
              String(f.get('currentPassword')),
              String(f.get('newPassword')),
            );
            form.reset();
            setSaid({
              text: `Password changed.${endedSessions ? ` ${devicesText(endedSessions)} signed out.` : ''}`,
              error: false,
            });
          } catch (err) {
            setSaid({ text: errorText(err), error: true });
          }
          setBusy(false);
        }}
      >
        <label>
          Current password{' '}
          <input name="currentPassword" type="password" required autocomplete="current-password" />
        </label>
        <label>
          New password{' '}
          <input name="newPassword" type="password" required minLength={8} autocomplete="new-password" />
        </label>
        <p class="hint">Changing it signs you out on your other devices.</p>
        {said && (
          <p class={`notice${said.error ? ' error' : ''}`} role={said.error ? 'alert' : 'status'}>
            {said.text}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          Change password
        </button>
      </form>
      <p>
        <button
          type="button"
          class="link"
          disabled={ending}
          onClick={async () => {
            setEnding(true);
            setEnded(null);
            try {
              const { endedSessions } = await api.logoutOthers();
              setEnded({
                text: endedSessions
                  ? `Signed out on ${devicesText(endedSessions)}.`
                  : 'You were not signed in anywhere else.',
                error: false,
              });
            } catch (err) {
              setEnded({ text: errorText(err), error: true });
            }
            setEnding(false);
          }}
        >
          Sign out on other devices
        </button>
      </p>
      {ended && (
        <p class={`notice${ended.error ? ' error' : ''}`} role={ended.error ? 'alert' : 'status'}>
          {ended.text}
        </p>
      )}
    </>
  );
}
