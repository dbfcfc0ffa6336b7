import { Store } from './store.js';

/** The current location; links and navigate() change it without a page load. */
export const route = new Store<URL>(new URL(location.href));

export function navigate(to: string, replace = false): void {
  const url = new URL(to, location.origin);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  route.set(url);
  window.scrollTo(0, 0);
}

addEventListener('popstate', () => route.set(new URL(location.href)));

/** Makes plain <a href="/…"> links client-side (ctrl/cmd-click still opens a tab). */
addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element).closest?.('a');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  if (a.pathname.startsWith('/api/')) return;
  e.preventDefault();
  navigate(a.pathname + a.search + a.hash);
});
