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

/**
 * Makes `dir` (and any parent it needs) readable by this user only: created with mode 0700, and
 * an existing one of this user's with a wider mode is set to 0700, which `logger` is warned of.
 * What a data directory holds (the database with the generated secret, sessions and carts; the
 * outbox's password reset links) is then closed to other local users whatever mode SQLite and the
 * umask give its files. A directory of another user's is left as it is (not ours to change).
 */
export function privateDir(dir: string, logger?: { warn(obj: object, msg: string): void }): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.statSync(dir);
  const mode = stat.mode & 0o777;
  if ((mode & 0o077) === 0 || stat.uid !== process.getuid?.()) return;
  fs.chmodSync(dir, 0o700);
  logger?.warn(
    { dir, mode: `0${mode.toString(8)}` },
    "a directory of the shop's was open to other local users; it is now 0700 (this user only)",
  );
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
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
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
