import type { User } from '@shopsync/core';
import { api, isOffline } from './api.js';
import { cartSaved, closeCart, currentCart, onCartMoved, openCart } from './cart/session.js';
import { flash } from './flash.js';
import { Store } from './store.js';

export const currentUser = new Store<User | null | undefined>(undefined);

/**
 * Who is signed in on this device, as the server last said: a reload while offline still shows
 * the shopper's own header and account cart (the cart is this device's copy already), rather than
 * "Sign in" over a cart they cannot see. The server decides again as soon as it answers.
 */
const REMEMBERED = 'shopsync-user';

function remember(user: User | null): void {
  try {
    if (user) localStorage.setItem(REMEMBERED, JSON.stringify(user));
    else localStorage.removeItem(REMEMBERED);
  } catch {
    // Storage refused (private mode, quota): the next offline start shows "Sign in", as before.
  }
}

function remembered(): User | null {
  try {
    const u = JSON.parse(localStorage.getItem(REMEMBERED) ?? 'null') as Partial<User> | null;
    return u && typeof u.id === 'string' && typeof u.email === 'string' && typeof u.name === 'string'
      ? (u as User)
      : null;
  } catch {
    return null;
  }
}

/**
 * A sign-out the server has not heard yet (the shopper signed out offline): until it has, the
 * session cookie still works, and the next answer of /api/me would sign the shopper back in, on
 * what may be a shared device. Sent before anything asks who is signed in.
 */
const SIGN_OUT_PENDING = 'shopsync-sign-out-pending';

function signOutPending(pending: boolean): void {
  try {
    if (pending) localStorage.setItem(SIGN_OUT_PENDING, '1');
    else localStorage.removeItem(SIGN_OUT_PENDING);
  } catch {
    // Storage refused: nothing to keep it in.
  }
}

/** Tells the server of a sign-out made offline; false while it still cannot be reached. */
async function finishSignOut(): Promise<boolean> {
  let pending = false;
  try {
    pending = localStorage.getItem(SIGN_OUT_PENDING) !== null;
  } catch {
    // Storage refused: no sign-out was kept.
  }
  if (!pending) return true;
  try {
    await api.logout();
  } catch (err) {
    if (isOffline(err)) return false;
  }
  signOutPending(false);
  return true;
}

/** Asks the server who is signed in; with no answer at all (offline), this device's last word. */
async function whoIsSignedIn(): Promise<User | null> {
  if (!(await finishSignOut())) return null;
  try {
    const { user } = await api.me();
    remember(user);
    return user;
  } catch (err) {
    if (isOffline(err)) return remembered();
    remember(null);
    return null;
  }
}

export async function loadSession(): Promise<void> {
  currentUser.set(await whoIsSignedIn());
  await openCart();
}

/**
 * Asks again who is signed in and opens their cart. Back online after an offline start, the session
 * may have ended meanwhile (signed out on another device, expired), and then the cart to show is
 * the guest one; after signing out offline, the guest cart opens now (there was none on this
 * device to open). The same when the server stops giving this browser the cart it has open (signed
 * out in another tab, which also ends this tab's cart sync). This device's copy of the account
 * cart is kept: edits made offline on it sync once the shopper signs in again.
 */
async function recheck(why: 'server' | 'other tab'): Promise<void> {
  // A sign-out in this tab opens the next cart itself, once it has forgotten the account's: a
  // recheck meanwhile (the server closes the cart's sync at once) would switch first, and the
  // sign-out would then forget the new guest cart and keep the account's on the device.
  if (leaving) return;
  const before = currentUser.get();
  const user = await whoIsSignedIn();
  const changed = user?.id !== before?.id;
  if (changed) currentUser.set(user);
  // Ended by the server (signed out from another device, a new password, expired), the sign-in's
  // cart leaves the screen: said, or it looks emptied. Not when the shopper did it in another tab
  // of this browser (whose logout may close this tab's cart sync before that tab's storage says so).
  if (before && !user && why === 'server' && !signedOutInThisBrowser()) showSignedOut();
  if (changed || !currentCart()) await openCart();
}

/** When a tab of this browser last asked to sign out (signOut), for the others to tell. */
const SIGNED_OUT_AT = 'shopsync-signed-out-at';

function signedOutInThisBrowser(): boolean {
  try {
    return Date.now() - Number(localStorage.getItem(SIGNED_OUT_AT) ?? 0) < 30_000;
  } catch {
    return false;
  }
}

/** Why the account's cart left the screen, on the page the shopper is on (flash.ts). */
function showSignedOut(): void {
  flash.set({
    text: "You are signed out on this device: from another device, by a new password, or as a sign-in does after 30 days. Sign in again to see your account's cart; changes made here are kept.",
    path: location.pathname,
  });
}

addEventListener('online', () => void recheck('server'));
onCartMoved(() => void recheck('server'));
// Another tab signed in or out (it keeps who is signed in in the same storage): this one follows
// at once, rather than edit a cart the other has merged away until its next sync.
addEventListener('storage', (e) => {
  if (e.key === REMEMBERED || e.key === null) void recheck('other tab');
});

/** After sign-in the server has merged the guest cart into the account cart: switch to it. */
export async function signedIn(user: User): Promise<void> {
  signOutPending(false);
  remember(user);
  currentUser.set(user);
  await openCart({ forgetPrevious: true });
}

export const UNSAVED_SIGN_OUT =
  'Some changes to your cart have not reached your account yet. Signing out now removes them from this device. Sign out anyway?';

/** A sign-out asked for in this tab (signOut): a second click joins it. */
let signingOut: Promise<void> | null = null;
/**
 * The sign-out itself under way (after the wait for unsaved edits and the shopper's answer), for
 * `recheck` to leave alone. Not during the wait: a recheck then (another tab signed in, the
 * server ended the session) must still happen, and a Cancel must not lose it.
 */
let leaving = false;

/** How long signing out waits for the cart's last edits to reach the server. */
const SAVE_BEFORE_SIGN_OUT_MS = 5000;

/**
 * Signing out forgets the account cart on this device, then opens a fresh guest cart. Edits the
 * server has not stored yet would go with this device's copy (and once signed out, the server
 * takes none): they get a few seconds to arrive, and if they cannot (offline), the shopper
 * chooses. Resolves without signing out if they keep them.
 */
export function signOut(): Promise<void> {
  signingOut ??= (async () => {
    const who = currentUser.get();
    const saved = await cartSaved(navigator.onLine ? SAVE_BEFORE_SIGN_OUT_MS : 0);
    // Signed out or into another account meanwhile (another tab, the server): there is nothing
    // to ask, and the logout would end a sign-in this click was not about.
    if (currentUser.get()?.id !== who?.id) return;
    if (!saved && !confirm(UNSAVED_SIGN_OUT)) return;
    leaving = true;
    try {
      localStorage.setItem(SIGNED_OUT_AT, String(Date.now()));
    } catch {
      // Storage refused: another tab may then say it was signed out elsewhere.
    }
    // Offline, the server hears of it when the connection returns (`finishSignOut`).
    await api.logout().catch((err: unknown) => {
      if (isOffline(err)) signOutPending(true);
    });
    remember(null);
    currentUser.set(null);
    await closeCart(true);
    await openCart();
  })().finally(() => {
    signingOut = null;
    leaving = false;
  });
  return signingOut;
}
