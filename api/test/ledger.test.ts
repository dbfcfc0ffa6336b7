import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkLedger } from '../src/checkout/ledger.js';
import { DB_FILE, MIGRATIONS } from '../src/db.js';
import {
  admin,
  type Client,
  createProduct,
  olderDataDir,
  quickShoppers,
  startTestServer,
} from './harness.js';

const repo = path.resolve(import.meta.dirname, '../..');

/** `npm run check-ledger` on `dataDir`: its exit code and what it printed. */
function checkLedgerCommand(dataDir: string) {
  const run = spawnSync('node', ['--import', 'tsx', path.join(repo, 'api/src/checkout/ledger-cli.ts')], {
    cwd: repo,
    env: { ...process.env, DATA_DIR: dataDir },
    encoding: 'utf8',
  });
  return { status: run.status, out: run.stdout + run.stderr };
}

const schemaVersion = (dataDir: string) => {
  const db = new Database(path.join(dataDir, DB_FILE), { readonly: true });
  try {
    return db.pragma('user_version', { simple: true });
  } finally {
    db.close();
  }
};

describe('the stock ledger', () => {
  it('counts shipped and delivered orders as sold, and flags one that gave its stock back or lost its movement', async () => {
    const server = await startTestServer();
    try {
      const vendor = admin(server.url);
      const p = await createProduct(vendor, 10);
      const [shopper] = quickShoppers(server, 1) as [Client];
      const order = async (quantity: number) => {
        const cart = await shopper.post('/api/cart/lines', { productId: p, quantity });
        const res = await shopper.post(
          '/api/orders',
          { cartId: cart.json.cartId },
          { 'idempotency-key': randomUUID() },
        );
        expect(res.json.status).toBe('confirmed');
        return res.json.id as string;
      };
      const [shipped, delivered] = [await order(2), await order(3)];
      expect((await vendor.post(`/api/admin/orders/${shipped}/ship`)).status).toBe(200);
      expect((await vendor.post(`/api/admin/orders/${delivered}/ship`)).status).toBe(200);
      expect((await vendor.post(`/api/admin/orders/${delivered}/deliver`)).status).toBe(200);
      // 10 = 5 on the shelf + 2 shipped + 3 delivered.
      expect((await vendor.get(`/api/products/${p}`)).json.stock).toBe(5);
      expect(checkLedger(server.db)).toEqual([]);

      // What a bug could do: put a shipped order's units back on the shelf, or lose a delivered
      // order's movement.
      server.db.prepare('UPDATE products SET stock = stock + 2 WHERE id = ?').run(p);
      server.db
        .prepare(
          "INSERT INTO stock_movements (product_id, delta, reason, order_id, at) VALUES (?, 2, 'cancel', ?, 0)",
        )
        .run(p, shipped);
      server.db.prepare('DELETE FROM stock_movements WHERE order_id = ?').run(delivered);
      expect(checkLedger(server.db)).toEqual(
        expect.arrayContaining([
          { orderId: shipped, problem: 'shipped order has cancel movements' },
          { orderId: delivered, productId: p, problem: 'delivered order moved 0 of 3' },
        ]),
      );
    } finally {
      await server.close();
    }
  });

  it("checks an older build's data directory as it is, without upgrading its schema", () => {
    const older = MIGRATIONS.length - 1;
    const dataDir = olderDataDir(older, randomUUID());
    const run = checkLedgerCommand(dataDir);
    expect([run.status, run.out]).toEqual([0, 'ledger ok: 1 products, 1 orders\n']);
    // Upgraded, the build serving it could not start again.
    expect(schemaVersion(dataDir)).toBe(older);
  }, 30_000);
});
