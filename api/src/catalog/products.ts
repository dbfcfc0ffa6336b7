import {
  DEFAULT_CURRENCY,
  FALLBACK_CATEGORY,
  type Product,
  type ProductInput,
  type ProductPatch,
  priceAmount,
  spellingKey,
} from '@shopsync/core';
import { type Db, statement } from '../db.js';
import { newId } from '../ids.js';

interface ProductRow {
  id: string;
  title: string;
  brand: string;
  description: string;
  category: string;
  price_amount: number;
  currency: string;
  stock: number;
  images: string;
  attributes: string;
  version: number;
  created_at: number;
  updated_at: number;
}

export function rowToProduct(r: ProductRow): Product {
  return {
    id: r.id,
    title: r.title,
    brand: r.brand,
    description: r.description,
    category: r.category,
    price: { amount: r.price_amount, currency: r.currency },
    stock: r.stock,
    images: JSON.parse(r.images) as string[],
    attributes: JSON.parse(r.attributes) as Record<string, string>,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The columns that name a product's brand and category by their `spellingKey`. */
type Spelled = 'brand' | 'category';

export type WriteResult =
  | {
      ok: true;
      product: Product;
      created: boolean;
      changed: boolean;
      /** An upsert's (the importer's): the units its stock level set added (or took, < 0). */
      stockMoved?: number;
    }
  | { ok: false; reason: 'not_found' | 'version_mismatch' | 'id_taken'; current?: Product };

/**
 * The catalog store. Every write appends to the change feed (`product_changes`) and, when stock
 * moves, to the stock ledger, in the same transaction as the product row.
 */
export class Catalog {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.stmts = {
      get: db.prepare('SELECT * FROM products WHERE id = ?'),
      offer: db.prepare('SELECT title, price_amount, currency FROM products WHERE id = ?'),
      insert:
        db.prepare(`INSERT INTO products (id, title, brand, description, category, price_amount, currency,
        stock, images, attributes, version, created_at, updated_at, brand_key, category_key)
        VALUES (@id, @title, @brand, @description, @category, @price_amount, @currency, @stock, @images,
        @attributes, @version, @created_at, @updated_at, @brand_key, @category_key)`),
      update: db.prepare(`UPDATE products SET title = @title, brand = @brand, description = @description,
        category = @category, price_amount = @price_amount, currency = @currency, stock = @stock, images = @images,
        attributes = @attributes, version = @version, updated_at = @updated_at, brand_key = @brand_key,
        category_key = @category_key WHERE id = @id`),
      delete: db.prepare('DELETE FROM products WHERE id = ?'),
      change: db.prepare('INSERT INTO product_changes (product_id, op, at) VALUES (?, ?, ?)'),
      movement: db.prepare(
        'INSERT INTO stock_movements (product_id, delta, reason, order_id, at) VALUES (?, ?, ?, ?, ?)',
      ),
      lastChange: db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM product_changes'),
      deletions: db.prepare(
        `SELECT product_id FROM product_changes WHERE seq > ? AND seq <= ? AND op = 'delete'`,
      ),
      all: db.prepare('SELECT * FROM products ORDER BY id'),
      count: db.prepare('SELECT COUNT(*) AS n FROM products'),
      spelling: spellingStatements(db),
    };
    this.fillSpellingKeys();
  }

  /**
   * The spelling a brand or category is stored in: the one most products of its `spellingKey`
   * use (of equally many, the first in code-point order), else `name` with its whitespace runs
   * made one space. Reads only the products of that key, through its index: the first and last
   * spelling of the key, and the counts only when they differ (a key spelled two ways).
   */
  private spelling(column: Spelled, name: string): string {
    const stmts = this.stmts.spelling[column];
    const key = spellingKey(name);
    const first = stmts.first.get(key) as { s: string | null };
    if (first.s === null) return name.trim().replace(/\s+/g, ' ');
    if ((stmts.last.get(key) as { s: string }).s === first.s) return first.s;
    return (stmts.most.get(key) as { s: string }).s;
  }

  /**
   * Fills the key columns a migration left NULL (products from before them), then writes each of
   * those products' brand and category in its key's usual spelling, as a vendor's edit would be
   * written (version, change feed): "hp" among 2,889 "HP" becomes "HP". Does nothing (one look
   * through the keys' index) once every product has its keys.
   */
  private fillSpellingKeys(): void {
    const missing = this.db.prepare(
      'SELECT id, brand, category FROM products WHERE brand_key IS NULL OR category_key IS NULL',
    );
    if (!missing.get()) return;
    this.db
      .transaction(() => {
        const rows = missing.all() as { id: string; brand: string; category: string }[];
        const fill = this.db.prepare('UPDATE products SET brand_key = ?, category_key = ? WHERE id = ?');
        for (const r of rows) fill.run(spellingKey(r.brand), spellingKey(r.category), r.id);
        for (const r of rows) {
          const brand = this.spelling('brand', r.brand);
          const category = this.spelling('category', r.category);
          if (brand !== r.brand || category !== r.category)
            this.applyPatch(this.get(r.id)!, { brand, category });
        }
      })
      .immediate();
  }

  get(id: string): Product | undefined {
    const row = this.stmts.get.get(id) as ProductRow | undefined;
    return row ? rowToProduct(row) : undefined;
  }

  /** A product's title and price only: what an order line snapshots (no attribute JSON to parse). */
  offer(id: string): { title: string; price: Product['price'] } | undefined {
    const row = this.stmts.offer.get(id) as
      | { title: string; price_amount: number; currency: string }
      | undefined;
    return row && { title: row.title, price: { amount: row.price_amount, currency: row.currency } };
  }

  /** Best sellers by units in confirmed, uncancelled orders (the ledger's order movements net of cancels). */
  popular(limit: number): Product[] {
    const rows = this.db
      .prepare(
        `SELECT p.* FROM products p JOIN (
           SELECT product_id, -SUM(delta) AS sold FROM stock_movements
           WHERE reason IN ('order', 'cancel') GROUP BY product_id HAVING sold > 0
         ) s ON s.product_id = p.id
         ORDER BY s.sold DESC, p.id LIMIT ?`,
      )
      .all(limit) as ProductRow[];
    return rows.map(rowToProduct);
  }

  count(): number {
    return (this.stmts.count.get() as { n: number }).n;
  }

  /**
   * Every product, as `all` but with only the first image and some attributes: what the search
   * index reads. `named`: attributes picked by their exact name; `anyCase`: names (lower case)
   * picked whatever the case of the attribute's name and the spaces around it, and left out of
   * `specCount`, how many attributes the product states (the barcodes, which are no
   * specifications). SQLite picks and counts them, so the (large) attribute JSON of a real catalog
   * is never parsed in JavaScript: a third of the time of loading a saved search index.
   */
  forIndex(named: readonly string[], anyCase: readonly string[] = []): (Product & { specCount: number })[] {
    // One walk of each product's attributes; the names are bound parameters, never spliced into SQL.
    const names = named.map(() => '?').join(', ');
    const lowered = anyCase.map(() => '?').join(', ');
    const isNamed = named.length ? `key IN (${names})` : '0';
    const isAnyCase = anyCase.length ? `lower(trim(key)) IN (${lowered})` : '0';
    // In order of insertion (rowid): the index's stable tie-break, and a plain walk of the table.
    const rows = statement(
      this.db,
      `SELECT id, title, brand, description, category, price_amount, currency, stock, version, created_at,
       updated_at, json_extract(images, '$[0]') AS image,
       (SELECT json_array(count(*) FILTER (WHERE NOT ${isAnyCase}),
                          json_group_object(key, value) FILTER (WHERE ${isNamed} OR ${isAnyCase}))
          FROM json_each(products.attributes)) AS picked
       FROM products ORDER BY rowid`,
    )
      .raw()
      .all(...anyCase, ...named, ...anyCase) as unknown[][];
    return rows.map((r) => {
      const [counted, values] = JSON.parse(r[12] as string) as [number, Record<string, unknown>];
      const picked: Record<string, string> = {};
      for (const [name, value] of Object.entries(values)) if (typeof value === 'string') picked[name] = value;
      return {
        id: r[0] as string,
        title: r[1] as string,
        brand: r[2] as string,
        description: r[3] as string,
        category: r[4] as string,
        price: { amount: r[5] as number, currency: r[6] as string },
        stock: r[7] as number,
        version: r[8] as number,
        createdAt: r[9] as number,
        updatedAt: r[10] as number,
        images: typeof r[11] === 'string' ? [r[11]] : [],
        attributes: picked,
        specCount: counted,
      };
    });
  }

  *all(): IterableIterator<Product> {
    for (const row of this.stmts.all.iterate() as IterableIterator<ProductRow>) yield rowToProduct(row);
  }

  /**
   * Creates a product; with `upsert`, an existing id is updated instead (the importer's
   * idempotence). `keepStock`: the input's stock is only the level a new product starts with (an
   * Icecat file states none), and an existing product keeps the stock orders and its vendor left it.
   * A stock the upsert does write is a stock level set as PUT /api/products/:id/stock sets one
   * (`applyPatch`: an `adjust` movement of the difference).
   */
  create(
    input: ProductInput & { category?: string },
    options: { upsert?: boolean; keepStock?: boolean } = {},
  ): WriteResult {
    return this.db
      .transaction((): WriteResult => {
        const id = input.id ?? newId('p', 9);
        const existing = this.get(id);
        if (existing) {
          if (!options.upsert) return { ok: false, reason: 'id_taken', current: existing };
          const { stock, ...fields } = input;
          const result = this.applyPatch(existing, {
            ...fields,
            category: input.category ?? existing.category,
            ...(options.keepStock ? {} : { stock }),
          });
          return result.ok ? { ...result, stockMoved: result.product.stock - existing.stock } : result;
        }
        const at = this.now();
        const product: Product = {
          id,
          title: input.title,
          brand: this.spelling('brand', input.brand),
          description: input.description ?? '',
          category: this.spelling('category', input.category ?? FALLBACK_CATEGORY),
          price: { amount: priceAmount(input.price), currency: currencyOf(input.price) },
          stock: input.stock,
          images: input.images ?? [],
          attributes: input.attributes ?? {},
          version: 1,
          createdAt: at,
          updatedAt: at,
        };
        this.stmts.insert.run(keyedRow(product));
        this.stmts.change.run(id, 'upsert', at);
        if (product.stock > 0) this.stmts.movement.run(id, product.stock, 'initial', null, at);
        return { ok: true, product, created: true, changed: true };
      })
      .immediate();
  }

  /** Updates a product; `expectedVersion` (from If-Match) makes it a compare-and-set. */
  update(id: string, patch: ProductPatch, expectedVersion?: number): WriteResult {
    return this.db
      .transaction((): WriteResult => {
        const existing = this.get(id);
        if (!existing) return { ok: false, reason: 'not_found' };
        if (expectedVersion !== undefined && existing.version !== expectedVersion) {
          return { ok: false, reason: 'version_mismatch', current: existing };
        }
        return this.applyPatch(existing, patch);
      })
      .immediate();
  }

  /**
   * The ids of products deleted (DELETE /api/products/:id) by the change feed's entries after
   * `after`, and the feed's last entry: an import leaves out a product its vendor deleted. The
   * feed is kept whole, so from 0 it names every product ever deleted (some since made again).
   */
  deletedSince(after: number): { ids: string[]; last: number } {
    const last = (this.stmts.lastChange.get() as { seq: number }).seq;
    const rows = this.stmts.deletions.all(after, last) as { product_id: string }[];
    return { ids: rows.map((r) => r.product_id), last };
  }

  /** Sets a stock level (an `adjust` movement of the difference); `expectedVersion` as `update`'s. */
  setStock(id: string, stock: number, expectedVersion?: number): WriteResult {
    return this.update(id, { stock }, expectedVersion);
  }

  delete(id: string): boolean {
    return this.db
      .transaction(() => {
        const existing = this.get(id);
        if (!existing) return false;
        const at = this.now();
        this.stmts.delete.run(id);
        this.stmts.change.run(id, 'delete', at);
        if (existing.stock > 0) this.stmts.movement.run(id, -existing.stock, 'delete', null, at);
        return true;
      })
      .immediate();
  }

  private applyPatch(existing: Product, patch: ProductPatch & { category?: string }): WriteResult {
    const next: Product = {
      ...existing,
      title: patch.title ?? existing.title,
      brand: patch.brand === undefined ? existing.brand : this.spelling('brand', patch.brand),
      description: patch.description ?? existing.description,
      category: patch.category === undefined ? existing.category : this.spelling('category', patch.category),
      price:
        patch.price === undefined
          ? existing.price
          : { amount: priceAmount(patch.price), currency: currencyOf(patch.price, existing.price.currency) },
      stock: patch.stock ?? existing.stock,
      images: patch.images ?? existing.images,
      attributes: patch.attributes ?? existing.attributes,
    };
    if (sameContent(existing, next)) return { ok: true, product: existing, created: false, changed: false };
    const at = this.now();
    next.version = existing.version + 1;
    next.updatedAt = at;
    this.stmts.update.run(keyedRow(next));
    this.stmts.change.run(existing.id, 'upsert', at);
    const delta = next.stock - existing.stock;
    if (delta !== 0) this.stmts.movement.run(existing.id, delta, 'adjust', null, at);
    return { ok: true, product: next, created: false, changed: true };
  }
}

function currencyOf(price: ProductInput['price'], fallback = DEFAULT_CURRENCY): string {
  return typeof price === 'number' ? fallback : (price.currency ?? fallback);
}

function sameContent(a: Product, b: Product): boolean {
  return JSON.stringify(toRow(a)) === JSON.stringify(toRow(b));
}

/**
 * Per column: the first and last spelling of a key (each one step of its index), and the spelling
 * most of its products use.
 */
function spellingStatements(db: Db) {
  const of = (column: Spelled) => ({
    first: db.prepare(`SELECT MIN(${column}) AS s FROM products WHERE ${column}_key = ?`),
    last: db.prepare(`SELECT MAX(${column}) AS s FROM products WHERE ${column}_key = ?`),
    most: db.prepare(
      `SELECT ${column} AS s FROM products WHERE ${column}_key = ? GROUP BY ${column} ORDER BY COUNT(*) DESC, ${column} LIMIT 1`,
    ),
  });
  return { brand: of('brand'), category: of('category') };
}

/** A product's row as written: its columns and the keys of its brand and category. */
function keyedRow(p: Product) {
  return { ...toRow(p), brand_key: spellingKey(p.brand), category_key: spellingKey(p.category) };
}

function toRow(p: Product): ProductRow {
  return {
    id: p.id,
    title: p.title,
    brand: p.brand,
    description: p.description,
    category: p.category,
    price_amount: p.price.amount,
    currency: p.price.currency,
    stock: p.stock,
    images: JSON.stringify(p.images),
    attributes: JSON.stringify(p.attributes),
    version: p.version,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}
