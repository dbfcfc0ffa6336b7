import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { MAX_ATTRIBUTES } from '@shopsync/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRecords } from '../src/catalog/import.js';
import { Catalog } from '../src/catalog/products.js';
import { DB_FILE } from '../src/db.js';
import {
  admin,
  Client,
  createProduct,
  olderDataDir,
  quickShoppers,
  startTestServer,
  tempDb,
} from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let vendor: Client;
beforeAll(async () => {
  server = await startTestServer();
  vendor = admin(server.url);
});
afterAll(() => server.close());

/** A shopper orders `quantity` of the product; the order is confirmed. */
async function sell(productId: string, quantity: number) {
  const [shopper] = quickShoppers(server, 1);
  const cart = (await shopper!.post('/api/cart/lines', { productId, quantity })).json;
  const order = await shopper!.post(
    '/api/orders',
    { cartId: cart.cartId },
    { 'idempotency-key': randomUUID() },
  );
  expect(order.json.status).toBe('confirmed');
}

describe('PUT /api/products/:id/stock', () => {
  it('is 412 on a version from before orders took stock, and writes nothing', async () => {
    const p = await createProduct(vendor, 10);
    expect((await vendor.get(`/api/products/${p}`)).headers.get('etag')).toMatch(/^(W\/)?"1"$/);
    await sell(p, 3);
    const stale = await vendor.put(`/api/products/${p}/stock`, { stock: 15 }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.json.error).toMatchObject({ code: 'version_mismatch', details: { version: 2 } });
    expect((await vendor.get(`/api/products/${p}`)).json).toMatchObject({ stock: 7, version: 2 });
    // The version the vendor read since is written (each round also sets the level back: 2 versions).
    for (const ifMatch of ['"2"', 'W/"4"', '6', '*']) {
      const current = await vendor.put(`/api/products/${p}/stock`, { stock: 15 }, { 'if-match': ifMatch });
      expect([ifMatch, current.status]).toEqual([ifMatch, 200]);
      await vendor.put(`/api/products/${p}/stock`, { stock: 10 });
    }
    const set = await vendor.put(`/api/products/${p}/stock`, { stock: 15 }, { 'if-match': '"10"' });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ stock: 15, version: 11 });
    expect(set.headers.get('etag')).toBe('"11"');
  });

  it('is 400 invalid_if_match for a malformed If-Match, as PATCH is', async () => {
    const p = await createProduct(vendor, 10);
    for (const ifMatch of ['garbage', '', '"1", "2"', 'W/"x"']) {
      const stock = await vendor.put(`/api/products/${p}/stock`, { stock: 15 }, { 'if-match': ifMatch });
      const patch = await vendor.patch(`/api/products/${p}`, { stock: 15 }, { 'if-match': ifMatch });
      expect([ifMatch, stock.status, stock.json?.error?.code]).toEqual([ifMatch, 400, 'invalid_if_match']);
      expect(stock.json).toEqual(patch.json);
    }
    expect((await vendor.get(`/api/products/${p}`)).json).toMatchObject({ stock: 10, version: 1 });
  });

  it('without If-Match sets the level unconditionally (API.md)', async () => {
    const p = await createProduct(vendor, 10);
    await sell(p, 3);
    const set = await vendor.put(`/api/products/${p}/stock`, { stock: 15 });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ stock: 15, version: 3 });
    expect(
      (await vendor.put('/api/products/no-such/stock', { stock: 1 }, { 'if-match': '"1"' })).status,
    ).toBe(404);
    expect((await new Client(server.url).put(`/api/products/${p}/stock`, { stock: 1 })).status).toBe(401);
  });
});

const product = (fields: Record<string, unknown> = {}) => ({
  title: `Item ${randomUUID()}`,
  brand: 'Acme',
  price: 500,
  stock: 1,
  ...fields,
});

/** The 400 a vendor write gets for a body that is not valid: the fields named, with why. */
function refused(res: { status: number; json: { error: { code: string; details: { path: string }[] } } }) {
  expect(res.status).toBe(400);
  expect(res.json.error.code).toBe('invalid_request');
  return res.json.error.details.map((d) => d.path);
}

describe('currencies', () => {
  it('takes only active ISO 4217 codes, on create and on update', async () => {
    for (const currency of ['XYZ', 'usd', 'XXX', 'XTS', 'XAU', 'HRK', 'US']) {
      const res = await vendor.post('/api/products', product({ price: { amount: 10, currency } }));
      expect([currency, refused(res)]).toEqual([currency, ['price.currency']]);
    }
    for (const currency of ['EUR', 'JPY', 'CHF', 'XCG', 'ZWG']) {
      const res = await vendor.post('/api/products', product({ price: { amount: 10, currency } }));
      expect([currency, res.status, res.json.price]).toEqual([currency, 201, { amount: 10, currency }]);
    }
    const p = await createProduct(vendor, 1);
    expect(
      refused(await vendor.patch(`/api/products/${p}`, { price: { amount: 10, currency: 'XYZ' } })),
    ).toEqual(['price.currency']);
    expect((await vendor.get(`/api/products/${p}`)).json.price).toEqual({ amount: 500, currency: 'USD' });
  });
});

describe('control characters', () => {
  it('are refused in titles, brands and categories, line breaks and tabs included', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ title: 'Ctl\u0000\u0007 char' }, 'title'],
      [{ brand: 'B\n\nC' }, 'brand'],
      [{ category: 'Lamps\tand lights' }, 'category'],
      [{ title: 'Next\u0085line' }, 'title'], // C1 (NEL)
      [{ brand: 'Del\u007f' }, 'brand'],
    ];
    for (const [fields, field] of cases) {
      const res = await vendor.post('/api/products', product(fields));
      expect([fields, refused(res)]).toEqual([fields, [field]]);
      expect(res.json.error.details[0].message).toMatch(/control characters/);
    }
    const p = await createProduct(vendor, 1);
    expect(refused(await vendor.patch(`/api/products/${p}`, { title: 'A\rB' }))).toEqual(['title']);
    expect((await vendor.get(`/api/products/${p}`)).json.version).toBe(1);
  });

  it('are refused in a description, but for its line breaks and tabs', async () => {
    const description = 'Line one\r\n\tindented\nline three';
    const ok = await vendor.post('/api/products', product({ description }));
    expect(ok.status).toBe(201);
    expect(ok.json.description).toBe(description);
    expect(refused(await vendor.post('/api/products', product({ description: 'Bell\u0007' })))).toEqual([
      'description',
    ]);
  });

  it('are refused in attribute names and values, and a name is not blank', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ colour: 'Black\u0097matte' }, 'attributes.colour'], // C1, as a Windows-1252 dash misread
      [{ features: 'one\ntwo' }, 'attributes.features'],
      [{ 'wei\u0000ght': '2 kg' }, 'attributes.wei\u0000ght'],
      [{ '  ': 'blank' }, 'attributes.  '],
    ];
    for (const [attributes, field] of cases) {
      const res = await vendor.post('/api/products', product({ attributes }));
      expect([attributes, refused(res)]).toEqual([attributes, [field]]);
    }
    const many = Object.fromEntries(Array.from({ length: MAX_ATTRIBUTES + 1 }, (_, i) => [`spec ${i}`, 'x']));
    expect(refused(await vendor.post('/api/products', product({ attributes: many })))).toEqual([
      'attributes',
    ]);
    const p = await createProduct(vendor, 1);
    expect(refused(await vendor.patch(`/api/products/${p}`, { attributes: { size: 'XL\t' } }))).toEqual([
      'attributes.size',
    ]);
    const fine = { colour: 'Black—matte', 'Screen size': '27″', 'spec 1': 'TekColor™' };
    const ok = await vendor.patch(`/api/products/${p}`, { attributes: fine });
    expect([ok.status, ok.json.attributes]).toEqual([200, fine]);
  });

  it('make the importer reject the record by position and import the rest', () => {
    const { db, done } = tempDb();
    try {
      const catalog = new Catalog(db);
      const report = importRecords(catalog, (fn) => db.transaction(fn)(), 'f', [
        { id: 'c1', ...product() },
        { id: 'c2', ...product({ title: 'Ctl\u0000 char' }) },
        { id: 'c3', ...product({ brand: 'B\n\nC' }) },
        { id: 'c4', ...product({ price: { amount: 10, currency: 'XYZ' } }) },
        { id: 'c5', ...product({ description: 'Two\nlines' }) },
      ]);
      expect(report.created).toBe(2);
      expect(report.rejected).toEqual([
        { position: 2, error: expect.stringMatching(/^title: control characters/) },
        { position: 3, error: expect.stringMatching(/^brand: control characters/) },
        { position: 4, error: expect.stringMatching(/^price\.currency: not an active ISO 4217/) },
      ]);
      expect(catalog.get('c5')?.description).toBe('Two\nlines');
    } finally {
      done();
    }
  });
});

describe('a product without a category', () => {
  it('is "Other" through the vendor API, as through the importer', async () => {
    const made = await vendor.post('/api/products', product({ title: 'Zorbulon widget' }));
    expect(made.json.category).toBe('Other');
    const found = await vendor.get('/api/search?q=zorbulon');
    expect(found.json.facets.category).toEqual([{ value: 'Other', count: 1 }]);

    const { db, done } = tempDb();
    try {
      const catalog = new Catalog(db);
      importRecords(catalog, (fn) => db.transaction(fn)(), 'f', [{ id: 'i1', ...product() }]);
      expect(catalog.get('i1')?.category).toBe('Other');
    } finally {
      done();
    }
  });

  it('stored as "Uncategorized" by an older build is "Other" after the upgrade, as a write changes it', async () => {
    // Schema version 4: the build before the rename.
    const dataDir = olderDataDir(4, randomUUID());
    const raw = new Database(path.join(dataDir, DB_FILE));
    const insert = raw.prepare(
      `INSERT INTO products (id, title, brand, description, category, price_amount, currency, stock, images,
        attributes, version, created_at, updated_at) VALUES (?, ?, 'Acme', '', ?, 500, 'USD', 0, '[]', '{}', 3, 0, 1)`,
    );
    insert.run('p_uncat', 'Qwerpo gadget', 'Uncategorized');
    insert.run('p_typed', 'Qwerpo rake', 'Garden');
    raw.close();
    const older = await startTestServer({ DATA_DIR: dataDir });
    try {
      const c = new Client(older.url);
      const moved = await c.get('/api/products/p_uncat');
      expect(moved.json).toMatchObject({ category: 'Other', version: 4 });
      expect(moved.json.updatedAt).toBeGreaterThan(1);
      expect((await c.get('/api/products/p_typed')).json).toMatchObject({ category: 'Garden', version: 3 });
      // In the change feed, so a search index saved before the upgrade replays it.
      const feed = older.db.prepare(`SELECT product_id FROM product_changes WHERE op = 'upsert'`).all() as {
        product_id: string;
      }[];
      expect(feed.map((r) => r.product_id)).toEqual(['p_uncat']);
      const facets = (await c.get('/api/search?q=qwerpo')).json.facets.category;
      expect(facets).toEqual(
        expect.arrayContaining([
          { value: 'Other', count: 1 },
          { value: 'Garden', count: 1 },
        ]),
      );
      expect(facets).toHaveLength(2);
    } finally {
      await older.close();
    }
  });
});

describe('brand and category spellings', () => {
  it('are written as most products spell them, on create and on update, so facets agree with filters', async () => {
    for (let i = 0; i < 3; i++)
      await vendor.post('/api/products', product({ brand: 'Vexlo', category: 'Laptop Bags' }));
    const shouted = await vendor.post('/api/products', product({ brand: 'VEXLO', category: 'LAPTOP BAGS' }));
    expect(shouted.json).toMatchObject({ brand: 'Vexlo', category: 'Laptop Bags' });
    const typed = await vendor.post(
      '/api/products',
      product({ title: 'Vexlo sleeve', brand: ' vexlo ', category: 'laptop   bags' }),
    );
    expect(typed.status).toBe(201);
    expect(typed.json).toMatchObject({ brand: 'Vexlo', category: 'Laptop Bags' });
    expect((await vendor.get(`/api/products/${typed.json.id}`)).json.brand).toBe('Vexlo');

    // A PATCH (GET, edit, send back) is written the usual way too.
    const p = await createProduct(vendor, 1);
    const patched = await vendor.patch(`/api/products/${p}`, { brand: 'vEXLO', category: 'laptop bags' });
    expect(patched.json).toMatchObject({ brand: 'Vexlo', category: 'Laptop Bags' });

    // The facets count what the filters find, under the one spelling the product pages show.
    const all = (await vendor.get('/api/search?q=&brand=Vexlo&category=Laptop%20Bags&pageSize=1')).json;
    expect(all.total).toBe(6);
    const vexlo = (values: { value: string }[]) => values.filter((b) => /vexlo|laptop bags/i.test(b.value));
    expect(vexlo(all.facets.brand)).toEqual([{ value: 'Vexlo', count: 6 }]);
    expect(vexlo(all.facets.category)).toEqual([{ value: 'Laptop Bags', count: 6 }]);
  });

  it('keep a new spelling as typed, its whitespace runs made one space', async () => {
    const made = await vendor.post(
      '/api/products',
      product({ brand: 'Quill  and\u00a0Ink', category: 'Fountain Pens' }),
    );
    expect(made.json).toMatchObject({ brand: 'Quill and Ink', category: 'Fountain Pens' });
    const again = await vendor.post(
      '/api/products',
      product({ brand: 'QUILL AND INK', category: 'fountain pens' }),
    );
    expect(again.json).toMatchObject({ brand: 'Quill and Ink', category: 'Fountain Pens' });
  });

  it("are an import's too", () => {
    const { db, done } = tempDb();
    try {
      const catalog = new Catalog(db);
      const tx = <T>(fn: () => T) => db.transaction(fn)();
      const report = importRecords(catalog, tx, 'f', [
        { id: 'n1', ...product({ brand: 'HP', category: 'Network Interface Card' }) },
        { id: 'n2', ...product({ brand: 'hp', category: 'Network interface card' }) },
        { id: 'n3', ...product({ brand: 'Hp ', category: 'network  interface card' }) },
      ]);
      expect(report.created).toBe(3);
      for (const id of ['n1', 'n2', 'n3'])
        expect(catalog.get(id)).toMatchObject({ brand: 'HP', category: 'Network Interface Card' });
    } finally {
      done();
    }
  });

  it('of products stored before are made the usual one at the upgrade, each as a write', async () => {
    // Schema version 5: the build before the spelling keys. Its product (OLDER) is in "lamps".
    const dataDir = olderDataDir(5, randomUUID());
    const raw = new Database(path.join(dataDir, DB_FILE));
    const insert = raw.prepare(
      `INSERT INTO products (id, title, brand, description, category, price_amount, currency, stock, images,
        attributes, version, created_at, updated_at) VALUES (?, 'Thing', ?, '', ?, 500, 'USD', 0, '[]', '{}', 3, 0, 1)`,
    );
    insert.run('s1', 'Vexlo', 'Lamps');
    insert.run('s2', 'Vexlo', 'lamps');
    insert.run('s3', 'vexlo', 'Lamps');
    raw.close();
    const older = await startTestServer({ DATA_DIR: dataDir });
    try {
      const c = new Client(older.url);
      const read = async (id: string) => (await c.get(`/api/products/${id}`)).json;
      expect(await read('s1')).toMatchObject({ brand: 'Vexlo', category: 'Lamps', version: 3 });
      expect(await read('s2')).toMatchObject({ brand: 'Vexlo', category: 'Lamps', version: 4 });
      expect(await read('s3')).toMatchObject({ brand: 'Vexlo', category: 'Lamps', version: 4 });
      const feed = older.db
        .prepare(`SELECT product_id FROM product_changes WHERE op = 'upsert' ORDER BY seq`)
        .all() as { product_id: string }[];
      // "Lamps" and "lamps" are two products each: the first in code-point order is kept.
      expect(feed.map((r) => r.product_id).sort()).toEqual(['p_older', 's2', 's3']);
      expect((await read('p_older')).category).toBe('Lamps');
      // Every product has its keys, and one spelling per key is left.
      expect(
        older.db
          .prepare(
            'SELECT brand_key, brand, category_key, category FROM products GROUP BY 1, 2, 3, 4 ORDER BY 1, 3',
          )
          .all(),
      ).toEqual([
        { brand_key: 'acme', brand: 'Acme', category_key: 'lamps', category: 'Lamps' },
        { brand_key: 'vexlo', brand: 'Vexlo', category_key: 'lamps', category: 'Lamps' },
      ]);
    } finally {
      await older.close();
    }
  });
});
