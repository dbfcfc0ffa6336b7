import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SqliteDocumentStorage } from '../src/storage.js';
import { tmpDir } from './harness.js';

describe('document storage', () => {
  it('moves a log written by an earlier version (AUTOINCREMENT ids) over once, same rows in order', () => {
    const file = path.join(tmpDir(), 'old.sqlite');
    const old = new Database(file);
    old.exec(`
      CREATE TABLE sync_snapshots (doc TEXT PRIMARY KEY, state BLOB NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE sync_updates (id INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL, data BLOB NOT NULL);
      CREATE INDEX sync_updates_doc ON sync_updates(doc, id);
    `);
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 5; i++) doc.getArray('a').push([i]);
    const insert = old.prepare('INSERT INTO sync_updates (doc, data) VALUES (?, ?)');
    for (const u of updates) {
      insert.run('cart-1', Buffer.from(u));
      insert.run('cart-2', Buffer.from([0, 0])); // another document's rows, interleaved
    }
    old.close();

    const db = new Database(file);
    const storage = new SqliteDocumentStorage(db);
    const schema = (
      db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'sync_updates'`).get() as { sql: string }
    ).sql;
    expect(schema).not.toMatch(/AUTOINCREMENT/i);
    const loaded = storage.load('cart-1');
    expect(loaded.map((u) => Buffer.from(u).toString('hex'))).toEqual(
      updates.map((u) => Buffer.from(u).toString('hex')),
    );
    const copy = new Y.Doc();
    for (const u of loaded) Y.applyUpdate(copy, u);
    expect(copy.getArray('a').toArray()).toEqual([0, 1, 2, 3, 4]);
    // New rows come after the old ones; opening again changes nothing.
    doc.getArray('a').push([5]);
    storage.append([{ docName: 'cart-1', update: updates.at(-1)! }]);
    db.close();
    const again = new SqliteDocumentStorage(new Database(file));
    const reloaded = again.load('cart-1');
    expect(reloaded).toHaveLength(6);
    const after = new Y.Doc();
    for (const u of reloaded) Y.applyUpdate(after, u);
    expect(after.getArray('a').toArray()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('times of use, on a database of a version that did not keep them', () => {
  it('counts every stored document as used at the upgrade, once', () => {
    const file = path.join(tmpDir(), 'old.sqlite');
    const old = new Database(file);
    old.exec(`
      CREATE TABLE sync_snapshots (doc TEXT PRIMARY KEY, state BLOB NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE sync_updates (id INTEGER PRIMARY KEY, doc TEXT NOT NULL, data BLOB NOT NULL);
      CREATE INDEX sync_updates_doc ON sync_updates(doc, id);
    `);
    // Written 95 days ago: before, updated_at moved on writes only, whatever was read since.
    const written = Date.now() - 95 * 24 * 3600_000;
    old
      .prepare('INSERT INTO sync_snapshots VALUES (?, ?, ?)')
      .run('read-since', Buffer.from([0, 0]), written);
    old.close();

    const before = Date.now();
    const db = new Database(file);
    const storage = new SqliteDocumentStorage(db);
    const usedAt = () => db.prepare('SELECT updated_at FROM sync_snapshots').pluck().get() as number;
    expect(usedAt()).toBeGreaterThanOrEqual(before);
    expect(storage.unused(before, undefined, 10)).toEqual([]);
    // Once: a later start leaves the times it keeps alone.
    db.prepare('UPDATE sync_snapshots SET updated_at = ?').run(written);
    new SqliteDocumentStorage(db);
    expect(usedAt()).toBe(written);
    db.close();
  });
});
