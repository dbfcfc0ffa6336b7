import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB_FILE, MIGRATIONS } from '../src/db.js';
import { olderDataDir } from './harness.js';

const repo = path.resolve(import.meta.dirname, '../..');

/** `npm run check-ledger` on `dataDir`: its exit code and what it printed. */
function checkLedgerCommand(dataDir: string) {
  const run = spawnSync('node', ['--import', 'tsx', path.join(repo, 'api/src/checkout/ledger-cli.ts')], {
    cwd: repo,
    env: { ...process.env, DATA_DIR: dataDir },
    encoding: 'utf8',
  });
  return { status: run.status, out: run.stdout + run.stderr };
}

const schemaVersion = (dataDir: string) => {
  const db = new Database(path.join(dataDir, DB_FILE), { readonly: true });
  try {
    return db.pragma('user_version', { simple: true });
  } finally {
    db.close();
  }
};

describe('the stock ledger', () => {
  it("checks an older build's data directory as it is, without upgrading its schema", () => {
    const older = MIGRATIONS.length - 1;
    const dataDir = olderDataDir(older, randomUUID());
    const run = checkLedgerCommand(dataDir);
    expect([run.status, run.out]).toEqual([0, 'ledger ok: 1 products, 1 orders\n']);
    // Upgraded, the build serving it could not start again.
    expect(schemaVersion(dataDir)).toBe(older);
  }, 30_000);
});
