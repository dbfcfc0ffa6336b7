import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type RunningServer, startServer } from '../src/server.js';
import { ADMIN, keptLog, startTestServer } from './harness.js';

const started: RunningServer[] = [];
afterAll(async () => {
  for (const server of started) await server.close();
});

describe('/metrics with SHOPSYNC_METRICS_TOKEN', () => {
  const token = 'metrics-token-0123456789';

  it('answers 401 without the token (nor with another credential) and the metrics with it', async () => {
    const server = await startTestServer({ SHOPSYNC_METRICS_TOKEN: token });
    started.push(server);
    const metrics = (authorization?: string) =>
      fetch(`${server.url}/metrics`, { headers: authorization ? { authorization } : {} });
    for (const wrong of [undefined, 'Bearer nope', `Bearer ${ADMIN}`, `Basic ${token}`, `Bearer ${token}x`]) {
      const res = await metrics(wrong);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe('unauthenticated');
    }
    const ok = await metrics(`Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^shopsync_sync_connections /m);
    // The rest of the shop is as before.
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it('is open when no token is configured, and a token under 16 characters is refused at start', async () => {
    const server = await startTestServer();
    started.push(server);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
    expect(() => loadConfig({ SHOPSYNC_METRICS_TOKEN: 'short' })).toThrow(/SHOPSYNC_METRICS_TOKEN/);
  });
});

describe('access log', () => {
  /** A shop whose log lines (JSON) are kept in `lines`, at `level`. */
  async function shopLoggingAt(level: string) {
    const log = keptLog(level);
    const server = await startTestServer({}, log.logger);
    started.push(server);
    return { server, lines: log.records };
  }

  it('at debug, logs each request with its method, path (no query), status and time', async () => {
    const { server, lines } = await shopLoggingAt('debug');
    await fetch(`${server.url}/api/products/no-such-product`);
    await fetch(`${server.url}/api/search?q=secret+words`);
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'GET', path: '/api/products/no-such-product', status: 404 }),
    );
    const search = requests.find((l) => l.path === '/api/search');
    expect(search).toMatchObject({ method: 'GET', status: 200 });
    expect(typeof search?.ms).toBe('number');
    expect(JSON.stringify(requests)).not.toContain('secret');
  });

  it('at info, logs no request lines', async () => {
    const { server, lines } = await shopLoggingAt('info');
    await fetch(`${server.url}/api/products/no-such-product`);
    expect(lines.some((l) => l.msg === 'request')).toBe(false);
    expect(lines.some((l) => l.msg === 'search index ready')).toBe(true);
  });
});

describe('/api/health', () => {
  it('says 503 "search" while the catalog feed cannot read, logs it once, and the shop serves on', async () => {
    const { logger, records: lines } = keptLog('info');
    const server = await startTestServer({}, logger);
    started.push(server);
    const health = async () => {
      const res = await fetch(`${server.url}/api/health`);
      return { status: res.status, body: await res.json() };
    };
    expect(await health()).toEqual({ status: 200, body: { status: 'ok' } });
    // The test server has no storefront build: said at start, not only by 503s on its pages.
    expect(lines.some((l) => l.level === 40 && l.msg.startsWith('the storefront is not built there'))).toBe(
      true,
    );
    // A read of the change feed fails (a damaged file, a disk error), poll after poll: before, the
    // error was thrown from a timer and ended the process.
    const feed = server.feed as unknown as { catchUp: () => number };
    const catchUp = feed.catchUp;
    feed.catchUp = () => {
      throw new Error('database disk image is malformed');
    };
    await expect.poll(health).toEqual({ status: 503, body: { status: 'error', error: 'search' } });
    await new Promise((r) => setTimeout(r, 600)); // more polls fail
    expect(lines.filter((l) => l.msg === 'search could not read catalog changes; retrying')).toHaveLength(1);
    expect((await fetch(`${server.url}/api/search?q=lamp`)).status).toBe(200);
    feed.catchUp = catchUp;
    await expect.poll(health).toEqual({ status: 200, body: { status: 'ok' } });
    expect(lines.some((l) => l.msg === 'search catches up with the catalog again')).toBe(true);
  });

  it('says 503 "database" when the database does not answer a read', async () => {
    const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-client-'));
    fs.writeFileSync(path.join(clientDir, 'index.html'), '<!doctype html><title>shell</title>');
    const server = await startTestServer({ SHOPSYNC_CLIENT_DIR: clientDir });
    // The connection goes away under the running shop (what a vanished or unreadable file does).
    server.db.close();
    const res = await fetch(`${server.url}/api/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'error', error: 'database' });
    // A product page is still the storefront's page (it shows its own error), not a JSON 500.
    const page = await fetch(`${server.url}/products/gen-000001`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>shell</title>');
    await server.close().catch(() => {});
    fs.rmSync(clientDir, { recursive: true, force: true });
  });
});

describe('a start that fails part way', () => {
  /** The files of `dir` this process holds open (Linux: /proc/self/fd). */
  const openIn = (dir: string) =>
    fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
      } catch {
        return false; // the fd readdir itself used, closed since
      }
    }).length;

  it('leaves no database open and the data directory free for the next start', async () => {
    const first = await startTestServer();
    started.push(first);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-failed-start-'));
    const config = loadConfig({
      PORT: String(first.port), // taken: listen fails after the database, sync and search are up
      DATA_DIR: dataDir,
      SHOPSYNC_SEED_COUNT: '50',
      SHOPSYNC_CLIENT_DIR: path.join(dataDir, 'no-client'),
    });
    const silent = pino({ level: 'silent' });
    await expect(startServer(config, silent)).rejects.toThrow(/EADDRINUSE/);
    expect(openIn(dataDir)).toBe(0);
    const again = await startServer({ ...config, port: 0 }, silent);
    started.push(again);
    expect((await fetch(`${again.url}/api/health`)).status).toBe(200);
  });
});
