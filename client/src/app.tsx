import { PAGES } from '@shopsync/core/pages';
import type { ComponentType } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { cartState } from './cart/session.js';
import { SearchBox } from './components/search-box.js';
import { flash } from './flash.js';
import { accountHref, safeNext } from './pages/account-form.js';
import { route } from './router.js';
import { currentUser, signOut } from './session.js';
import { useStore } from './store.js';

type Page = ComponentType<{ url: URL; params: string[] }>;

/** Routes load their page on demand, so the first load ships only the shell. */
const routes: [RegExp, () => Promise<{ default: Page }>][] = [
  [PAGES.home, () => import('./pages/home.js')],
  [PAGES.search, () => import('./pages/search.js')],
  [PAGES.product, () => import('./pages/product.js')],
  [PAGES.cart, () => import('./pages/cart.js')],
  [PAGES.checkout, () => import('./pages/checkout.js')],
  [PAGES.orders, () => import('./pages/orders.js')],
  [PAGES.order, () => import('./pages/order.js')],
  [PAGES.signInOrUp, () => import('./pages/account.js')],
  [PAGES.forgotPassword, () => import('./pages/forgot-password.js')],
  [PAGES.resetPassword, () => import('./pages/reset-password.js')],
  [PAGES.confirmEmail, () => import('./pages/confirm-email.js')],
  [PAGES.account, () => import('./pages/my-account.js')],
];

/**
 * Loads every page's code, so that pages not visited yet open offline too (the service worker
 * keeps what it serves), and with it whatever else `alsoKeep` fetches. Run once the service worker
 * controls the page, when the browser is idle; the first load still ships only the shell. Marks
 * the document `data-offline-ready` when done.
 */
export async function preloadPages(alsoKeep?: () => Promise<void>): Promise<void> {
  await Promise.all([...routes.map(([, load]) => load().catch(() => undefined)), alsoKeep?.()]);
  document.documentElement.dataset.offlineReady = 'true';
}

/**
 * The path whose page code failed to load while online and was reloaded for, kept for the tab's
 * session. Storage that is turned off reads as nothing and keeps nothing (no reload then).
 */
const reloadedFor = {
  key: 'shopsync-reloaded-for',
  get(): string | null {
    try {
      return sessionStorage.getItem(this.key);
    } catch {
      return null;
    }
  },
  set(path: string | null): boolean {
    try {
      if (path === null) sessionStorage.removeItem(this.key);
      else sessionStorage.setItem(this.key, path);
      return true;
    } catch {
      return false;
    }
  },
};

function Router() {
  const url = useStore(route);
  const [page, setPage] = useState<{ Page: Page; params: string[] } | null>(null);
  const [failed, setFailed] = useState(false);
  // Bumped to load a page again that could not load (offline): when the connection returns.
  const [attempt, setAttempt] = useState(0);
  // Whether the last failure came while offline: the connection may be back before the effect
  // that waits for it runs (effects run after paint), and its 'online' event already gone.
  const failedOffline = useRef(false);
  const firstPage = useRef(true);
  // After a client-side page change, move focus to the new content (as a page load would),
  // so keyboard and screen-reader users do not stay on the link they left.
  useEffect(() => {
    if (!page) return;
    if (firstPage.current) {
      firstPage.current = false;
      return;
    }
    const main = document.getElementById('main');
    if (main && !main.contains(document.activeElement)) main.focus({ preventScroll: true });
  }, [page]);
  useEffect(() => {
    const match = routes.find(([re]) => re.test(url.pathname));
    if (!match) {
      setPage(null);
      return;
    }
    const params = match[0].exec(url.pathname)!.slice(1).map(decodeParam);
    let cancelled = false;
    setFailed(false);
    match[1]().then(
      (m) => {
        if (cancelled) return;
        if (reloadedFor.get() === url.pathname) reloadedFor.set(null);
        setPage({ Page: m.default, params });
      },
      () => {
        if (cancelled) return;
        // Online, the page's code still would not load: most likely a newer version of the shop
        // replaced this one's files. A reload fetches the new version; once, so a broken one
        // does not reload forever.
        if (navigator.onLine && reloadedFor.get() !== url.pathname && reloadedFor.set(url.pathname)) {
          location.reload();
          return;
        }
        failedOffline.current = !navigator.onLine;
        setFailed(true);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [url.pathname, attempt]);
  useEffect(() => {
    if (!failed) return;
    const retry = () => setAttempt((n) => n + 1);
    addEventListener('online', retry);
    if (failedOffline.current && navigator.onLine) retry();
    return () => removeEventListener('online', retry);
  }, [failed]);
  // Online, the page loads again from scratch: a browser may keep a module that failed to load as
  // failed for the document's life (Chromium 150 does), so importing it again would fail again.
  const tryAgain = () => (navigator.onLine ? location.reload() : setAttempt((n) => n + 1));
  if (failed) {
    return (
      <p class="notice error" role="alert">
        This page could not load
        {navigator.onLine ? '.' : ': you seem to be offline.'} Your cart still works.{' '}
        <button type="button" class="link" onClick={tryAgain}>
          Try again
        </button>
      </p>
    );
  }
  if (!routes.some(([re]) => re.test(url.pathname))) {
    document.title = 'Page not found · ShopSync';
    return (
      <section>
        <h1>Page not found</h1>
        <p>
          <a href="/">Back to the shop</a>
        </p>
      </section>
    );
  }
  if (!page) return <p class="loading">Loading…</p>;
  // Keyed by path: another product opens as a new page (its own gallery, quantity and notices).
  return <page.Page key={url.pathname} url={url} params={page.params} />;
}

function Header() {
  const user = useStore(currentUser);
  const cart = useStore(cartState);
  const count = cart.lines.reduce((n, l) => n + l.quantity, 0);
  // Signing in comes back to where the shopper was (the sign-in pages themselves pass on where
  // they were to go back to), as the prompts of checkout and the orders pages do; not to the
  // password reset pages and the email change's, whose link holds a token that no other address
  // should carry.
  const url = useStore(route);
  const here = /^\/(signin|signup)$/.test(url.pathname)
    ? (url.searchParams.get('next') ?? '/')
    : /^\/((forgot|reset)-password|confirm-email)$/.test(url.pathname)
      ? '/'
      : url.pathname + url.search;
  return (
    <header class="top">
      <a class="brand" href="/" aria-label="ShopSync home">
        ShopSync
      </a>
      <SearchBox />
      <nav aria-label="Account">
        {user ? (
          <>
            <a href="/account">Account</a>
            <a href="/orders">Orders</a>
            <button type="button" class="link" onClick={signOutHere}>
              Sign out
            </button>
          </>
        ) : (
          <a href={accountHref('signin', safeNext(here, url.origin))}>Sign in</a>
        )}
        <a class="cart-link" href="/cart" aria-label={`Cart, ${count} item${count === 1 ? '' : 's'}`}>
          Cart{' '}
          <span class="count" data-testid="cart-count">
            {count}
          </span>
        </a>
      </nav>
    </header>
  );
}

/**
 * Signs out from the header. The button goes with the sign-in, which would leave the focus on
 * the page's body (a screen reader at the top of the document): it goes to the page instead,
 * unless the shopper has moved it meanwhile (a sign-out can wait a few seconds for the cart).
 */
function signOutHere() {
  void signOut().then(() => {
    if (currentUser.get()) return; // they chose to stay signed in
    const active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    document.getElementById('main')?.focus({ preventScroll: true });
  });
}

/** The message for this page (flash.ts), in a live region mounted empty so it is announced. */
function Flash() {
  const message = useStore(flash);
  return (
    <div role="status" class="flash">
      {message && (
        <p class="notice ok" data-testid="flash">
          {message.text}{' '}
          <button type="button" class="link" onClick={() => flash.set(null)}>
            Dismiss
          </button>
        </p>
      )}
    </div>
  );
}

export function App() {
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        <Flash />
        <Router />
      </main>
      <footer>
        <p>
          Product data from Icecat (icecat.biz), Open Content License, provided as is, without warranty of any
          kind.
        </p>
        <p>ShopSync: your cart follows you on every device, online or offline.</p>
      </footer>
    </>
  );
}

/** A path segment as text; one with a malformed %-escape (a link cut short) as it is, not a crash. */
function decodeParam(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
