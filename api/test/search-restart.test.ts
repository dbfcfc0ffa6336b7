import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN, admin, KETTLE, signUp, until } from './harness.js';
import { type ShopProcess, startShopProcess } from './process.js';

/** The "search index ready" log line: how the index came up and what it replayed. */
function indexReady(shop: ShopProcess): { how?: string; replayed?: number } {
  const line = shop
    .output()
    .split('\n')
    .find((l) => l.includes('search index ready'));
  return line ? JSON.parse(line) : {};
}

/** "restored" from the saved base or "built" from the catalog. */
const howIndexed = (shop: ShopProcess) => indexReady(shop).how;

async function stop(shop: ShopProcess, signal: NodeJS.Signals): Promise<void> {
  shop.child.kill(signal);
  await shop.exited;
}

describe('search across restarts', () => {
  it('loads the saved base instead of rebuilding, with every write made before kill -9', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-search-'));
    const base = path.join(dataDir, 'search-base.json');
    const env = { DATA_DIR: dataDir, SHOPSYNC_SEED_COUNT: '300', SHOPSYNC_ADMIN_TOKEN: ADMIN };
    const ids = async (url: string, q: string) =>
      ((await admin(url).get(`/api/search?q=${encodeURIComponent(q)}`)).json.hits as { id: string }[]).map(
        (h) => h.id,
      );

    const first = await startShopProcess(env);
    expect(howIndexed(first)).toBe('built');
    await until(() => first.output().includes('saved the search base'), 'the first base to be saved');
    const vendor = admin(first.url);
    // With a barcode, which the index is handed as it is the product's text (INDEXED_ATTRIBUTES).
    const created = await vendor.post('/api/products', { ...KETTLE, attributes: { EAN: '4006381333931' } });
    expect(created.status).toBe(201);
    const doomed = await vendor.post('/api/products', {
      title: 'Marmoset toaster',
      brand: 'Acme',
      price: 900,
      stock: 1,
    });
    expect(doomed.status).toBe(201);
    // A product of the saved base renamed, one created and deleted: all after the save.
    const hits = (await vendor.get('/api/search?q=headphones&pageSize=50')).json.hits as {
      id: string;
      stock: number;
    }[];
    const seeded = hits[0]!;
    const sold = hits.find((h) => h.id !== seeded.id && h.stock >= 2)!;
    expect(
      (await vendor.patch(`/api/products/${seeded.id}`, { title: 'Wombat pressure cooker' })).status,
    ).toBe(200);
    expect((await vendor.delete(`/api/products/${doomed.json.id}`)).status).toBe(204);
    expect(await ids(first.url, 'zanzibar kettle')).toEqual([created.json.id]);
    expect(await ids(first.url, '4006381333931')).toEqual([created.json.id]);
    // An order moves stock only: the restart must not count it as a text change.
    const shopper = await signUp(first.url);
    const cart = await shopper.post('/api/cart/lines', { productId: sold.id, quantity: 2 });
    const order = await shopper.post(
      '/api/orders',
      { cartId: cart.json.cartId },
      { 'idempotency-key': randomUUID() },
    );
    expect(order.json.status).toBe('confirmed');
    await stop(first, 'SIGKILL');

    const second = await startShopProcess(env);
    try {
      expect(howIndexed(second)).toBe('restored');
      // The kettle, the renamed product and the deleted one; not the product sold.
      expect(indexReady(second).replayed).toBe(3);
      const soldHit = (await admin(second.url).get('/api/search?q=headphones&pageSize=50')).json.hits.find(
        (h: { id: string }) => h.id === sold.id,
      );
      expect(soldHit.stock).toBe(sold.stock - 2);
      expect(await ids(second.url, 'zanzibar kettle')).toEqual([created.json.id]);
      expect(await ids(second.url, '4006381333931')).toEqual([created.json.id]);
      expect(await ids(second.url, 'wombat cooker')).toEqual([seeded.id]);
      expect(await ids(second.url, 'marmoset')).toEqual([]);
    } finally {
      await stop(second, 'SIGTERM');
    }

    // A damaged base is never loaded: the shop rebuilds it and saves a good one.
    fs.writeFileSync(base, fs.readFileSync(base, 'utf8').slice(0, 5000));
    const third = await startShopProcess(env);
    try {
      expect(howIndexed(third)).toBe('built');
      expect(third.output()).toContain('another format; rebuilding');
      expect(await ids(third.url, 'zanzibar kettle')).toEqual([created.json.id]);
      await until(() => third.output().includes('saved the search base'), 'the rebuilt base to be saved');
    } finally {
      await stop(third, 'SIGTERM');
    }
    const fourth = await startShopProcess(env);
    try {
      expect(howIndexed(fourth)).toBe('restored');
      expect(await ids(fourth.url, 'wombat cooker')).toEqual([seeded.id]);
    } finally {
      await stop(fourth, 'SIGTERM');
    }
  }, 120_000);

  it('restores worker-thread shards from their own bases, and rebuilds when the shard count changes', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-shards-'));
    const env = { DATA_DIR: dataDir, SHOPSYNC_SEED_COUNT: '300', SHOPSYNC_ADMIN_TOKEN: ADMIN };
    const shards = (n: number) => ({ ...env, SHOPSYNC_SEARCH_SHARDS: String(n) });
    const bases = () =>
      fs
        .readdirSync(dataDir)
        .filter((f) => /^search-base.*\.json$/.test(f))
        .sort();
    const search = async (url: string, q: string) =>
      (await admin(url).get(`/api/search?q=${encodeURIComponent(q)}&pageSize=5`)).json as {
        total: number;
        hits: { id: string }[];
      };

    const first = await startShopProcess(shards(2));
    expect(howIndexed(first)).toBe('built');
    await until(() => bases().length === 2, 'both shards to save their bases');
    expect(bases()).toEqual(['search-base.1-of-2.json', 'search-base.2-of-2.json']);
    const vendor = admin(first.url);
    // With a barcode, which the index is handed as it is the product's text (INDEXED_ATTRIBUTES).
    const created = await vendor.post('/api/products', { ...KETTLE, attributes: { EAN: '4006381333931' } });
    const renamed = (await search(first.url, 'headphones')).hits[0]!;
    expect(
      (await vendor.patch(`/api/products/${renamed.id}`, { title: 'Wombat pressure cooker' })).status,
    ).toBe(200);
    const headphones = await search(first.url, 'headphones');
    expect((await search(first.url, 'zanzibar kettle')).hits.map((h) => h.id)).toEqual([created.json.id]);
    await stop(first, 'SIGKILL');

    const second = await startShopProcess(shards(2));
    try {
      expect(howIndexed(second)).toBe('restored');
      expect(indexReady(second).replayed).toBe(2);
      expect((await search(second.url, 'zanzibar kettle')).hits.map((h) => h.id)).toEqual([created.json.id]);
      expect((await search(second.url, 'wombat cooker')).hits.map((h) => h.id)).toEqual([renamed.id]);
      expect(await search(second.url, 'headphones')).toMatchObject({ total: headphones.total });
    } finally {
      await stop(second, 'SIGTERM');
    }

    // Another number of shards: built anew, the other layout's files removed, the same answers.
    const third = await startShopProcess(shards(3));
    try {
      expect(howIndexed(third)).toBe('built');
      expect(bases().some((f) => f.endsWith('-of-2.json'))).toBe(false);
      expect((await search(third.url, 'wombat cooker')).hits.map((h) => h.id)).toEqual([renamed.id]);
      expect((await search(third.url, 'headphones')).total).toBe(headphones.total);
    } finally {
      await stop(third, 'SIGTERM');
    }
  }, 120_000);
});
