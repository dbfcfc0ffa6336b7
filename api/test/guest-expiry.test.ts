import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE } from '../src/db.js';
import { admin, Client, createProduct, signUp, startTestServer, until } from './harness.js';

const DAY = 24 * 3600_000;

type Shop = Awaited<ReturnType<typeof startTestServer>>;

/** Rows of a cart document in storage: its snapshot and its logged updates. */
function stored(db: Database.Database, cartId: string): number {
  const n = (sql: string) => (db.prepare(sql).get(cartId) as { n: number }).n;
  return (
    n('SELECT COUNT(*) AS n FROM sync_snapshots WHERE doc = ?') +
    n('SELECT COUNT(*) AS n FROM sync_updates WHERE doc = ?')
  );
}

describe("guests' carts expire 90 days after the guest's last visit", () => {
  let shop: Shop | undefined;
  afterEach(async () => {
    await shop?.close();
    shop = undefined;
  });

  it("removes the cart of a guest gone for good; keeps a returning guest's and every user's", async () => {
    shop = await startTestServer();
    const dataDir = shop.dataDir;
    const product = await createProduct(admin(shop.url), 50);
    const add = async (client: Client) => {
      const res = await client.post('/api/cart/lines', { productId: product, quantity: 2 });
      expect(res.status).toBe(200);
      return res.json.cartId as string;
    };
    const gone = new Client(shop.url);
    const back = new Client(shop.url);
    const user = await signUp(shop.url);
    const carts = { gone: await add(gone), back: await add(back), user: await add(user) };
    await shop.close(); // folds every cart's log into its snapshot
    shop = undefined;

    // Months pass, which the stored times of use say (the shop is stopped).
    const db = new Database(path.join(dataDir, DB_FILE));
    const age = db.prepare('UPDATE sync_snapshots SET updated_at = ? WHERE doc = ?');
    age.run(Date.now() - 100 * DAY, carts.gone);
    age.run(Date.now() - 100 * DAY, carts.user);
    age.run(Date.now() - 85 * DAY, carts.back);
    db.close();

    shop = await startTestServer({ DATA_DIR: dataDir });
    const running = shop;
    // Swept at start, then every hour.
    await until(() => stored(running.db, carts.gone) === 0, "the gone guest's cart removed");
    expect(stored(running.db, carts.back)).toBeGreaterThan(0);
    expect(stored(running.db, carts.user)).toBeGreaterThan(0);

    // The returning guest's visit records a use: their cart now lasts from today.
    const backCart = await new ClientOf(back, running.url).get('/api/cart');
    expect(backCart.json.lines).toMatchObject([{ productId: product, quantity: 2 }]);
    const usedAt = running.db.prepare('SELECT updated_at FROM sync_snapshots WHERE doc = ?').pluck();
    expect(usedAt.get(carts.back) as number).toBeGreaterThan(Date.now() - DAY);
    const userCart = await new ClientOf(user, running.url).get('/api/cart');
    expect(userCart.json.lines).toMatchObject([{ productId: product, quantity: 2 }]);
    // A cookie kept past its 90 days (a script, not a browser) finds an empty cart, not an error.
    const lost = await new ClientOf(gone, running.url).get('/api/cart');
    expect(lost.status).toBe(200);
    expect(lost.json).toMatchObject({ cartId: carts.gone, lines: [] });
  });
});

/** The same browser (its cookies and token) against the restarted shop's address. */
class ClientOf extends Client {
  constructor(from: Client, base: string) {
    super(base);
    this.cookies = new Map(from.cookies);
    this.bearer = from.bearer;
  }
}
