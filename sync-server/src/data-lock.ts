import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Another process holds the data directory: what to tell the operator. */
export class DataDirInUse extends Error {
  constructor(readonly file: string) {
    super(
      `another process is serving this data directory (${file} is locked): stop it, or use another DATA_DIR`,
    );
    this.name = 'DataDirInUse';
  }
}

/** A held data directory; `release` lets the next process take it. */
export interface DataDirLock {
  release(): void;
}

/**
 * Holds `dir` for this process's life, so that a second server on the same data directory refuses
 * to start. Two would each keep their own copy of a cart in memory: edits made through one would
 * not show through the other, and an order's "ordered once" guard would see only its own copy (the
 * same entries could be ordered through both).
 *
 * The lock is SQLite's own on a small file of its own (`name`): an exclusive lock, kept by the
 * connection (locking_mode EXCLUSIVE) and released by the operating system when the process ends
 * however it ends, kill -9 included: no stale lock file to clean up, no PID to guess about. Tools
 * that read or write the database beside a running server (backup, import, check-ledger) do not
 * take it.
 */
export function lockDataDir(dir: string, name: string): DataDirLock {
  const file = path.join(dir, name);
  fs.mkdirSync(dir, { recursive: true });
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock, and in this mode the connection keeps it.
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS held (pid INTEGER); DELETE FROM held;');
    db.prepare('INSERT INTO held (pid) VALUES (?)').run(process.pid);
    db.exec('COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw new DataDirInUse(file);
    throw err;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.close();
    },
  };
}
