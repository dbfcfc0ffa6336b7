import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const api = process.env.SHOPSYNC_API ?? 'http://127.0.0.1:8787';

export default defineConfig({
  plugins: [preact()],
  build: { target: 'es2022', sourcemap: true, assetsInlineLimit: 0 },
  server: {
    proxy: {
      '/api': api,
      '/sync': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
});
