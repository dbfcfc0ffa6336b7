import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkLedger } from '../src/checkout/ledger.js';
import { openDatabase } from '../src/db.js';
import { ADMIN, admin, signUp } from './harness.js';
import { startShopProcess } from './process.js';

const repo = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/**
 * `npm run backup -- <file>` as an operator typing it in `dataDir` runs it (its script, without
 * npm's own start-up; npm says where it was typed in INIT_CWD).
 */
function backup(dataDir: string, target: string) {
  // Under umask 022, as most systems give (the child takes it when spawned): the copy is still 0600.
  const umask = process.umask(0o022);
  const running = run(
    process.execPath,
    ['--import', 'tsx', path.join(repo, 'api/src/backup-cli.ts'), target],
    {
      cwd: repo,
      env: { ...process.env, DATA_DIR: dataDir, INIT_CWD: dataDir },
    },
  ).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
  process.umask(umask);
  return running;
}

describe('npm run backup', () => {
  it('copies a consistent database while orders are being placed, and never overwrites', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-backup-'));
    const shop = await startShopProcess({
      DATA_DIR: dataDir,
      SHOPSYNC_SEED_COUNT: '50',
      SHOPSYNC_ADMIN_TOKEN: ADMIN,
    });
    const target = path.join(dataDir, 'copy.sqlite');
    try {
      const hot = (
        await admin(shop.url).post('/api/products', {
          title: 'Hot item',
          brand: 'Acme',
          price: 100,
          stock: 500,
        })
      ).json.id;
      const shoppers = await Promise.all(Array.from({ length: 4 }, () => signUp(shop.url)));
      let acked = 0;
      let stop = false;
      const loops = shoppers.map(async (client) => {
        while (!stop) {
          const cart = await client.post('/api/cart/lines', { productId: hot, quantity: 1 });
          const res = await client.post(
            '/api/orders',
            { cartId: cart.json.cartId },
            { 'idempotency-key': randomUUID() },
          );
          if (res.status === 202) acked++;
        }
      });
      while (acked < 20) await new Promise((r) => setTimeout(r, 5));
      const before = acked;
      const result = await backup(dataDir, 'copy.sqlite');
      stop = true;
      await Promise.all(loops);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/backup ok: .*copy\.sqlite, [\d.]+ MiB, 51 products, \d+ orders/);

      // The copy is a shop of its own: whole, every order acknowledged before it began, stock
      // and ledger agreeing, and the schema version of the original.
      expect(fs.existsSync(target)).toBe(true);
      expect(fs.statSync(target).mode & 0o777).toBe(0o600);
      // Its schema version as copied, read before openDatabase would migrate it.
      const raw = new Database(target, { readonly: true });
      const copiedVersion = raw.pragma('user_version', { simple: true });
      raw.close();
      const copy = openDatabase(dataDir, 'copy.sqlite');
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      const orders = (copy.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number }).n;
      expect(orders).toBeGreaterThanOrEqual(before);
      expect(checkLedger(copy)).toEqual([]);
      const original = new Database(path.join(dataDir, 'shopsync.sqlite'), { readonly: true });
      expect(copiedVersion).toBeGreaterThan(0);
      expect(copiedVersion).toBe(original.pragma('user_version', { simple: true }));
      original.close();
      copy.close();

      const size = fs.statSync(target).size;
      const again = await backup(dataDir, 'copy.sqlite');
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('exists: the backup never overwrites a file');
      expect(fs.statSync(target).size).toBe(size);
      expect(fs.readdirSync(dataDir).filter((f) => f.includes('.partial-'))).toEqual([]);
    } finally {
      shop.child.kill('SIGTERM');
      await shop.exited;
    }
  }, 120_000);

  it('says how to use it, and where there is no database', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-backup-'));
    const usage = await run(process.execPath, ['--import', 'tsx', path.join(repo, 'api/src/backup-cli.ts')], {
      cwd: repo,
      env: { ...process.env, DATA_DIR: empty },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(usage).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('usage: npm run backup -- <file>'),
    });
    const none = await backup(empty, path.join(empty, 'x.sqlite'));
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no database at');
    expect(fs.existsSync(path.join(empty, 'x.sqlite'))).toBe(false);
  });
});
