import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { RunningServer } from '../src/server.js';
import { ADMIN, startTestServer } from './harness.js';

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
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    const server = await startTestServer({}, pino({ level }, sink));
    started.push(server);
    return { server, lines };
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
