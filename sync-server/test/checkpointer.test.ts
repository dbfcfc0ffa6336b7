import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer, type CheckpointResult, MAIN_CHECKPOINT_PAGES } from '../src/checkpointer.js';
import { until } from './harness.js';

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

describe('Checkpointer', () => {
  it('copies committed pages into the database file from its own thread', async () => {
    const { db, size } = database();
    const checkpointer = Checkpointer.start(db, { intervalMs: 20 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(MAIN_CHECKPOINT_PAGES);
    const before = size();
    write(db);
    // The main connection checkpoints only at MAIN_CHECKPOINT_PAGES: the file grows by the worker.
    await until(() => size() > before + 2_000_000, 'the pages copied into the file', 5000);
    expect((db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number }).n).toBe(512);
    await checkpointer.stop();
    db.close();
  });

  // What can fail here is the worker keeping the WAL from starting over (a read it holds open, a
  // lock it keeps). The main connection's own checkpoint (at 8,192 pages) never runs in these 8 MiB:
  // every start-over is the worker's doing. Each turn waits for a checkpoint begun after it, so
  // nothing here depends on how threads are scheduled.
  it('lets the WAL start over after each of its checkpoints, keeping no read or lock open', async () => {
    const { db, file } = database();
    const checkpoints: CheckpointResult[] = [];
    const checkpointer = Checkpointer.start(db, { intervalMs: 10, onCheckpoint: (c) => checkpoints.push(c) });
    const insert = db.prepare('INSERT INTO blobs (data) VALUES (?)');
    let largest = 0;
    for (let turn = 0; turn < 32; turn++) {
      for (let i = 0; i < 64; i++) insert.run(Buffer.alloc(4000, i));
      largest = Math.max(largest, fs.statSync(`${file}-wal`).size);
      const ended = Date.now();
      await until(() => checkpoints.some((c) => c.startedAt > ended), 'a checkpoint after the last', 5000);
      const after = checkpoints.find((c) => c.startedAt > ended);
      expect(after).toMatchObject({ busy: 0, checkpointed: after?.log });
    }
    // One turn is about 130 frames (0.5 MiB); without a start-over the WAL would hold all 8 MiB.
    expect(largest).toBeLessThan(2 * 1024 * 1024);
    await checkpointer.stop();
    db.close();
  });

  it('waits intervalMs after a checkpoint ends before it begins the next', async () => {
    const { db } = database();
    const checkpoints: CheckpointResult[] = [];
    const intervalMs = 20;
    const checkpointer = Checkpointer.start(db, { intervalMs, onCheckpoint: (c) => checkpoints.push(c) });
    const insert = db.prepare('INSERT INTO blobs (data) VALUES (?)');
    // Writes between the checkpoints, so that each has pages to copy and sync (which takes a few
    // milliseconds on a disk: an interval timer, counting from the start, rested that much less).
    const deadline = Date.now() + 10_000;
    while (checkpoints.length < 10) {
      if (Date.now() > deadline) throw new Error(`only ${checkpoints.length} checkpoints in 10 s`);
      for (let i = 0; i < 64; i++) insert.run(Buffer.alloc(4000, i));
      await new Promise((r) => setTimeout(r, 1));
    }
    for (let i = 1; i < checkpoints.length; i++) {
      // A timer may fire up to a millisecond early against Date.now().
      expect(checkpoints[i]!.startedAt - checkpoints[i - 1]!.endedAt).toBeGreaterThanOrEqual(intervalMs - 1);
    }
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
    await until(() => errors.length > 0, 'an error reported', 5000);
    expect(errors[0]).toMatch(/does not exist|unable to open/i);
    // Without its worker the main connection checkpoints as often as SQLite would.
    await until(
      () => db.pragma('wal_autocheckpoint', { simple: true }) === 1000,
      'the main connection checkpointing again',
      5000,
    );
    await checkpointer.stop();
    db.close();
  });

  // The worker's connection opens (SQLite reads nothing yet) and its first pragma finds no
  // database. It used to start its timer anyway with its port closed: "stop" never reached it and
  // stop() never resolved (a standalone sync server then ignored SIGTERM).
  it('reports a worker whose first read fails, and stops at once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-checkpointer-'));
    dirs.push(dir);
    const file = path.join(dir, 'not-a-database.sqlite');
    fs.writeFileSync(file, Buffer.alloc(8192, 7));
    const db = new Database(file);
    const errors: string[] = [];
    const checkpointer = Checkpointer.start(db, { intervalMs: 20, onError: (e) => errors.push(e) });
    await until(() => errors.length >= 2, 'a second error reported', 5000);
    expect(errors[0]).toMatch(/^cannot open .*not-a-database\.sqlite: file is not a database/);
    expect(errors[1]).toMatch(/checkpoint worker ended .* every 1000 pages/);
    const started = Date.now();
    await checkpointer.stop();
    expect(Date.now() - started).toBeLessThan(500);
    // Nothing more was said: the worker stopped by itself, it was not terminated.
    expect(errors).toHaveLength(2);
    db.close();
  });
});
