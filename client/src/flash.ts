import { route } from './router.js';
import { Store } from './store.js';

/**
 * A message for the page the shopper lands on next (after signing in, the guest cart's items
 * joined the account's). Shown above the page until the shopper goes on to another page.
 */
export const flash = new Store<{ text: string; path: string | null } | null>(null);

export function showFlash(text: string): void {
  flash.set({ text, path: null });
}

// The first page shown after it was set keeps it; the next one drops it.
route.subscribe((url) => {
  const current = flash.get();
  if (!current) return;
  if (current.path === null) flash.set({ ...current, path: url.pathname });
  else if (current.path !== url.pathname) flash.set(null);
});
