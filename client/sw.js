// ShopSync service worker: keeps the app shell and recently viewed products available offline.
// Navigations to the storefront's pages and product reads go to the network first and fall back
// to the cache; hashed assets are immutable, so they are served from the cache once seen. The
// build writes its version in place of __BUILD__ (sw-version.ts): a new build, or a change to this
// worker, installs a new worker, whose activation drops the shell cache of the one before
// (products stay cached: they are data, not code).
const SHELL = 'shopsync-shell-__BUILD__';
/**
 * Every script and stylesheet of this build (sw-version.ts writes the list): cached before this
 * worker takes over, so the shell it keeps is whole even for a page whose code was loaded without
 * it (the first visit, or a tab of the build before), not only for what a page fetched through it.
 */
const ASSETS = __ASSETS__;
const PRODUCTS = 'shopsync-products-v1';
const MAX_PRODUCTS = 200;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((c) => c.addAll(['/', '/favicon.svg', ...ASSETS]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k !== SHELL && k !== PRODUCTS).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

/**
 * From the network, kept in `cacheName` (under `key`, by default the request) when `keep` says
 * the response may be; offline, the one kept.
 */
async function networkFirst(request, cacheName, { key = request, keep = (res) => res.ok } = {}) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (keep(response)) {
      await cache.put(key, response.clone());
      if (cacheName === PRODUCTS) trim(cache);
    }
    return response;
  } catch (err) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw err;
  }
}

/**
 * Whether a path is one of the storefront's pages, which the server answers with its one
 * index.html (http/static.ts). The rest of what it serves is not: the API (`/api`, `/api/...`,
 * `/api/health` too), cart sync (`/sync...`), `/metrics` (server.ts), and files, whose names
 * have an extension (`/assets/...`, `/favicon.svg`, `/sw.js`). A navigation to one of those (a
 * link to `/api/me` opens the shopper's account as JSON, cookie and all) is none of the
 * worker's business: stored as the page, it would be the shop's home page offline, and stay
 * on the device after its shopper signs out. The path is read decoded, as the server reads it
 * (to its router `/%61pi/me` is `/api/me`).
 */
function isPage(pathname) {
  const path = decoded(pathname);
  if (/^\/(api|metrics|assets)(\/|$)/.test(path) || path.startsWith('/sync')) return false;
  return path.slice(path.lastIndexOf('/') + 1).lastIndexOf('.') <= 0;
}

/** A path with its %-escapes decoded; a malformed one (a link cut short) keeps those it has. */
function decoded(path) {
  try {
    return decodeURIComponent(path);
  } catch {
    return path.replace(/(?:%[0-9A-Fa-f]{2})+/g, (escapes) => {
      try {
        return decodeURIComponent(escapes);
      } catch {
        return escapes;
      }
    });
  }
}

/** Whether a response is a page of the shop: a success, and HTML (whatever the path said). */
function isShell(response) {
  const type = response.headers.get('Content-Type') ?? '';
  return response.ok && type.split(';')[0].trim().toLowerCase() === 'text/html';
}

async function trim(cache) {
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - MAX_PRODUCTS))) await cache.delete(key);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== location.origin) return;
  if (request.mode === 'navigate') {
    // Every page is the same single page: cache it under "/". Not other navigations (isPage).
    if (isPage(url.pathname)) event.respondWith(networkFirst(request, SHELL, { key: '/', keep: isShell }));
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ??
          fetch(request).then((res) => {
            if (res.ok) {
              const copy = res.clone();
              caches.open(SHELL).then((c) => c.put(request, copy));
            }
            return res;
          }),
      ),
    );
  } else if (/^\/api\/products\/[^/]+$/.test(url.pathname)) {
    event.respondWith(networkFirst(request, PRODUCTS));
  }
});
