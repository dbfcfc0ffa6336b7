import type { User } from '@shopsync/core';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { addressText } from '../address.js';
import { type Address, type ApiError, api, asApiError, errorText } from '../api.js';
import { AddressForm } from '../components/address-form.js';
import { EmailRow } from '../components/email-row.js';
import { SignInSecurity } from '../components/sign-in-security.js';
import { useFocusOnError } from '../focus.js';
import { currentUser } from '../session.js';
import { useStore } from '../store.js';
import { useSubmit } from '../submit.js';
import { useTitle } from '../title.js';
import { accountErrorText } from './account-form.js';
import { ErrorNotice } from './use-fetch.js';

/** The signed-in shopper's account: who they are, where orders go, and their orders. */
export default function MyAccount() {
  const user = useStore(currentUser);
  useTitle('Your account');
  if (user === undefined) return <p class="loading">Loading…</p>;
  if (!user)
    return (
      <section>
        <h1>Your account</h1>
        <p>
          <a href="/signin?next=/account">Sign in</a> to see your account.
        </p>
      </section>
    );
  // Keyed by who is signed in: another tab signing in as someone else must not leave the last
  // account's addresses (or a late answer with them) under the new name.
  return <Account key={user.id} user={user} />;
}

function Account({ user }: { user: User }) {
  const [addresses, setAddresses] = useState<Address[] | null>(null);
  const [adding, setAdding] = useState(false);
  const [failed, setFailed] = useState<ApiError | null>(null);
  // The addresses whose removal is on its way: each busy until its own answer (a Set, so that one
  // answering does not make another pressable again mid-way).
  const [removing, setRemoving] = useState<ReadonlySet<string>>(new Set());
  // The same, read by a second press before the next render.
  const inFlight = useRef(new Set<string>());
  const [removeError, setRemoveError] = useState<string | null>(null);
  // What the last save or removal did, said in the status region below the list.
  const [said, setSaid] = useState('');
  // The button pressed (Add an address, Cancel, Save address, Remove) is gone once the list or the
  // form changes: where keyboard focus goes instead, after it has (an address's item, an address's
  // Remove button, or Add an address). A layout effect: a plain one left over from the render before
  // can run at the start of the next, before the list has changed (a quick removal's answer).
  const focusNext = useRef<{ item: string } | { remove: string } | 'add' | null>(null);
  const list = useRef<HTMLUListElement>(null);
  const add = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => {
    const next = focusNext.current;
    if (!next) return;
    focusNext.current = null;
    // Only when the focus went with the button: not away from where the shopper went meanwhile.
    if (document.activeElement && document.activeElement !== document.body) return;
    const item = (id: string) =>
      list.current?.querySelector<HTMLElement>(`[data-address="${CSS.escape(id)}"]`);
    const target =
      next === 'add'
        ? add.current
        : 'item' in next
          ? item(next.item)
          : item(next.remove)?.querySelector('button');
    (target ?? add.current)?.focus();
  });
  // Orders already sent to an address keep it; it only leaves the list checkout offers.
  const remove = (a: Address) => {
    if (inFlight.current.has(a.id)) return;
    inFlight.current.add(a.id);
    setRemoving((ids) => new Set(ids).add(a.id));
    const done = () => {
      inFlight.current.delete(a.id);
      setRemoving((ids) => {
        const left = new Set(ids);
        left.delete(a.id);
        return left;
      });
    };
    setRemoveError(null);
    setSaid('');
    const gone = () => {
      // The next address's Remove button takes the focus, or the one before, or Add an address.
      const li = list.current?.querySelector<HTMLElement>(`[data-address="${CSS.escape(a.id)}"]`);
      const neighbour = (li?.nextElementSibling ?? li?.previousElementSibling) as HTMLElement | null;
      focusNext.current = neighbour?.dataset.address ? { remove: neighbour.dataset.address } : 'add';
      setAddresses((list) => list?.filter((x) => x.id !== a.id) ?? null);
      setSaid(`Removed ${a.line1}, ${a.city}.`);
    };
    api.removeAddress(a.id).then(
      () => {
        done();
        gone();
      },
      (err: unknown) => {
        done();
        // Removed already (in another tab, on another device): gone, as asked.
        if (asApiError(err).status === 404) gone();
        else setRemoveError(`${a.line1} was not removed. ${errorText(err)}`);
      },
    );
  };
  // Bumped by "Try again" after the addresses failed to load.
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    setFailed(null);
    api.addresses().then(
      (r) => setAddresses(r.items),
      (err) => setFailed(asApiError(err)),
    );
  }, [attempt]);

  return (
    <section class="my-account">
      <h1>Your account</h1>
      <dl class="profile">
        <NameRow user={user} />
        <EmailRow user={user} />
        <dt>Customer since</dt>
        <dd>{new Date(user.createdAt).toLocaleDateString(undefined, { dateStyle: 'medium' })}</dd>
      </dl>
      <h2>Delivery addresses</h2>
      {failed ? (
        <ErrorNotice error={failed} retry={() => setAttempt((n) => n + 1)} />
      ) : addresses === null ? (
        <p class="loading">Loading…</p>
      ) : (
        <>
          {addresses.length === 0 && !adding && <p class="empty">No addresses yet.</p>}
          <ul class="addresses" data-testid="addresses" ref={list}>
            {addresses.map((a) => (
              // Focusable by script only: a saved address takes the focus from the form it came from.
              <li key={a.id} data-address={a.id} tabIndex={-1}>
                {addressText(a)}{' '}
                {/* Busy: aria-disabled, not disabled, which dropped keyboard focus to <body>. */}
                <button
                  type="button"
                  class="link"
                  aria-label={`Remove ${a.line1}, ${a.city}`}
                  aria-disabled={removing.has(a.id) ? 'true' : undefined}
                  onClick={() => remove(a)}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
          {/* Mounted empty, so that screen readers announce the text when it comes. */}
          <p class="visually-hidden" role="status" data-testid="addresses-status">
            {said}
          </p>
          {removeError && (
            <p class="notice error" role="alert">
              {removeError}
            </p>
          )}
          {adding ? (
            <AddressForm
              focusFirst
              onSaved={(a) => {
                setAddresses([...addresses, a]);
                setAdding(false);
                setSaid(`Added ${a.line1}, ${a.city}.`);
                focusNext.current = { item: a.id };
              }}
              onCancel={() => {
                setAdding(false);
                focusNext.current = 'add';
              }}
            />
          ) : (
            <button
              type="button"
              class="link"
              ref={add}
              onClick={() => {
                setAdding(true);
                setSaid('');
              }}
            >
              Add an address
            </button>
          )}
        </>
      )}
      <h2>Orders</h2>
      <p>
        <a href="/orders">Your orders</a>
      </p>
      <SignInSecurity />
    </section>
  );
}

/** The shopper's name, and a form to change it in place. */
function NameRow({ user }: { user: User }) {
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Said once saved, in a status region there from the start (screen readers announce it).
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
  const { busy: saving, onSubmit } = useSubmit(async (form) => {
    try {
      const { user: renamed } = await api.rename(String(new FormData(form).get('name')));
      // The header and every page read who is signed in from here.
      currentUser.set(renamed);
      setSaid(`Your name is now ${renamed.name}.`);
      close();
    } catch (err) {
      setError(accountErrorText(err));
      focusError();
    }
  });
  return (
    <>
      <dt>Name</dt>
      <dd>
        {editing ? (
          <form class="account rename" onSubmit={onSubmit}>
            <label>
              Your name{' '}
              <input
                name="name"
                required
                maxLength={100}
                autocomplete="name"
                defaultValue={user.name}
                ref={input}
              />
            </label>
            {error && (
              <p class="notice error" role="alert" tabIndex={-1} ref={errorBox}>
                {error}
              </p>
            )}
            <button type="submit" class="primary" aria-disabled={saving ? 'true' : undefined}>
              Save name
            </button>{' '}
            <button type="button" class="link" onClick={close}>
              Cancel
            </button>
          </form>
        ) : (
          <>
            {user.name}{' '}
            <button
              type="button"
              class="link"
              ref={change}
              aria-label="Change your name"
              onClick={() => {
                setEditing(true);
                setSaid('');
              }}
            >
              Change
            </button>
          </>
        )}
        <span class="visually-hidden" role="status">
          {said}
        </span>
      </dd>
    </>
  );
}
