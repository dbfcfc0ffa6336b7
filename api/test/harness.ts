import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import pino, { type Logger } from 'pino';
import { hashToken } from '../src/accounts/accounts.js';
import { loadConfig } from '../src/config.js';
import { DB_FILE, MIGRATIONS, openDatabase } from '../src/db.js';
import type { Mail } from '../src/mail/sender.js';
import { type RunningServer, type ServerSeams, startServer } from '../src/server.js';

export const ADMIN = 'test-admin-token';

/** A product no seeded catalog has a word of: what search tests create and look for. */
export const KETTLE = { title: 'Zanzibar enamel kettle', brand: 'Quokka', price: 2500, stock: 3 };

/**
 * scrypt's cost (log2 N) for the tests' password hashes: 2^10 takes about a millisecond, where the
 * shop's 2^17 takes a few hundred (and 128 MiB). passwords.test.ts checks the default cost's hash;
 * tests that need hashes to be slow (a full queue) ask for the default.
 */
export const TEST_PASSWORD_COST = 10;

export async function startTestServer(
  env: Record<string, string> = {},
  logger: Logger = pino({ level: 'silent' }),
  seams: ServerSeams = {},
): Promise<RunningServer & { dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-api-'));
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    SHOPSYNC_SEED_COUNT: '200',
    SHOPSYNC_ADMIN_TOKEN: ADMIN,
    SHOPSYNC_CLIENT_DIR: path.join(dataDir, 'no-client'),
    SHOPSYNC_PASSWORD_COST: String(TEST_PASSWORD_COST),
    ...env,
  });
  const server = await startServer(config, logger, seams);
  return { ...server, dataDir };
}

/** A mail sender that keeps what the shop sends, for tests to read (`mails`), in order. */
export function mailbox() {
  const mails: Mail[] = [];
  return {
    mails,
    sender: {
      async send(mail: Mail) {
        mails.push(mail);
      },
      close() {},
    },
  };
}

/** A shop database in a directory of its own; `done()` closes and removes it. */
export function tempDb(prefix = 'shopsync-db-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const db = openDatabase(dir);
  return {
    db,
    done: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A minimal HTTP client with its own cookie jar: one browser, or one device. */
export class Client {
  cookies = new Map<string, string>();
  bearer: string | undefined;

  constructor(readonly base: string) {}

  /** The cookie jar as a `Cookie` header; undefined while it is empty. */
  cookieHeader(): string | undefined {
    return this.cookies.size ? [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }

  async request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined && typeof body !== 'string') h['content-type'] = 'application/json';
    if (typeof body === 'string') h['content-type'] ??= 'application/json';
    const cookie = this.cookieHeader();
    if (cookie) h.cookie = cookie;
    if (this.bearer && !h.authorization) h.authorization = `Bearer ${this.bearer}`;
    const res = await fetch(this.base + url, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c)) this.cookies.delete(k!);
      else this.cookies.set(k!, v.join('='));
    }
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests assert response fields one by one
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, headers: res.headers, text };
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request('GET', url, undefined, headers);
  }
  post(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('POST', url, body ?? {}, headers);
  }
  patch(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('PATCH', url, body ?? {}, headers);
  }
  put(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('PUT', url, body ?? {}, headers);
  }
  delete(url: string, headers?: Record<string, string>) {
    return this.request('DELETE', url, undefined, headers);
  }
}

let counter = 0;
export async function signUp(base: string, name = 'Shopper'): Promise<Client> {
  const client = new Client(base);
  counter++;
  const res = await client.post('/api/auth/signup', {
    email: `shopper${counter}-${Date.now()}@example.com`,
    password: 'correct horse 1',
    name,
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
  return client;
}

export function admin(base: string): Client {
  const c = new Client(base);
  c.bearer = ADMIN;
  return c;
}

/**
 * Many signed-in shoppers at once without paying scrypt for each (what is under test is not
 * signup): users and sessions are written straight into the database.
 */
export function quickShoppers(
  server: { url: string; db: import('../src/db.js').Db },
  count: number,
): Client[] {
  const insertUser = server.db.prepare(
    `INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?, ?, 'Load Shopper', 'none', 0)`,
  );
  const insertSession = server.db.prepare(
    'INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, 0, ?)',
  );
  return Array.from({ length: count }, () => {
    const id = `u_quick_${randomUUID()}`;
    const token = randomUUID();
    insertUser.run(id, `${id}@example.com`);
    insertSession.run(hashToken(token), id, Date.now() + 3600_000);
    const client = new Client(server.url);
    client.bearer = token;
    return client;
  });
}

/** A product of the test's own, created through the vendor API; returns its id. */
export async function createProduct(vendor: Client, stock: number, price = 500): Promise<string> {
  const res = await vendor.post('/api/products', {
    title: `Item ${randomUUID()}`,
    brand: 'Acme',
    price,
    stock,
  });
  if (res.status !== 201) throw new Error(`product create failed: ${res.status} ${res.text}`);
  return res.json.id;
}

/** A line of a kept log (keptLog), parsed. */
export type LogRecord = { level: number; msg: string } & Record<string, unknown>;

/**
 * A logger at `level` whose JSON lines are kept: parsed in `records` as they come, and as written
 * by `text()`. For tests that read what the shop logs.
 */
export function keptLog(level: string): { logger: Logger; records: LogRecord[]; text(): string } {
  const chunks: string[] = [];
  const records: LogRecord[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      const text = String(chunk);
      chunks.push(text);
      for (const line of text.split('\n')) if (line) records.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, sink), records, text: () => chunks.join('') };
}

/** Waits until `check` holds, asking every 20 ms; fails naming `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The ids of what olderDataDir writes. */
export const OLDER = {
  product: 'p_older',
  order: 'o_older',
  user: 'u_older',
  address: 'addr_older',
  addressBody: {
    name: 'Old Shopper',
    line1: '1 Old Road',
    city: 'York',
    postalCode: 'YO1 7HH',
    country: 'GB',
  },
};

/**
 * A data directory as a build of schema `version` (its first `version` migrations) left it, with
 * the rows that build wrote for one shopper (a session for `token`, an address) who ordered 2 of
 * a product stocked 10: the order `OLDER.order`, confirmed, its stock taken and in the ledger.
 */
export function olderDataDir(version: number, token: string): string {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-older-'));
  const db = new Database(path.join(dataDir, DB_FILE));
  db.pragma('journal_mode = WAL');
  for (const migration of MIGRATIONS.slice(0, version)) db.exec(migration);
  db.pragma(`user_version = ${version}`);
  const rows: [string, unknown[]][] = [
    ["INSERT INTO meta (key, value) VALUES ('seed', 'none')", []],
    [
      `INSERT INTO products (id, title, brand, description, category, price_amount, currency, stock, images,
        attributes, version, created_at, updated_at) VALUES (?, 'Old lamp', 'Acme', '', 'lamps', 500, 'USD', 8, '[]', '{}', 2, 0, 1)`,
      [OLDER.product],
    ],
    [
      "INSERT INTO stock_movements (product_id, delta, reason, order_id, at) VALUES (?, 10, 'initial', NULL, 0)",
      [OLDER.product],
    ],
    [
      "INSERT INTO stock_movements (product_id, delta, reason, order_id, at) VALUES (?, -2, 'order', ?, 1)",
      [OLDER.product, OLDER.order],
    ],
    [
      "INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?, 'older@example.com', 'Old Shopper', 'none', 0)",
      [OLDER.user],
    ],
    [
      'INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, 0, ?)',
      [hashToken(token), OLDER.user, Date.now() + 3600_000],
    ],
    [
      'INSERT INTO addresses (id, user_id, body, created_at) VALUES (?, ?, ?, 0)',
      [OLDER.address, OLDER.user, JSON.stringify(OLDER.addressBody)],
    ],
    ["INSERT INTO carts (id, owner, created_at) VALUES ('c_older', ?, 0)", [`user:${OLDER.user}`]],
    [
      `INSERT INTO orders (id, user_id, cart_id, status, lines, total_amount, currency, reasons, address_id,
        created_at, updated_at, cart_cleared) VALUES (?, ?, 'c_older', 'confirmed', ?, 1000, 'USD', NULL, ?, 1, 1, 1)`,
      [
        OLDER.order,
        OLDER.user,
        JSON.stringify([
          {
            productId: OLDER.product,
            title: 'Old lamp',
            quantity: 2,
            unitPrice: { amount: 500, currency: 'USD' },
            tags: ['t_older'],
          },
        ]),
        OLDER.address,
      ],
    ],
  ];
  for (const [sql, params] of rows) db.prepare(sql).run(...params);
  db.close();
  return dataDir;
}
