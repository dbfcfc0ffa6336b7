import { Store } from './store.js';

/** The current location; links and navigate() change it without a page load. */
export const route = new Store<URL>(new URL(location.href));

// Each history entry keeps where the shopper had scrolled to, so Back returns to the same place in
// a long list of results. The browser cannot do this for us: its restoration runs while the
// page is still loading its content (too short to scroll), so it lands at the top.
if ('scrollRestoration' in history) history.scrollRestoration = 'manual';

const saveScroll = () => history.replaceState({ ...history.state, scrollY }, '');
// Saved as the shopper stops scrolling too, not only when a link is followed: Back leaves this
// entry with no event of its own, and Forward then comes back to it. Debounced, because browsers
// refuse more than a hundred or so history writes in a few seconds.
let saveTimer: ReturnType<typeof setTimeout> | undefined;
addEventListener('scroll', () => {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveScroll, 200);
});
// A reload or a visit to another site and back comes to this entry again with the page rebuilt.
addEventListener('pagehide', saveScroll);

export function navigate(to: string, replace = false): void {
  const url = new URL(to, location.origin);
  // A save still waiting would write this entry's position into the next one.
  clearTimeout(saveTimer);
  if (replace) history.replaceState(null, '', url);
  else {
    saveScroll();
    history.pushState(null, '', url);
  }
  route.set(url);
  window.scrollTo(0, 0);
}

let stopRestoring = () => {};

/**
 * Scrolls to `y`, and again each time the page changes height as its content arrives: when Back
 * is pressed the page left is still shown, then the one returned to renders "Loading…" before its
 * results. Stops when the shopper scrolls, clicks or types (they have moved on) or after a few
 * seconds (by then the content came, or never will, e.g. offline).
 */
export function restoreScroll(y: number): void {
  stopRestoring();
  window.scrollTo(0, y);
  if (y <= 0) return;
  const observer = new ResizeObserver(() => window.scrollTo(0, y));
  const interrupts = ['wheel', 'touchstart', 'keydown', 'mousedown'] as const;
  const timer = setTimeout(() => stop(), 5000);
  const stop = () => {
    observer.disconnect();
    clearTimeout(timer);
    for (const e of interrupts) removeEventListener(e, stop, true);
    stopRestoring = () => {};
  };
  observer.observe(document.body);
  for (const e of interrupts) addEventListener(e, stop, true);
  stopRestoring = stop;
}

addEventListener('popstate', () => {
  clearTimeout(saveTimer);
  route.set(new URL(location.href));
  restoreScroll(Number(history.state?.scrollY) || 0);
});

const initialY = Number(history.state?.scrollY) || 0;
if (initialY > 0) restoreScroll(initialY);

/** A left click without a modifier key: one that follows a link here (ctrl/cmd-click opens a tab). */
export function plainClick(e: MouseEvent): boolean {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
}

/** Makes plain <a href="/…"> links client-side (ctrl/cmd-click still opens a tab). */
addEventListener('click', (e) => {
  if (e.defaultPrevented || !plainClick(e)) return;
  const a = (e.target as Element).closest?.('a');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  if (a.pathname.startsWith('/api/')) return;
  // A link to a part of this page ("Skip to content", href="#main") is no navigation: the focus
  // moves to the part (main takes it, tabIndex -1), where the browser's own jump would only
  // scroll and leave the focus on the link; and no history entry, for Back to undo.
  if (a.hash && a.pathname === location.pathname && a.search === location.search) {
    const target = document.getElementById(a.hash.slice(1));
    if (!target) return;
    e.preventDefault();
    target.focus();
    if (document.activeElement !== target) target.scrollIntoView();
    return;
  }
  e.preventDefault();
  navigate(a.pathname + a.search + a.hash);
});
