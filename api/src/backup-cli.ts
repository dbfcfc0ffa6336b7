import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from './config.js';
import { DB_FILE } from './db.js';

/**
 * `npm run backup -- <file>`: a consistent copy of the shop's database, taken while the shop runs.
 * `VACUUM INTO` copies one read transaction's snapshot (WAL readers do not block the shop's
 * writers, nor do its writers restart the copy, as SQLite's page-by-page backup would under load);
 * the copy is then checked (`integrity_check`) and only then given its name. Never overwrites.
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
  const source = path.join(loadConfig().dataDir, DB_FILE);
  if (!fs.existsSync(source)) {
    console.error(`no database at ${source} (set DATA_DIR)`);
    return 2;
  }
  const started = Date.now();
  const partial = `${out}.partial-${process.pid}`;
  console.log(`backing up ${source} to ${out}…`);
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('VACUUM INTO ?').run(partial);
  } catch (err) {
    fs.rmSync(partial, { force: true });
    console.error(`backup failed: ${(err as Error).message}`);
    return 1;
  } finally {
    db.close();
  }
  const copy = new Database(partial, { readonly: true });
  const check = copy.pragma('integrity_check', { simple: true });
  const count = (table: string) =>
    (copy.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const summary = `${count('products')} products, ${count('orders')} orders, ${count('users')} users`;
  copy.close();
  if (check !== 'ok') {
    fs.rmSync(partial, { force: true });
    console.error(`backup failed its integrity check: ${check}`);
    return 1;
  }
  fs.renameSync(partial, out);
  const mb = (fs.statSync(out).size / 2 ** 20).toFixed(1);
  console.log(`backup ok: ${out}, ${mb} MiB, ${summary}, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

process.exitCode = main();
