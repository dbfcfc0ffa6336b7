import type { User } from '@shopsync/core';
import { api } from './api.js';
import { closeCart, openCart } from './cart/session.js';
import { Store } from './store.js';

export const currentUser = new Store<User | null | undefined>(undefined);

export async function loadSession(): Promise<void> {
  try {
    currentUser.set((await api.me()).user);
  } catch {
    currentUser.set(null);
  }
  await openCart();
}

/** After sign-in the server has merged the guest cart into the account cart: switch to it. */
export async function signedIn(user: User): Promise<void> {
  currentUser.set(user);
  await openCart({ forgetPrevious: true });
}

/** Signing out forgets the account cart on this device, then opens a fresh guest cart. */
export async function signOut(): Promise<void> {
  await api.logout().catch(() => undefined);
  currentUser.set(null);
  await closeCart(true);
  await openCart();
}
