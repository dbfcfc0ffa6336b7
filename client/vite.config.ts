import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { serviceWorker } from './sw-version.js';

const api = process.env.SHOPSYNC_API ?? 'http://127.0.0.1:8787';

export default defineConfig({
  plugins: [preact(), serviceWorker(new URL('./sw.js', import.meta.url).pathname)],
  build: { target: 'es2022', sourcemap: true, assetsInlineLimit: 0 },
  server: {
    proxy: {
      '/api': api,
      '/sync': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
});
