import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, SECRET, tmpDir, until } from './harness.js';

const MAIN = path.resolve(import.meta.dirname, '../src/main.ts');

/**
 * Runs the standalone sync server with `env` (and `umask`, when given, for it alone); resolves its
 * exit code and output.
 */
function run(env: Record<string, string>, umask?: number) {
  const before = umask === undefined ? undefined : process.umask(umask);
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, DATA_DIR: tmpDir(), SHOPSYNC_SECRET: SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (before !== undefined) process.umask(before);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  return { child, exited, out: () => out, err: () => err };
}

describe('npm run sync-server', () => {
  it('logs JSON lines at LOG_LEVEL, names the address it listens on, and refuses a bad level', async () => {
    const port = await freePort();
    const info = run({ PORT: String(port), HOST: '127.0.0.1' });
    await until(() => info.out().includes('sync server listening'), 'listening', 20_000);
    const line = JSON.parse(
      info
        .out()
        .split('\n')
        .find((l) => l.includes('listening'))!,
    );
    expect(line).toMatchObject({ level: 30, url: `http://127.0.0.1:${port}`, service: 'shopsync-sync' });
    // Plain HTTP to the sync path says it wants a WebSocket; other paths are a JSON 404.
    for (const path of ['/sync/c_abc', '/sync', '/sync/c_abc?token=x']) {
      const plain = await fetch(`http://127.0.0.1:${port}${path}`);
      expect(plain.status, path).toBe(426);
      expect(plain.headers.get('upgrade')).toBe('websocket');
      expect(((await plain.json()) as { error: { code: string } }).error.code).toBe('upgrade_required');
    }
    const missing = await fetch(`http://127.0.0.1:${port}/`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
    info.child.kill('SIGTERM');
    expect(await info.exited).toBe(0);

    const port2 = await freePort();
    const quiet = run({ PORT: String(port2), LOG_LEVEL: 'warn' });
    for (let i = 0; ; i++) {
      const res = await fetch(`http://127.0.0.1:${port2}/health`).catch(() => undefined);
      if (res?.ok) break;
      if (i > 200) throw new Error('the quiet sync server never answered /health');
      await new Promise((r) => setTimeout(r, 100));
    }
    quiet.child.kill('SIGTERM');
    expect(await quiet.exited).toBe(0);
    expect(quiet.out()).toBe('');

    const bad = run({ LOG_LEVEL: 'loud' });
    expect(await bad.exited).toBe(2);
    expect(bad.err()).toMatch(/LOG_LEVEL must be one of/);
  }, 60_000);
});

describe('npm run sync-server /metrics', () => {
  it('is open without SHOPSYNC_METRICS_TOKEN and needs it as a bearer token when set', async () => {
    const token = 'metrics-token-0123456789';
    const port = await freePort();
    const server = run({ PORT: String(port), SHOPSYNC_METRICS_TOKEN: token });
    await until(() => server.out().includes('sync server listening'), 'listening', 20_000);
    const metrics = (authorization?: string) =>
      fetch(`http://127.0.0.1:${port}/metrics`, { headers: authorization ? { authorization } : {} });
    for (const wrong of [undefined, 'Bearer nope', `Basic ${token}`, `Bearer ${token}x`]) {
      const res = await metrics(wrong);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await res.text()).not.toContain('shopsync_');
    }
    const ok = await metrics(`Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^shopsync_sync_connections /m);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const open = await freePort();
    const unset = run({ PORT: String(open) });
    await until(() => unset.out().includes('sync server listening'), 'listening', 20_000);
    expect((await fetch(`http://127.0.0.1:${open}/metrics`)).status).toBe(200);
    unset.child.kill('SIGTERM');
    expect(await unset.exited).toBe(0);

    const short = run({ SHOPSYNC_METRICS_TOKEN: 'short' });
    expect(await short.exited).toBe(2);
    expect(short.err()).toMatch(/SHOPSYNC_METRICS_TOKEN must be at least 16/);
  }, 60_000);
});

describe('npm run sync-server DATA_DIR', () => {
  it('creates it 0700 whatever the umask, and tightens one left 0755, saying so', async () => {
    const fresh = path.join(tmpDir(), 'data');
    const port = await freePort();
    // The child's umask is 022, as most systems give: its files would be world-readable.
    const first = run({ PORT: String(port), DATA_DIR: fresh }, 0o022);
    await until(() => first.out().includes('sync server listening'), 'listening', 20_000);
    expect(fs.statSync(fresh).mode & 0o777).toBe(0o700);
    expect(first.out()).not.toContain('open to other local users');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const older = tmpDir();
    fs.chmodSync(older, 0o755);
    const port2 = await freePort();
    const second = run({ PORT: String(port2), DATA_DIR: older }, 0o022);
    await until(() => second.out().includes('sync server listening'), 'listening', 20_000);
    expect(fs.statSync(older).mode & 0o777).toBe(0o700);
    const warned = second
      .out()
      .split('\n')
      .find((l) => l.includes('open to other local users'));
    expect(JSON.parse(warned!)).toMatchObject({ level: 40, dir: older, mode: '0755' });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 60_000);
});
