import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Vitest global setup: the run's tests make their data directories (SQLite files, search bases)
 * under one temporary directory of the run's own, removed when the run ends, so runs do not pile
 * up data directories in the system's temporary directory. Test files and the shop processes they
 * start inherit `TMPDIR` (which `os.tmpdir()` reads).
 */
export default function setup(): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-test-run-'));
  process.env.TMPDIR = dir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
