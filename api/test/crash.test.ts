import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLedger } from '../src/checkout/ledger.js';
import { openDatabase } from '../src/db.js';
import { ADMIN, admin, Client, signUp, startTestServer } from './harness.js';
import { startShopProcess } from './process.js';

describe('kill -9', () => {
  it('loses no acknowledged order and keeps the stock ledger whole across a crash mid-burst', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-crash-'));
    const env = { DATA_DIR: dataDir, SHOPSYNC_SEED_COUNT: '50', SHOPSYNC_ADMIN_TOKEN: ADMIN };
    const first = await startShopProcess(env);
    const vendor = admin(first.url);
    const hot = (
      await vendor.post('/api/products', { title: 'Hot item', brand: 'Acme', price: 100, stock: 60 })
    ).json.id;
    const shoppers = await Promise.all(Array.from({ length: 8 }, () => signUp(first.url)));

    const acked: { client: Client; id: string }[] = [];
    let stop = false;
    const loops = shoppers.map(async (client) => {
      while (!stop) {
        try {
          const cart = await client.post('/api/cart/lines', { productId: hot, quantity: 1 });
          const res = await client.post(
            '/api/orders',
            { cartId: cart.json.cartId },
            { 'idempotency-key': randomUUID() },
          );
          if (res.status === 202) acked.push({ client, id: res.json.id });
        } catch {
          return; // the server died under us
        }
      }
    });
    while (acked.length < 40) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    await first.exited;
    stop = true;
    await Promise.all(loops);
    const ackedCount = acked.length;

    const second = await startShopProcess(env);
    try {
      for (const { client, id } of acked) {
        const c = new Client(second.url);
        c.cookies = client.cookies;
        const order = await c.get(`/api/orders/${id}`);
        expect(order.status).toBe(200);
        expect(['confirmed', 'rejected']).toContain(order.json.status);
      }
      expect(new Set(acked.map((a) => a.id)).size).toBe(ackedCount);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    const db = openDatabase(dataDir);
    expect(checkLedger(db)).toEqual([]);
    const units = db
      .prepare(
        `SELECT COALESCE(SUM(-delta), 0) AS n FROM stock_movements WHERE product_id = ? AND reason = 'order'`,
      )
      .get(hot) as { n: number };
    const stock = (db.prepare('SELECT stock FROM products WHERE id = ?').get(hot) as { stock: number }).stock;
    expect(stock + units.n).toBe(60);
    db.close();
  }, 120_000);
});

describe('one shop per data directory', () => {
  it('refuses a second shop on the same DATA_DIR while one runs, and starts one after a kill -9', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-lock-'));
    const env = { DATA_DIR: dataDir, SHOPSYNC_SEED_COUNT: '20', SHOPSYNC_ADMIN_TOKEN: ADMIN };
    const first = await startShopProcess(env);
    // Two shops would each keep their own copy of a cart: the second must not start.
    const refused = await startShopProcess(env).then(
      (second) => {
        second.child.kill('SIGKILL');
        return null;
      },
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/the shop exited \(1\)/);
    expect(refused).toContain('another process is serving this data directory');
    expect((await new Client(first.url).get('/api/health')).status).toBe(200);
    // The lock goes with the process, however it ends: no stale lock after kill -9.
    first.child.kill('SIGKILL');
    await first.exited;
    const third = await startShopProcess(env);
    expect((await new Client(third.url).get('/api/health')).status).toBe(200);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    // Closed cleanly, it lets the next one start too (and the in-process server the same).
    const fourth = await startTestServer({ DATA_DIR: dataDir });
    await expect(startTestServer({ DATA_DIR: dataDir })).rejects.toThrow(/another process is serving/);
    await fourth.close();
    const fifth = await startTestServer({ DATA_DIR: dataDir });
    await fifth.close();
  }, 90_000);
});
