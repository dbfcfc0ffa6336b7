import type { User } from '@shopsync/core';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api.js';
import { useFocusOnError } from '../focus.js';
import { accountErrorText } from '../pages/account-form.js';
import { useSubmit } from '../submit.js';

type Field = 'email' | 'password';

/** The fields a failed request is about, to mark them invalid (none: not a field's fault). */
function fieldsOf(err: unknown): Field[] {
  if (!(err instanceof ApiError)) return [];
  if (err.code === 'wrong_password') return ['password'];
  if (err.code === 'email_unchanged') return ['email'];
  if (!Array.isArray(err.details)) return [];
  const paths = (err.details as { path?: unknown }[]).map((d) => d?.path);
  return (['email', 'password'] as const).filter((f) => paths.includes(f));
}

/**
 * The account's email, and a form to change it (the account page's row, as NameRow): the new
 * address and the password; the shop mails the new address a link that makes the change
 * (confirm-email.tsx), so until it is opened the email stays as it is, and this row says where
 * the link went. The shop answers alike whether or not another account uses the address, and so
 * does this row.
 */
export function EmailRow({ user }: { user: User }) {
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<{ text: string; fields: Field[] } | null>(null);
  // Where the link went, in a status region there from the start (screen readers announce it).
  const [said, setSaid] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const change = useRef<HTMLButtonElement>(null);
  // Where the focus goes once the form closes: back to Change, which opened it.
  const backToChange = useRef(false);
  const [errorBox, focusError] = useFocusOnError();
  useLayoutEffect(() => {
    if (editing) input.current?.focus();
    else if (backToChange.current) {
      backToChange.current = false;
      change.current?.focus();
    }
  }, [editing]);
  const close = () => {
    backToChange.current = true;
    setEditing(false);
    setError(null);
  };
  /** What a field says of itself: invalid, and which texts describe it. */
  const described = (field: Field, ...also: string[]) => {
    const invalid = !!error?.fields.includes(field);
    const ids = [...also, ...(invalid ? ['email-error'] : [])];
    return {
      'aria-invalid': invalid ? ('true' as const) : undefined,
      'aria-describedby': ids.length ? ids.join(' ') : undefined,
    };
  };
  const { busy, onSubmit } = useSubmit(async (form) => {
    const f = new FormData(form);
    const email = String(f.get('email')).trim().toLowerCase();
    setError(null);
    try {
      await api.changeEmail(email, String(f.get('password')));
      setSaid(
        `We sent a link to ${email}. Open it within an hour to make it your email; until then it stays ${user.email}.`,
      );
      close();
    } catch (err) {
      setError({ text: accountErrorText(err), fields: fieldsOf(err) });
      focusError();
    }
  });
  return (
    <>
      <dt>Email</dt>
      <dd>
        {editing ? (
          <form class="account rename" onSubmit={onSubmit}>
            <label>
              New email{' '}
              <input
                name="email"
                type="email"
                required
                maxLength={254}
                autocomplete="email"
                ref={input}
                {...described('email', 'email-hint')}
              />
            </label>
            <label>
              Your password{' '}
              <input
                name="password"
                type="password"
                required
                maxLength={200}
                autocomplete="current-password"
                {...described('password')}
              />
            </label>
            <p class="hint" id="email-hint">
              We will mail a link to the new address. Your email changes when you open it.
            </p>
            {error && (
              <p class="notice error" role="alert" id="email-error" tabIndex={-1} ref={errorBox}>
                {error.text}
              </p>
            )}
            <button type="submit" class="primary" aria-disabled={busy ? 'true' : undefined}>
              Send the link
            </button>{' '}
            <button type="button" class="link" onClick={close}>
              Cancel
            </button>
          </form>
        ) : (
          <>
            {user.email}{' '}
            <button
              type="button"
              class="link"
              ref={change}
              aria-label="Change your email"
              onClick={() => {
                setEditing(true);
                setSaid('');
              }}
            >
              Change
            </button>
          </>
        )}
        {/* Mounted empty, so that screen readers announce the text when it comes. */}
        <p class={said ? 'notice' : 'visually-hidden'} role="status" data-testid="email-status">
          {said}
        </p>
      </dd>
    </>
  );
}
