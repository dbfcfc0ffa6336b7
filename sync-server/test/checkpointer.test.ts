import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer, MAIN_CHECKPOINT_PAGES } from '../src/checkpointer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function database() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-checkpointer-'));
  dirs.push(dir);
  const file = path.join(dir, 'test.sqlite');
  const db = new Database(file);
  // As both servers open theirs.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE blobs (data BLOB NOT NULL)');
  return { db, file, size: () => fs.statSync(file).size };
}

/** About 2 MiB in 512 commits: 500+ pages, far below the main connection's own checkpoint. */
function write(db: Database.Database): void {
  const insert = db.prepare('INSERT INTO blobs (data) VALUES (?)');
  for (let i = 0; i < 512; i++) insert.run(Buffer.alloc(4000, i));
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Checkpointer', () => {
  it('copies committed pages into the database file from its own thread', async () => {
    const { db, size } = database();
    const checkpointer = Checkpointer.start(db, { intervalMs: 20 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(MAIN_CHECKPOINT_PAGES);
    const before = size();
    write(db);
    // The main connection checkpoints only at MAIN_CHECKPOINT_PAGES: the file grows by the worker.
    await until(() => size() > before + 2_000_000);
    expect((db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number }).n).toBe(512);
    await checkpointer.stop();
    db.close();
  });

  it('keeps the WAL bounded while writes never stop', async () => {
    const { db, file } = database();
    // A small threshold (1 MiB) so that the WAL would have started over many times.
    const checkpointer = Checkpointer.start(db, { intervalMs: 10, mainCheckpointPages: 256 });
    const insert = db.prepare('INSERT INTO blobs (data) VALUES (?)');
    let largest = 0;
    // 16 MiB in 4 KiB commits, in turns of 64 so the worker runs in between (as under load).
    for (let turn = 0; turn < 64; turn++) {
      for (let i = 0; i < 64; i++) insert.run(Buffer.alloc(4000, i));
      largest = Math.max(largest, fs.statSync(`${file}-wal`).size);
      await new Promise((r) => setImmediate(r));
    }
    expect(largest).toBeLessThan(4 * 256 * 4096);
    await checkpointer.stop();
    db.close();
  });

  it('leaves the database file alone without it (the pages stay in the WAL)', async () => {
    const { db, size } = database();
    db.pragma(`wal_autocheckpoint = ${MAIN_CHECKPOINT_PAGES}`);
    const before = size();
    write(db);
    await new Promise((r) => setTimeout(r, 200));
    expect(size()).toBe(before);
    db.close();
  });

  it('stops: its connection is closed, so closing the last one removes the WAL', async () => {
    const { db, file } = database();
    const checkpointer = Checkpointer.start(db, { intervalMs: 20 });
    write(db);
    await checkpointer.stop();
    // Stopping twice is one stop.
    await checkpointer.stop();
    db.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('reports a worker that cannot open the database, and still stops', async () => {
    const { db, file } = database();
    // The main connection keeps its open file; the worker finds no file at the path.
    fs.rmSync(file);
    const errors: string[] = [];
    const checkpointer = Checkpointer.start(db, { intervalMs: 20, onError: (e) => errors.push(e) });
    await until(() => errors.length > 0);
    expect(errors[0]).toMatch(/does not exist|unable to open/i);
    await checkpointer.stop();
    db.close();
  });
});
