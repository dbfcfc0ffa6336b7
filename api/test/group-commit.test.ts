import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db.js';
import { GroupCommit } from '../src/group-commit.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function database() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-group-commit-'));
  dirs.push(dir);
  const db = openDatabase(dir);
  db.exec('CREATE TABLE items (n INTEGER NOT NULL)');
  // Another connection sees only committed rows.
  const reader = new Database(path.join(dir, 'shopsync.sqlite'));
  return {
    db,
    committed: () => (reader.prepare('SELECT count(*) AS c FROM items').get() as { c: number }).c,
  };
}

describe('GroupCommit', () => {
  it('writes every item pushed in one turn in one transaction, and resolves after the commit', async () => {
    const { db, committed } = database();
    const seen: number[] = [];
    const group = new GroupCommit(db, (n: number) => {
      db.prepare('INSERT INTO items (n) VALUES (?)').run(n);
      seen.push(committed());
      return n * 10;
    });
    const results = Promise.all([1, 2, 3].map((n) => group.push(n)));
    expect(committed()).toBe(0);
    expect(await results).toEqual([10, 20, 30]);
    // While the third item was written, the first two were not yet visible outside: one transaction.
    expect(seen).toEqual([0, 0, 0]);
    expect(committed()).toBe(3);
  });

  it('commits at most maxBatch items a transaction', async () => {
    const { db, committed } = database();
    const seen: number[] = [];
    const group = new GroupCommit(
      db,
      (n: number) => {
        db.prepare('INSERT INTO items (n) VALUES (?)').run(n);
        seen.push(committed());
      },
      2,
    );
    await Promise.all([1, 2, 3, 4, 5].map((n) => group.push(n)));
    // Items 1-2 in one transaction, 3-4 in the next, 5 alone: each sees the batches before it.
    expect(seen).toEqual([0, 0, 2, 2, 4]);
    expect(committed()).toBe(5);
  });

  it('rolls back and rejects only the item that failed', async () => {
    const { db, committed } = database();
    const group = new GroupCommit(db, (n: number) => {
      db.prepare('INSERT INTO items (n) VALUES (?)').run(n);
      if (n === 2) throw new Error('two is refused');
      return n;
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => group.push(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('two is refused');
    expect(committed()).toBe(2);
    expect(db.prepare('SELECT n FROM items ORDER BY n').pluck().all()).toEqual([1, 3]);
  });

  it('writes a batch plainly, and again item by item only when one fails', async () => {
    const { db, committed } = database();
    const calls: number[] = [];
    const group = new GroupCommit(db, (n: number) => {
      calls.push(n);
      db.prepare('INSERT INTO items (n) VALUES (?)').run(n);
      if (n === 12) throw new Error('twelve is refused');
    });
    await Promise.all([1, 2, 3].map((n) => group.push(n)));
    expect(calls).toEqual([1, 2, 3]);
    calls.length = 0;
    await Promise.allSettled([11, 12, 13].map((n) => group.push(n)));
    // The plain run stopped at 12 and was rolled back; the second run wrote 11 and 13 only.
    expect(calls).toEqual([11, 12, 11, 12, 13]);
    expect(db.prepare('SELECT n FROM items ORDER BY n').pluck().all()).toEqual([1, 2, 3, 11, 13]);
    expect(committed()).toBe(5);
  });

  it('writes what waits at once on flush, before the database closes', async () => {
    const { db, committed } = database();
    const group = new GroupCommit(db, (n: number) => {
      db.prepare('INSERT INTO items (n) VALUES (?)').run(n);
    });
    const pushed = group.push(7);
    group.flush();
    expect(committed()).toBe(1);
    db.close();
    await pushed;
  });
});
