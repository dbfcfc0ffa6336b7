import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { TEST_PASSWORD_COST } from './harness.js';

const repo = path.resolve(import.meta.dirname, '../..');

export interface ShopProcess {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Everything the process logged to stdout so far. */
  output: () => string;
}

/**
 * Starts `api/src/main.ts` as its own process (so a test can kill -9 it) and waits until it listens.
 * `nodeArgs` go to node before the script (a benchmark's `--cpu-prof`).
 */
export function startShopProcess(env: Record<string, string>, nodeArgs: string[] = []): Promise<ShopProcess> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', path.join(repo, 'api/src/main.ts')],
    {
      cwd: repo,
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'info',
        SHOPSYNC_PASSWORD_COST: String(TEST_PASSWORD_COST),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = out.match(
        /"url":"(http:[^"]+)"[^\n]*ShopSync is listening|ShopSync is listening[^\n]*"url":"(http:[^"]+)"/,
      );
      if (match) resolve({ url: (match[1] ?? match[2])!, child, exited, output: () => out });
    });
    void exited.then((code) =>
      reject(new Error(`the shop exited (${code}) before listening:\n${out}\n${err}`)),
    );
  });
}

/** Another process holding a database's write lock (holdWriteLock). */
export interface WriteLock {
  /** Commits and ends the holder; resolves once it has exited. */
  release(): Promise<void>;
}

/**
 * Another process (an import, a backup) taking the write lock of the SQLite database `file`:
 * resolves once it holds it. It holds it until `release()`, or for `forMs` if given (timed by the
 * holder itself: a shop in the test's own process blocks its thread while it waits for the lock).
 * A test that must meet the lock past the busy timeout releases it itself, after the answer, so it
 * does however slow the machine (a holder that let go after a fixed 7 s freed the lock before a
 * slow import had waited out its 5 s).
 */
export async function holdWriteLock(file: string, forMs?: number): Promise<WriteLock> {
  const code = `
    const db = new (require('better-sqlite3'))(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    const commit = () => { if (db.inTransaction) db.exec('COMMIT'); db.close(); process.exit(0); };
    process.stdin.on('end', commit).resume();
    if (process.argv[2]) setTimeout(commit, Number(process.argv[2]));`;
  const child = spawn(process.execPath, ['-e', code, file, ...(forMs === undefined ? [] : [String(forMs)])], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  // Ending the pipe of a holder that let go by itself (`forMs`) may fail with EPIPE: nothing lost.
  child.stdin!.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('locked') && resolve());
    void exited.then((c) => reject(new Error(`the lock holder exited with ${c}`)));
  });
  return {
    async release() {
      if (child.exitCode === null) child.stdin!.end();
      const code = await exited;
      if (code !== 0) throw new Error(`the lock holder exited with ${code}`);
    },
  };
}
