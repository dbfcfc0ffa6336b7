import type { User } from '@shopsync/core';
import { useEffect, useState } from 'preact/hooks';
import { type Address, type ApiError, api, asApiError, errorText } from '../api.js';
import { AddressForm } from '../components/address-form.js';
import { SignInSecurity } from '../components/sign-in-security.js';
import { currentUser } from '../session.js';
import { useStore } from '../store.js';
import { useTitle } from '../title.js';
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
  const [removing, setRemoving] = useState<string | null>(null);
  const [removeError, setRemoveError] = useState<string | null>(null);
  // Orders already sent to an address keep it; it only leaves the list checkout offers.
  const remove = (a: Address) => {
    setRemoving(a.id);
    setRemoveError(null);
    const gone = () => setAddresses((list) => list?.filter((x) => x.id !== a.id) ?? null);
    api.removeAddress(a.id).then(
      () => {
        setRemoving(null);
        gone();
      },
      (err: unknown) => {
        setRemoving(null);
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
        <dt>Name</dt>
        <dd>{user.name}</dd>
        <dt>Email</dt>
        <dd>{user.email}</dd>
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
          <ul class="addresses" data-testid="addresses">
            {addresses.map((a) => (
              <li key={a.id}>
                {a.name}, {a.line1}, {a.city} {a.postalCode}, {a.country}{' '}
                <button
                  type="button"
                  class="link"
                  aria-label={`Remove ${a.line1}, ${a.city}`}
                  disabled={removing === a.id}
                  onClick={() => remove(a)}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
          {removeError && (
            <p class="notice error" role="alert">
              {removeError}
            </p>
          )}
          {adding ? (
            <AddressForm
              onSaved={(a) => {
                setAddresses([...addresses, a]);
                setAdding(false);
              }}
              onCancel={() => setAdding(false)}
            />
          ) : (
            <button type="button" class="link" onClick={() => setAdding(true)}>
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
