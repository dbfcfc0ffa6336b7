// ShopSync service worker: keeps the app shell and recently viewed products available offline.
// Navigations and product reads go to the network first and fall back to the cache; hashed
// assets are immutable, so they are served from the cache once seen. The build writes its version
// in place of __BUILD__ (sw-version.ts): a new build installs a new worker, whose activation drops
// the shell cache of the build before (products stay cached: they are data, not code).
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

async function networkFirst(request, cacheName, fallbackUrl) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.put(fallbackUrl ?? request, response.clone());
      if (cacheName === PRODUCTS) trim(cache);
    }
    return response;
  } catch (err) {
    const cached = await cache.match(fallbackUrl ?? request);
    if (cached) return cached;
    throw err;
  }
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
    // Every route is the same single page: cache it under "/".
    event.respondWith(networkFirst(request, SHELL, '/'));
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
