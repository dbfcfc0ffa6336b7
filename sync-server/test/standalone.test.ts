import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { device, SECRET, tmpDir, until } from './harness.js';

// `npm run sync-server` as an operator meets it: its refusals to start, its lock on the data
// directory, its health check, its shutdown, and its answer to slow or malformed requests.

const MAIN = path.resolve(import.meta.dirname, '../src/main.ts');
const BREAK_WORKER = path.resolve(import.meta.dirname, 'break-checkpoint-worker.mjs');

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Runs the standalone server on any free port; `breakWorker` preloads break-checkpoint-worker.mjs. */
function run(env: Record<string, string> = {}, dataDir = tmpDir(), breakWorker?: 'not-a-database' | 'deaf') {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ...(breakWorker ? ['--import', BREAK_WORKER] : []), MAIN],
    {
      env: {
        ...process.env,
        PORT: '0',
        DATA_DIR: dataDir,
        SHOPSYNC_SECRET: SECRET,
        BREAK_CHECKPOINT_WORKER: breakWorker ?? '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
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

/** The exit code, or 'running' when the process has not exited within `ms`. */
const exitWithin = (exited: Promise<number | null>, ms: number) =>
  Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), ms))]);

/** Sends `request` on a connection of its own; what the server answered before it closed. */
function rawRequest(address: string, request: string, trickle?: string): Promise<string> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.split(':').pop())];
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    let answer = '';
    const drip = trickle ? setInterval(() => socket.write(trickle), 100) : undefined;
    socket.on('data', (d) => {
      answer += d;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearInterval(drip);
      resolve(answer);
    });
    socket.write(request);
  });
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
      [
        { SHOPSYNC_REQUEST_TIMEOUT_MS: '1000.0' },
        /^SHOPSYNC_REQUEST_TIMEOUT_MS must be a whole number from 100 to 600000/,
      ],
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

  it('on a data directory another sync server serves: one line, exit 2; it starts once that one stopped', async () => {
    const first = run();
    await first.listening();
    const second = run({}, first.dataDir);
    expect(await second.exited).toBe(2);
    expect(second.err()).toMatch(
      /^another process is serving this data directory \(.*sync\.lock is locked\): stop it, or use another DATA_DIR\n$/,
    );
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const third = run({}, first.dataDir);
    await third.listening();
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  }, 60_000);
});

describe('npm run sync-server /health', () => {
  it('reads the database: 503 once sync.sqlite is damaged', async () => {
    const server = run();
    const address = await server.listening();
    const health = async () => {
      const res = await fetch(`http://${address}/health`);
      return [res.status, await res.json()];
    };
    expect(await health()).toEqual([200, { status: 'ok' }]);
    // Everything into the file and the WAL emptied (as sync-health.sh in the audit), then its
    // first pages overwritten: the server's next read goes to the file.
    const file = path.join(server.dataDir, 'sync.sqlite');
    const other = new Database(file);
    other.pragma('wal_checkpoint(TRUNCATE)');
    other.close();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(16_384, 7), 0, 16_384, 0);
    fs.closeSync(fd);
    expect(await health()).toEqual([503, { status: 'error', error: 'database' }]);
    await until(() => server.out().includes('health check: the database does not answer'), 'the log line');
    server.child.kill('SIGTERM');
    expect(await exitWithin(server.exited, 10_000)).not.toBe('running');
  }, 30_000);
});

describe('npm run sync-server shutdown', () => {
  // Its checkpoint worker's connection opens and its first pragma finds no database: the worker
  // used to keep a timer running with its port closed, and SIGTERM was ignored forever.
  it('exits on SIGTERM when its checkpoint worker could not open the database, and says so', async () => {
    const server = run({}, tmpDir(), 'not-a-database');
    await server.listening();
    await until(() => server.out().includes('file is not a database'), 'the worker to report', 10_000);
    expect(server.out()).toMatch(
      /"error":"cannot open .*: file is not a database","msg":"background checkpoint failed"/,
    );
    server.child.kill('SIGTERM');
    expect(await exitWithin(server.exited, 5_000)).toBe(0);
  }, 30_000);

  it('ends a shutdown stuck on its checkpoint worker after 5 s, or at once on a second signal', async () => {
    const patient = run({}, tmpDir(), 'deaf');
    await patient.listening();
    const started = Date.now();
    patient.child.kill('SIGTERM');
    expect(await exitWithin(patient.exited, 10_000)).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(4_500);
    expect(patient.out()).toContain('the checkpoint worker did not stop within 5000 ms: terminated');

    const impatient = run({}, tmpDir(), 'deaf');
    await impatient.listening();
    // One signal delivered twice at once (a terminal's Ctrl-C under `npm run`) is one signal.
    impatient.child.kill('SIGINT');
    impatient.child.kill('SIGINT');
    expect(await exitWithin(impatient.exited, 1_500)).toBe('running');
    impatient.child.kill('SIGTERM');
    expect(await exitWithin(impatient.exited, 2_000)).toBe(1);
    expect(impatient.out()).toContain('a second signal while shutting down: exiting at once');
  }, 60_000);
});

describe('npm run sync-server with SHOPSYNC_REQUEST_TIMEOUT_MS', () => {
  it('answers a stalled or malformed request and closes it; upgraded WebSockets are not timed', async () => {
    const server = run({ SHOPSYNC_REQUEST_TIMEOUT_MS: '500' });
    const address = await server.listening();

    // Headers trickled one line at a time, never finished (slowloris).
    const started = Date.now();
    const slow = await rawRequest(address, 'GET /health HTTP/1.1\r\nHost: a\r\n', 'X-a: b\r\n');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(slow).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(slow).toContain('Connection: close');
    expect(JSON.parse(slow.slice(slow.indexOf('\r\n\r\n') + 4)).error.code).toBe('request_timeout');

    const malformed = await rawRequest(address, 'GET /health HTTP/1.1\r\nHost a\r\n\r\n');
    expect(malformed).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(malformed.slice(malformed.indexOf('\r\n\r\n') + 4)).error.code).toBe('bad_request');

    // Two devices on one cart, kept open well past the request timeout, still sync.
    const url = `ws://${address}/sync`;
    const a = device(url, 'c_timeout');
    const b = device(url, 'c_timeout');
    let closes = 0;
    for (const d of [a, b])
      d.provider.on('status', ({ status }: { status: string }) => {
        if (status === 'disconnected') closes++;
      });
    await until(() => a.provider.synced && b.provider.synced, 'both devices to sync');
    await new Promise((r) => setTimeout(r, 2_000));
    a.doc.getMap('lines').set('p1', 2);
    await until(() => b.doc.getMap('lines').get('p1') === 2, 'the edit to reach the other device');
    expect(closes).toBe(0);
    for (const d of [a, b]) d.provider.destroy();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 60_000);
});
