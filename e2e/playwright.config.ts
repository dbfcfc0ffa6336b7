import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

// One fresh data directory per run (the config is loaded again in workers: keep the first one).
process.env.E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-e2e-'));
// A port of its own per run (workers inherit it), so a run never meets another one's server.
process.env.E2E_PORT ??= String(20_000 + Math.floor(Math.random() * 20_000));
const port = Number(process.env.E2E_PORT);
export const ADMIN_TOKEN = 'e2e-admin';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  outputDir: '../test-results',
  reporter: [
    ['list'],
    ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? '../reports/playwright.json' }],
  ],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: 'node --import tsx api/src/main.ts',
    cwd: '..',
    url: `http://127.0.0.1:${port}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: process.env.E2E_DATA_DIR,
      SHOPSYNC_SEED_COUNT: '300',
      SHOPSYNC_ADMIN_TOKEN: ADMIN_TOKEN,
      // Every browser of the suite is 127.0.0.1: one address for all its signups and sign-ins,
      // around the default budget of 100 password checks per 15 minutes.
      SHOPSYNC_PASSWORD_CHECKS_PER_ADDRESS: '10000',
      // And for the guests' HTTP cart edits, which count by address (120 a minute by default).
      SHOPSYNC_CART_WRITES_PER_MINUTE: '10000',
      // And for orders (20 a minute a shopper by default): the orders list's test places 21 in a
      // row to page its history.
      SHOPSYNC_ORDERS_PER_MINUTE: '10000',
      // Its ~100 signups and sign-ins hash at scrypt's 2^10, not the shop's 2^17 (a few hundred ms
      // and 128 MiB each); api/test/passwords.test.ts checks the shop's own cost.
      SHOPSYNC_PASSWORD_COST: '10',
      LOG_LEVEL: 'warn',
    },
  },
});
