import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProductPatch } from '@shopsync/core';
import { ICECAT_DEFAULT_STOCK } from '@shopsync/search';
import { zipSync } from 'fflate';
import { describe, expect, it, vi } from 'vitest';
import { importRecords, readRecords } from '../src/catalog/import.js';
import { Catalog } from '../src/catalog/products.js';
import { checkLedger } from '../src/checkout/ledger.js';
import { SqliteStockStore } from '../src/checkout/stock.js';
import { OrderStore } from '../src/checkout/store.js';
import { type Db, openDatabase } from '../src/db.js';
import { holdWriteLock } from './process.js';

const repo = path.resolve(import.meta.dirname, '../..');
const icecatDir = path.resolve(repo, '../shared/data/icecat');
const hasIcecat = fs.existsSync(icecatDir);
if (!hasIcecat) console.warn(`skipping the Icecat import test: ${icecatDir} is absent`);

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-import-'));
}

const good = (id: string, title = `Product ${id}`) => ({ id, title, brand: 'Acme', price: 1999, stock: 3 });

/** A confirmed order of `quantity` units, placed and decided as the checkout does. */
async function order(db: Db, productId: string, quantity: number, price: number): Promise<void> {
  const inserted = await new OrderStore(db).insertPending('u_test', randomUUID(), 'hash', {
    cartId: 'c_test',
    lines: [{ productId, title: 'x', quantity, unitPrice: { amount: price, currency: 'USD' }, tags: ['t1'] }],
  });
  if (!inserted.ok) throw new Error('insert failed');
  expect(new SqliteStockStore(db).decide([inserted.order.id])).toMatchObject([{ status: 'confirmed' }]);
}

function movements(db: Db) {
  return db.prepare('SELECT product_id, delta, reason FROM stock_movements ORDER BY id').all() as {
    product_id: string;
    delta: number;
    reason: string;
  }[];
}

describe('importer', () => {
  it('reads JSON arrays, JSON Lines and zips of JSON', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify([good('a1'), good('a2')]));
    fs.writeFileSync(
      path.join(dir, 'b.jsonl'),
      `${JSON.stringify(good('b1'))}\n{oops\n${JSON.stringify(good('b2'))}\n`,
    );
    fs.writeFileSync(
      path.join(dir, 'c.json.zip'),
      zipSync({ 'c.json': new TextEncoder().encode(JSON.stringify([good('c1')])) }),
    );
    expect(readRecords(path.join(dir, 'a.json'))).toHaveLength(2);
    expect(readRecords(path.join(dir, 'b.jsonl'))).toHaveLength(3);
    expect(readRecords(path.join(dir, 'c.json.zip'))).toEqual([good('c1')]);
  });

  it('reports bad records by position, skips them, and is idempotent', () => {
    const db = openDatabase(tmp());
    const catalog = new Catalog(db);
    const tx = <T>(fn: () => T) => db.transaction(fn)();
    const records = [
      good('x1'),
      { id: 'x2', title: '', brand: 'Acme', price: 5, stock: 1 },
      { title: 'no id', brand: 'B', price: 1, stock: 1 },
      'junk',
      good('x3'),
    ];
    const first = importRecords(catalog, tx, 'f', records);
    expect(first).toMatchObject({ records: 5, created: 2, updated: 0, unchanged: 0 });
    expect(first.rejected.map((r) => r.position)).toEqual([2, 3, 4]);
    expect(first.rejected[0]!.error).toMatch(/title/);
    const again = importRecords(catalog, tx, 'f', [good('x1'), good('x3', 'Renamed')]);
    expect(again).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    expect(catalog.count()).toBe(2);
    expect(catalog.get('x3')).toMatchObject({ title: 'Renamed', version: 2 });
  });

  it('takes the last of records sharing an id, and counts the duplicates', () => {
    const db = openDatabase(tmp());
    const catalog = new Catalog(db);
    const tx = <T>(fn: () => T) => db.transaction(fn)();
    const report = importRecords(catalog, tx, 'f', [
      good('d1', 'First'),
      good('d2'),
      { id: 7, title: 'Acme Widget', supplier: 'Acme', price: 100 },
      good('d1', 'Second'),
      { id: '7', title: 'Acme Widget Two', supplier: 'Acme', price: 100 },
      good('d1', 'Third'),
    ]);
    // Icecat's 7 and "7" are one product; the earlier records are not written at all.
    expect(report).toMatchObject({ created: 3, updated: 0, unchanged: 0, rejected: [] });
    expect(report).toMatchObject({ duplicateIds: 2, superseded: 3 });
    expect(catalog.get('d1')).toMatchObject({ title: 'Third', version: 1 });
    expect(catalog.get('7')).toMatchObject({ title: 'Acme Widget Two', version: 1 });
    expect(importRecords(catalog, tx, 'f', [good('d2')])).toMatchObject({ duplicateIds: 0, superseded: 0 });
  });

  it('keeps on re-import the stock orders took and vendors set (Icecat states none); the ledger stays whole', async () => {
    const db = openDatabase(tmp());
    const catalog = new Catalog(db);
    const tx = <T>(fn: () => T) => db.transaction(fn)();
    const icecat = (id: number, price = 1299) => ({
      id,
      title: `Acme Widget ${id}`,
      supplier: 'Acme',
      price,
    });
    expect(importRecords(catalog, tx, 'icecat', [icecat(1), icecat(2)])).toMatchObject({ created: 2 });
    expect(catalog.get('1')!.stock).toBe(ICECAT_DEFAULT_STOCK);
    await order(db, '1', 3, 1299);
    expect(catalog.setStock('2', 2).ok).toBe(true); // PUT /api/products/2/stock
    const movementsBefore = movements(db);

    const again = importRecords(catalog, tx, 'icecat', [icecat(1), icecat(2)]);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2, stockSet: 0 });
    expect(catalog.get('1')!.stock).toBe(ICECAT_DEFAULT_STOCK - 3);
    expect(catalog.get('2')!.stock).toBe(2);
    expect(movements(db)).toEqual(movementsBefore);
    expect(checkLedger(db)).toEqual([]);

    // The file is the source of the price: a new one is written; the stock still is not.
    const priced = importRecords(catalog, tx, 'icecat', [icecat(1), icecat(2, 1499)]);
    expect(priced).toMatchObject({ updated: 1, unchanged: 1, stockSet: 0 });
    expect(catalog.get('2')).toMatchObject({ price: { amount: 1499 }, stock: 2 });
    expect(checkLedger(db)).toEqual([]);
  });

  it('sets a stock a JSON record states as the vendor API does, through the ledger; a record without one keeps it', async () => {
    const db = openDatabase(tmp());
    const catalog = new Catalog(db);
    const tx = <T>(fn: () => T) => db.transaction(fn)();
    const { stock: _, ...unstocked } = good('s2');
    expect(importRecords(catalog, tx, 'f', [good('s1'), unstocked])).toMatchObject({ created: 2 });
    expect(catalog.get('s2')!.stock).toBe(0); // a new product without a stated stock has none
    await order(db, 's1', 1, 1999);
    catalog.setStock('s2', 4);

    // s1's file says 3: a stock level set as PUT /stock sets one, the order's unit back in an
    // `adjust` movement; s2 states none and keeps the vendor's 4.
    const again = importRecords(catalog, tx, 'f', [good('s1'), unstocked]);
    expect(again).toMatchObject({ updated: 1, unchanged: 1, stockSet: 1 });
    expect(catalog.get('s1')!.stock).toBe(3);
    expect(catalog.get('s2')!.stock).toBe(4);
    expect(movements(db).filter((m) => m.product_id === 's1')).toEqual([
      { product_id: 's1', delta: 3, reason: 'initial' },
      { product_id: 's1', delta: -1, reason: 'order' },
      { product_id: 's1', delta: 1, reason: 'adjust' },
    ]);
    expect(checkLedger(db)).toEqual([]);
  });

  it('leaves out a product the vendor deleted, unless told to restore it', () => {
    const db = openDatabase(tmp());
    const catalog = new Catalog(db);
    const tx = <T>(fn: () => T) => db.transaction(fn)();
    importRecords(catalog, tx, 'f', [good('r1'), good('r2')]);
    expect(catalog.delete('r1')).toBe(true); // DELETE /api/products/r1
    const again = importRecords(catalog, tx, 'f', [good('r1'), good('r2'), good('r3')]);
    expect(again).toMatchObject({ created: 1, unchanged: 1, deletedSkipped: 1, rejected: [] });
    expect(catalog.get('r1')).toBeUndefined();
    const restored = importRecords(catalog, tx, 'f', [good('r1')], undefined, { restoreDeleted: true });
    expect(restored).toMatchObject({ created: 1, deletedSkipped: 0 });
    expect(catalog.get('r1')).toMatchObject({ stock: 3, version: 1 });
    // Made again, it is a product like any other: a later import updates it.
    expect(importRecords(catalog, tx, 'f', [good('r1', 'Renamed')])).toMatchObject({ updated: 1 });
    expect(checkLedger(db)).toEqual([]);
  });

  it('checks Icecat records as vendor products: what GET returns of them, PATCH takes back', () => {
    const db = openDatabase(tmp());
    const catalog = new Catalog(db);
    const icecat = (id: number, fields: Record<string, unknown>) => ({
      id,
      title: `Acme Widget ${id}`,
      supplier: 'Acme',
      price: 1299,
      short_description: 'A widget',
      ...fields,
    });
    const report = importRecords(catalog, (fn) => db.transaction(fn)(), 'icecat', [
      icecat(1, { title: `Acme ${'very '.repeat(80)}long widget` }),
      icecat(2, { img_500x500: 'not an image address', img_high: 'http://images.example/2.jpg' }),
      icecat(3, { supplier: 'A'.repeat(150) }),
    ]);
    expect(report.created).toBe(1);
    expect(report.rejected.map((r) => [r.position, r.error.split(':')[0]])).toEqual([
      [1, 'title'],
      [3, 'brand'],
    ]);
    // A malformed image is left out, not the product; the other is served over HTTPS.
    const { id, version, createdAt, updatedAt, ...fields } = catalog.get('2')!;
    expect(fields.images).toEqual(['https://images.example/2.jpg']);
    expect(ProductPatch.safeParse({ id, version, createdAt, updatedAt, ...fields }).success).toBe(true);
  });

  it('rejects a record whose values cannot be read (an object with its own toString), and only it', () => {
    const db = openDatabase(tmp());
    const catalog = new Catalog(db);
    const icecat = (id: number, extra: Record<string, unknown> = {}) => ({
      id,
      title: `Acme Gadget ${id}`,
      supplier: 'Acme',
      price: 1299,
      attr_t_colour: 'black',
      ...extra,
    });
    const records = [
      icecat(1),
      icecat(2, { attr_t_evil: { toString: 'x' } }),
      icecat(3, { attr_t_list: [{ toString: 'x' }] }),
      { id: 4, title: { toString: 'x' }, supplier: 'Acme', price: 1 },
      icecat(5),
    ];
    // Not from JSON, but what any record whose reading throws would do: rejected alone.
    const throwing = {
      id: 6,
      supplier: 'Acme',
      price: 1,
      get title(): string {
        throw new Error('unreadable');
      },
    };
    records.push(throwing as never, icecat(7));
    const report = importRecords(catalog, (fn) => db.transaction(fn)(), 'poison', records);
    // An attribute no shopper could read is left out; a record that cannot be read at all is rejected.
    expect(report.created).toBe(5);
    expect(report.rejected.map((r) => r.position)).toEqual([4, 6]);
    expect(report.rejected[1]!.error).toMatch(/unreadable record: unreadable/);
    expect(catalog.get('2')!.attributes).not.toHaveProperty('evil');
    expect(catalog.get('2')!.attributes.colour).toBe('black');
    expect(catalog.get('5')).toBeDefined();
  });

  it('refuses a file past the limits of unpacked bytes or records, before importing any of it', () => {
    const dir = tmp();
    const zip = path.join(dir, 'bomb.json.zip');
    fs.writeFileSync(
      zip,
      zipSync({ 'a.json': new Uint8Array(5000).fill(0x20), 'b.json': new Uint8Array(5000).fill(0x20) }),
    );
    expect(() => readRecords(zip, { maxUnpackedBytes: 8000, maxRecords: 100 })).toThrow(
      /unpacks to more than 8000 bytes/,
    );
    const lines = path.join(dir, 'many.jsonl');
    fs.writeFileSync(lines, '{}\n'.repeat(101));
    expect(() => readRecords(lines, { maxUnpackedBytes: 8000, maxRecords: 100 })).toThrow(
      /more than 100 lines/,
    );
    fs.writeFileSync(lines, '{}\n'.repeat(100));
    expect(readRecords(lines, { maxUnpackedBytes: 8000, maxRecords: 100 })).toHaveLength(100);
    // A JSON array's elements are counted before any is made; a plain file past the byte limit
    // is not even read as text.
    const array = path.join(dir, 'many.json');
    const parse = vi.spyOn(JSON, 'parse');
    fs.writeFileSync(array, JSON.stringify(Array.from({ length: 101 }, () => ({ a: [1, 2], b: {} }))));
    expect(() => readRecords(array, { maxUnpackedBytes: 8000, maxRecords: 100 })).toThrow(
      /more than 100 records; at most 100/,
    );
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    // Commas and brackets inside strings, or nested deeper, are not elements.
    const tricky = [{ t: 'a, b], [c' }, { t: 'quote \\" ,{' }, { n: [1, 2, 3, { x: ',' }] }];
    fs.writeFileSync(array, JSON.stringify(tricky));
    expect(readRecords(array, { maxUnpackedBytes: 8000, maxRecords: 3 })).toEqual(tricky);
    expect(() => readRecords(array, { maxUnpackedBytes: 8000, maxRecords: 2 })).toThrow(
      /more than 2 records/,
    );
    fs.writeFileSync(array, '[]');
    expect(readRecords(array, { maxUnpackedBytes: 8000, maxRecords: 0 })).toEqual([]);
    fs.writeFileSync(array, `[${'{},'.repeat(3000)}{}]`);
    expect(() => readRecords(array, { maxUnpackedBytes: 8000, maxRecords: 100_000 })).toThrow(
      /more than 8000 bytes/,
    );
  });

  it('runs as `npm run import` with progress, honouring SHOPSYNC_SEED=none', () => {
    const dir = tmp();
    const file = path.join(dir, 'p.json');
    fs.writeFileSync(file, JSON.stringify([good('cli1'), good('cli2'), { bad: true }]));
    const run = spawnSync(
      'node',
      ['--import', 'tsx', path.join(repo, 'api/src/catalog/import-cli.ts'), file],
      {
        cwd: repo,
        env: { ...process.env, DATA_DIR: path.join(dir, 'data'), SHOPSYNC_SEED: 'none' },
        encoding: 'utf8',
      },
    );
    // The good records are in; a rejected one makes the exit code say so.
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/p\.json: 3\/3 \(100%\)/);
    expect(run.stderr).toMatch(/record #3/);
    expect(run.stdout).toMatch(/2 created, 0 updated, 0 unchanged, 1 rejected/);
    expect(run.stdout).toMatch(/2 products/);

    // A relative name is read from where `npm run import` was typed (INIT_CWD), not the repository.
    // Duplicate ids are said, and are no error: the last record of each is the product.
    fs.writeFileSync(path.join(dir, 'more.json'), JSON.stringify([good('cli3', 'First'), good('cli3')]));
    const relative = spawnSync(
      'node',
      ['--import', 'tsx', path.join(repo, 'api/src/catalog/import-cli.ts'), 'more.json'],
      {
        cwd: repo,
        env: { ...process.env, DATA_DIR: path.join(dir, 'data'), SHOPSYNC_SEED: 'none', INIT_CWD: dir },
        encoding: 'utf8',
      },
    );
    expect(relative.status).toBe(0);
    expect(relative.stdout).toMatch(
      /2 records, 1 created, 0 updated, 0 unchanged, 0 rejected; 1 duplicate id: the last record of each kept, 1 earlier one left out\n/,
    );
    expect(relative.stdout).toMatch(/3 products/);

    // An option it does not know is a usage error, not a silently ignored word.
    const typo = spawnSync(
      'node',
      ['--import', 'tsx', path.join(repo, 'api/src/catalog/import-cli.ts'), '--restore-delted', file],
      { cwd: repo, env: { ...process.env, DATA_DIR: path.join(dir, 'data') }, encoding: 'utf8' },
    );
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/usage: npm run import -- \[--restore-deleted\] FILE/);

    // check-ledger on a folder with no database says so (it used to create one and call it whole).
    const ledger = (dataDir: string) =>
      spawnSync('node', ['--import', 'tsx', path.join(repo, 'api/src/checkout/ledger-cli.ts')], {
        cwd: repo,
        env: { ...process.env, DATA_DIR: dataDir },
        encoding: 'utf8',
      });
    const missing = ledger(path.join(dir, 'no-such-data'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no database at/);
    expect(fs.existsSync(path.join(dir, 'no-such-data'))).toBe(false);
    const ok = ledger(path.join(dir, 'data'));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/ledger ok: 3 products, 0 orders/);
  }, 60_000);

  it.skipIf(!hasIcecat)('imports an Icecat zip with brand, price in cents and a derived category', () => {
    const db = openDatabase(tmp());
    const catalog = new Catalog(db);
    const file = path.join(icecatDir, 'products-4.json.zip');
    const records = readRecords(file);
    expect(records.length).toBe(4406);
    const report = importRecords(catalog, (fn) => db.transaction(fn)(), file, records);
    expect(report.created + report.rejected.length).toBe(4406);
    expect(report.created).toBeGreaterThan(4000);
    const raw = records[0] as { id: unknown; supplier: string };
    const product = catalog.get(String(raw.id))!;
    expect(product.brand).toBe(raw.supplier);
    expect(product.category.length).toBeGreaterThan(0);
    expect(product.category).not.toBe('Uncategorized');
  });
});

describe('Catalog.forIndex', () => {
  it('yields what the search index reads exactly as the full products give it', () => {
    const catalog = new Catalog(openDatabase(tmp()));
    catalog.create({
      ...good('f1', 'Kestrel 10 inch tablet'),
      description: '',
      images: ['https://img.example/f1-a.jpg', 'https://img.example/f1-b.jpg'],
      attributes: {
        'product type': 'Tablet',
        'form factor': 'Slate',
        colour: 'Grey',
        "it's": '"quoted"',
        ' Ean ': '4006381333931',
        Gtin: '00735858205177',
        'Product Type': 'not the named one',
      },
    });
    catalog.create({ ...good('f2', 'Plain widget'), description: '', images: [], attributes: {} });
    const wanted = ['product type', 'form factor', 'platform'];
    const full = [...catalog.all()];
    const light = [...catalog.forIndex(wanted, ['ean', 'gtin'])];
    expect(light.map((p) => p.id)).toEqual(full.map((p) => p.id));
    // Named attributes by their exact name; barcodes whatever the case of theirs.
    expect(light[0]!.attributes).toEqual({
      'product type': 'Tablet',
      'form factor': 'Slate',
      ' Ean ': '4006381333931',
      Gtin: '00735858205177',
    });
    // Every attribute but the two barcodes: the five the product states as specifications.
    expect(light[0]!.specCount).toBe(5);
    expect(light[0]!.images).toEqual(['https://img.example/f1-a.jpg']);
    expect(light[1]!).toEqual({ ...full[1]!, images: [], attributes: {}, specCount: 0 });
    const { attributes: _a, images: _i, ...rest } = full[0]!;
    expect(light[0]!).toMatchObject(rest);
  });
});

describe('npm run import beside another writer', () => {
  it('stops with a message (no stack trace) when the database stays locked, and the same command resumes', async () => {
    const dir = tmp();
    const dataDir = path.join(dir, 'data');
    openDatabase(dataDir).close(); // created and migrated
    const file = path.join(dir, 'p.json');
    fs.writeFileSync(file, JSON.stringify([good('lock1'), good('lock2')]));
    const importer = ['--import', 'tsx', path.join(repo, 'api/src/catalog/import-cli.ts'), file];
    const env = { ...process.env, DATA_DIR: dataDir, SHOPSYNC_SEED: 'none' };

    // Another process holds the write lock until the importer has given up (its busy timeout is 5 s).
    const lock = await holdWriteLock(path.join(dataDir, 'shopsync.sqlite'));
    const stopped = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn('node', importer, { cwd: repo, env });
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.once('exit', (status) => resolve({ status, stderr }));
    });
    await lock.release();
    expect(stopped.status).toBe(1);
    expect(stopped.stderr).toMatch(/import stopped: database is locked; run the same command again/);
    expect(stopped.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const resumed = spawnSync('node', importer, { cwd: repo, env, encoding: 'utf8' });
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/2 created/);
  }, 40_000);
});
