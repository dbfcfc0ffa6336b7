import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

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
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env },
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
