import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from './config.js';
import { existingDatabase } from './db.js';

/**
 * `npm run backup -- <file>`: a consistent copy of the shop's database, taken while the shop runs.
 * `VACUUM INTO` copies one read transaction's snapshot (WAL readers do not block the shop's
 * writers, nor do its writers restart the copy, as SQLite's page-by-page backup would under load);
 * the copy is then checked (`integrity_check`), synced to disk, and only then given its name (a
 * hard link, so it never overwrites a file, even one a concurrent backup just made).
 */
function main(): number {
  const target = process.argv[2];
  if (!target || process.argv.length > 3) {
    console.error('usage: npm run backup -- <file>   (a new file; DATA_DIR names the shop to copy)');
    return 2;
  }
  // npm runs scripts from the repository: a relative path means where the command was typed.
  const out = path.resolve(process.env.INIT_CWD ?? process.cwd(), target);
  if (fs.existsSync(out)) {
    console.error(`${out} exists: the backup never overwrites a file`);
    return 2;
  }
  const source = existingDatabase(loadConfig().dataDir);
  if (!source) return 2;
  const started = Date.now();
  const partial = `${out}.partial-${process.pid}`;
  console.log(`backing up ${source} to ${out}…`);
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // The copy holds what the database does (the secret, sessions): this user's only, whatever
    // the umask. VACUUM INTO fills an empty file and keeps its mode.
    fs.closeSync(fs.openSync(partial, 'wx', 0o600));
    db.prepare('VACUUM INTO ?').run(partial);
  } catch (err) {
    fs.rmSync(partial, { force: true });
    console.error(`backup failed: ${(err as Error).message}`);
    return 1;
  } finally {
    db.close();
  }
  let check: unknown;
  let summary = '';
  try {
    const copy = new Database(partial, { readonly: true });
    try {
      check = copy.pragma('integrity_check', { simple: true });
      const count = (table: string) =>
        (copy.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      summary = `${count('products')} products, ${count('orders')} orders, ${count('users')} users`;
    } finally {
      copy.close();
    }
  } catch (err) {
    // A copy SQLite cannot read at all throws (SQLITE_CORRUPT) rather than report.
    check = (err as Error).message;
  }
  if (check !== 'ok') {
    fs.rmSync(partial, { force: true });
    console.error(`backup failed its integrity check: ${String(check)}`);
    return 1;
  }
  // VACUUM INTO does not sync its file: "backup ok" must survive a power cut, so the copy is
  // synced before it takes its name, and its directory after.
  const fd = fs.openSync(partial, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (!giveName(partial, out)) {
    fs.rmSync(partial, { force: true });
    console.error(`${out} exists: the backup never overwrites a file`);
    return 2;
  }
  syncDirectory(path.dirname(out));
  const mb = (fs.statSync(out).size / 2 ** 20).toFixed(1);
  console.log(`backup ok: ${out}, ${mb} MiB, ${summary}, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

/**
 * Names the finished copy `out` unless a file took that name meanwhile (another backup started
 * at the same moment): a hard link fails where a rename would replace it. Where the file system
 * has no hard links, the rename after a last look is the best it offers.
 */
function giveName(partial: string, out: string): boolean {
  try {
    fs.linkSync(partial, out);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    if (fs.existsSync(out)) return false;
    fs.renameSync(partial, out);
    return true;
  }
  fs.rmSync(partial);
  return true;
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms cannot sync a directory (Windows); the file itself is synced.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

process.exitCode = main();
