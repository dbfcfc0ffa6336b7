import { render } from 'preact';
import { App } from './app.js';
import { loadSession } from './session.js';
import './styles.css';

render(<App />, document.getElementById('app')!);
void loadSession();

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  addEventListener('load', () => void navigator.serviceWorker.register('/sw.js').catch(() => undefined));
}
