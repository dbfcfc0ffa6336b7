import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Schema migrations, applied in order once each (user_version tracks the last one).
 * Append new migrations; never edit an applied one. Exported for the tests that make a database
 * as an older build left it.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE users (
    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    password_hash TEXT NOT NULL, created_at INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
  );
  CREATE INDEX sessions_user ON sessions(user_id);
  CREATE TABLE addresses (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), body TEXT NOT NULL, created_at INTEGER NOT NULL
  );
  CREATE INDEX addresses_user ON addresses(user_id);
  CREATE TABLE products (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, brand TEXT NOT NULL, description TEXT NOT NULL,
    category TEXT NOT NULL, price_amount INTEGER NOT NULL, currency TEXT NOT NULL,
    stock INTEGER NOT NULL CHECK (stock >= 0), images TEXT NOT NULL, attributes TEXT NOT NULL,
    version INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
  );
  -- The change feed: written in the same transaction as the product, consumed in order by search.
  CREATE TABLE product_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, product_id TEXT NOT NULL, op TEXT NOT NULL, at INTEGER NOT NULL
  );
  -- Every stock movement with its cause, so stock can be audited against orders.
  CREATE TABLE stock_movements (
    id INTEGER PRIMARY KEY AUTOINCREMENT, product_id TEXT NOT NULL, delta INTEGER NOT NULL,
    reason TEXT NOT NULL, order_id TEXT, at INTEGER NOT NULL
  );
  CREATE INDEX stock_movements_product ON stock_movements(product_id);
  CREATE TABLE carts (id TEXT PRIMARY KEY, owner TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
  CREATE TABLE orders (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, cart_id TEXT NOT NULL, status TEXT NOT NULL,
    lines TEXT NOT NULL, total_amount INTEGER NOT NULL, currency TEXT NOT NULL, reasons TEXT,
    address_id TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    -- 1 once a confirmed order's entries are gone from the cart document (redone after a crash).
    cart_cleared INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX orders_user ON orders(user_id, created_at);
  CREATE INDEX orders_open ON orders(status, cart_cleared);
  CREATE TABLE idempotency_keys (
    owner TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, order_id TEXT NOT NULL,
    created_at INTEGER NOT NULL, PRIMARY KEY (owner, key)
  );
  `,
  // Addresses a shopper removed stay for the orders that were sent to them.
  `ALTER TABLE addresses ADD COLUMN removed_at INTEGER;`,
  // Fulfilment: confirmed -> shipped -> delivered, each step's time kept. The operator's list of
  // every shopper's orders (newest first, optionally of one status) reads these two indexes.
  `
  ALTER TABLE orders ADD COLUMN shipped_at INTEGER;
  ALTER TABLE orders ADD COLUMN delivered_at INTEGER;
  CREATE INDEX orders_created ON orders(created_at, id);
  CREATE INDEX orders_status ON orders(status, created_at, id);
  `,
  // Password resets by mail: a token is stored only as its hash (as a session's), kept after its
  // use or expiry until swept, so that the mails an account was sent in the last hour are counted.
  `
  CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER
  );
  CREATE INDEX password_resets_user ON password_resets(user_id, created_at);
  `,
  // A product made without a category was "Uncategorized" through the vendor API and "Other"
  // through the importer: two buckets of one kind. "Other" (FALLBACK_CATEGORY) is kept. Each
  // renamed product is changed as a write changes it: its version (ETag) moves and it enters the
  // change feed, so a search index saved before this is brought up to date by its replay.
  `
  INSERT INTO product_changes (product_id, op, at)
    SELECT id, 'upsert', CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM products
    WHERE category = 'Uncategorized' ORDER BY rowid;
  UPDATE products SET category = 'Other', version = version + 1,
    updated_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
    WHERE category = 'Uncategorized';
  `,
  // A brand or category is written in the spelling most products of its key (spellingKey in
  // core: case and whitespace aside) use; these find that spelling without reading other products.
  // The keys are made in JavaScript: the catalog fills the NULL ones of existing products at start.
  `
  ALTER TABLE products ADD COLUMN brand_key TEXT;
  ALTER TABLE products ADD COLUMN category_key TEXT;
  CREATE INDEX products_brand_key ON products(brand_key, brand);
  CREATE INDEX products_category_key ON products(category_key, category);
  `,
  // Email changes by mail: the link's token stored only as its hash (as a reset's), with the
  // address it would set; kept after use or expiry until swept, so that the mails sent for an
  // account, and to an address, in the last hour are counted.
  `
  CREATE TABLE email_changes (
    token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), new_email TEXT NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER
  );
  CREATE INDEX email_changes_user ON email_changes(user_id, created_at);
  CREATE INDEX email_changes_new_email ON email_changes(new_email, created_at);
  `,
];

/**
 * How far a commit is durable. 'normal' (SQLite's synchronous=NORMAL in WAL mode): against a
 * process crash (kill -9); an OS crash or power loss can lose the last transactions. 'full': every
 * commit is fsynced before it returns, so it survives power loss too, at the cost of an fsync per
 * commit; group commit keeps commits few (one per batch of decided orders, one per event-loop
 * turn of cart updates).
 */
export type Durability = 'normal' | 'full';

/** The shop's database file in `DATA_DIR`. */
export const DB_FILE = 'shopsync.sqlite';

/**
 * The database file in `dataDir`, for the commands that must not create one (backup, the ledger
 * check): when there is none, says so on stderr and returns undefined.
 */
export function existingDatabase(dataDir: string): string | undefined {
  const file = path.join(dataDir, DB_FILE);
  if (fs.existsSync(file)) return file;
  console.error(`no database at ${file} (set DATA_DIR)`);
  return undefined;
}

/** Opens (creating if needed) the one SQLite file of the embedded default, in WAL mode. */
export function openDatabase(dataDir: string, file = DB_FILE, durability: Durability = 'normal'): Db {
  // Private: the file holds the secret, sessions and carts (the shop tightens an older one, server.ts).
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(path.join(dataDir, file));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Opens an existing database file as it is, never migrating it: for the commands that only read
 * beside a running shop (the ledger check). Upgrading the schema there would leave the build
 * that is serving unable to start again (its schema would be newer than its own).
 */
export function openUnmigrated(file: string): Db {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    schemaVersion(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** The database's schema version; a newer build's is refused. */
function schemaVersion(db: Db): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  // A newer build's schema (a rollback after an upgrade): this code would misread its tables.
  if (current > MIGRATIONS.length)
    throw new Error(
      `the database is at schema version ${current}, newer than this build's ${MIGRATIONS.length}: it was written by a newer ShopSync; run that version, or restore a backup made by this one`,
    );
  return current;
}

function migrate(db: Db): void {
  const current = schemaVersion(db);
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

export function getMeta(db: Db, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

/** The stored value, or `make()`'s, stored first (a generated secret or id, kept for good). */
export function metaOr(db: Db, key: string, make: () => string): string {
  let value = getMeta(db, key);
  if (value === undefined) {
    value = make();
    setMeta(db, key, value);
  }
  return value;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  ).run(key, value);
}

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * The prepared statement for this SQL, prepared once per database: preparing costs tens of
 * microseconds, which showed in the profile of every authenticated request.
 */
export function statement(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}
