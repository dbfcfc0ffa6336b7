import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET, tmpDir, until } from './harness.js';

// `npm run sync-server` as an operator meets it: its refusals to start.

const MAIN = path.resolve(import.meta.dirname, '../src/main.ts');

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Runs the standalone server on any free port. */
function run(env: Record<string, string> = {}, dataDir = tmpDir()) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      SHOPSYNC_SECRET: SECRET,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    dataDir,
    exited,
    out: () => out,
    err: () => err,
    /** Its address, host:port, once it says it listens. */
    listening: async () => {
      await until(() => /"url":"http:\/\/[^"]+"/.test(out), 'the sync server to listen', 20_000);
      return /"url":"http:\/\/([^"]+)"/.exec(out)![1]!;
    },
  };
}

describe('npm run sync-server refuses to start', () => {
  it('on a number not written in plain digits or out of range, or a malformed HOST: one line, exit 2', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: 'abc' }, /^PORT must be a whole number from 0 to 65535 in plain digits, not "abc"$/],
      [{ PORT: '-1' }, /^PORT must be .* not "-1"$/],
      [{ PORT: '99999' }, /^PORT must be .* not "99999"$/],
      [{ PORT: '1e3' }, /^PORT must be .* not "1e3"$/],
      [{ SHOPSYNC_SYNC_MAX_ROOMS: '1e3' }, /^SHOPSYNC_SYNC_MAX_ROOMS must be a whole number from 1 to/],
      [{ SHOPSYNC_SYNC_IDLE_MS: '0x10' }, /^SHOPSYNC_SYNC_IDLE_MS must be/],
      [{ HOST: 'no such host' }, /^HOST must be an IP address or a host name, not "no such host"$/],
    ];
    for (const [env, message] of cases) {
      const server = run(env);
      expect(await server.exited, JSON.stringify(env)).toBe(2);
      expect(server.err().trimEnd().split('\n'), JSON.stringify(env)).toEqual([
        expect.stringMatching(message),
      ]);
    }
  }, 60_000);

  it('on an address it cannot listen on: one line naming it and the reason, exit 2', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const inUse = run({ PORT: String(port) });
      expect(await inUse.exited).toBe(2);
      expect(inUse.err()).toBe(
        `cannot listen on 127.0.0.1:${port}: EADDRINUSE (another process is listening on this port)\n`,
      );
    } finally {
      taken.close();
    }
    // ENOTFOUND where names resolve; EAI_AGAIN where no resolver answers.
    const unknown = run({ HOST: 'no.such.host.invalid' });
    expect(await unknown.exited).toBe(2);
    expect(unknown.err()).toMatch(
      /^cannot listen on no\.such\.host\.invalid:0: E[A-Z_]+( \(no such host\))?\n$/,
    );
  }, 30_000);
});
