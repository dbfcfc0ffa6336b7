import { render } from 'preact';
import { keepProductsOffline } from './api.js';
import { App, preloadPages } from './app.js';
import { loadSession } from './session.js';
import './styles.css';

render(<App />, document.getElementById('app')!);
void loadSession();

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').then(
      async () => {
        const sw = navigator.serviceWorker;
        await sw.ready;
        // The first visit: what the page fetched so far went past the worker, which keeps nothing of it.
        const firstVisit = !sw.controller;
        if (firstVisit) await new Promise((r) => sw.addEventListener('controllerchange', r, { once: true }));
        const idle = window.requestIdleCallback ?? ((f: () => void) => setTimeout(f, 1000));
        idle(() => void preloadPages(firstVisit ? keepProductsOffline : undefined));
      },
      () => undefined,
    );
  });
}
