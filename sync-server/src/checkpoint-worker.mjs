// Copies committed WAL frames into the database file from a thread of its own (see
// checkpointer.ts). Plain JavaScript: it needs nothing of the TypeScript sources, so it starts
// without a loader in any thread.

import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, intervalMs, notify } = workerData;

/** An error's own words: a SqliteError thrown out of a worker reaches its parent as `{ code }` only. */
const report = (what, error) => parentPort.postMessage({ error: `${what}: ${error?.message ?? error}` });

let db;
try {
  db = new Database(file, { fileMustExist: true });
  // A checkpoint syncs the WAL before copying and the database file after; a busy checkpointer or
  // writer is skipped rather than waited for (the next turn tries again).
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 0');
} catch (error) {
  // Opened, then a first read failed (a file that is no database, a lock held elsewhere): the
  // connection is closed and nothing is scheduled, so that the thread ends once its report is
  // sent; the parent sees the exit and checkpoints on its own connection. No timer may start here:
  // with the port closed, "stop" could never reach it and the parent would wait for it forever.
  report(`cannot open ${file}`, error);
  try {
    db?.close();
  } catch {}
  db = undefined;
  parentPort.close();
}

if (db) {
  let timer;
  // Rests intervalMs after each checkpoint (a timeout, not an interval): a checkpoint slower than
  // the interval (a busy disk) would otherwise follow the last at once, holding SQLite's one
  // checkpoint lock nearly all the time, and the main connection's own checkpoint, the one that
  // lets the WAL start over while writes never stop, would find it busy every time.
  const turn = () => {
    const startedAt = Date.now();
    try {
      const [result] = db.pragma('wal_checkpoint(PASSIVE)');
      if (notify) parentPort.postMessage({ checkpoint: { ...result, startedAt, endedAt: Date.now() } });
    } catch (error) {
      report('checkpoint', error);
    }
    timer = setTimeout(turn, intervalMs);
  };
  timer = setTimeout(turn, intervalMs);

  parentPort.on('message', (message) => {
    if (message !== 'stop') return;
    clearTimeout(timer);
    db.close();
    parentPort.close();
  });
}
