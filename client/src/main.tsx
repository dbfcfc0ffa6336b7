import { render } from 'preact';
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
        if (!sw.controller)
          await new Promise((r) => sw.addEventListener('controllerchange', r, { once: true }));
        const idle = window.requestIdleCallback ?? ((f: () => void) => setTimeout(f, 1000));
        idle(() => void preloadPages());
      },
      () => undefined,
    );
  });
}
