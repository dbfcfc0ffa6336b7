import { execFileSync } from 'node:child_process';
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

  // The bound is the main connection's checkpoint; what can fail here is the worker keeping the
  // WAL from starting over (a read it holds open, a lock it keeps).
  it('keeps the WAL bounded while writes never stop, the worker checkpointing beside them', async () => {
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

  it('holds the process until the worker has stopped, with nothing else left to run', () => {
    const { db, file } = database();
    db.close();
    // A process whose last work is the shutdown: stop, then close the database.
    const script = `
      import Database from 'better-sqlite3';
      import { Checkpointer } from ${JSON.stringify(path.resolve(import.meta.dirname, '../src/checkpointer.ts'))};
      const db = new Database(${JSON.stringify(file)});
      const checkpointer = Checkpointer.start(db, { intervalMs: 20 });
      await checkpointer.stop();
      db.close();
      console.log('closed');
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('closed');
  });

  it('reports a worker that cannot open the database, and still stops', async () => {
    const { db, file } = database();
    // The main connection keeps its open file; the worker finds no file at the path.
    fs.rmSync(file);
    const errors: string[] = [];
    const checkpointer = Checkpointer.start(db, { intervalMs: 20, onError: (e) => errors.push(e) });
    await until(() => errors.length > 0);
    expect(errors[0]).toMatch(/does not exist|unable to open/i);
    // Without its worker the main connection checkpoints as often as SQLite would.
    await until(() => db.pragma('wal_autocheckpoint', { simple: true }) === 1000);
    await checkpointer.stop();
    db.close();
  });
});
