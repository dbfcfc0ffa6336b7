import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, Client, signUp, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const bodies = ['', 'not json', '{', '[]', 'null', '42', '"x"', '{"a":1}', JSON.stringify({ email: ['x'] })];
const writes: [string, string][] = [
  ['POST', '/api/auth/signup'],
  ['POST', '/api/auth/login'],
  ['POST', '/api/me/addresses'],
  ['POST', '/api/products'],
  ['PATCH', '/api/products/gen-000001'],
  ['PUT', '/api/products/gen-000001/stock'],
  ['POST', '/api/cart/lines'],
  ['PATCH', '/api/cart/lines/gen-000001'],
  ['POST', '/api/orders'],
];

describe('bad input', () => {
  it('answers every malformed body on every write endpoint with a 4xx JSON error', async () => {
    const user = await signUp(server.url);
    const vendor = admin(server.url);
    for (const [method, url] of writes) {
      for (const client of [user, vendor, new Client(server.url)]) {
        for (const body of bodies) {
          const res = await client.request(method, url, body, { 'idempotency-key': 'key-12345678' });
          expect(res.status, `${method} ${url} ${body}`).toBeGreaterThanOrEqual(400);
          expect(res.status, `${method} ${url} ${body}`).toBeLessThan(500);
          expect(res.json?.error?.code, `${method} ${url} ${body}`).toMatch(/^[a-z_]+$/);
        }
      }
    }
  });

  it('answers bad query strings with 400 and odd search text with results', async () => {
    const c = new Client(server.url);
    for (const q of [
      'page=0',
      'page=abc',
      'pageSize=1000',
      'sort=sideways',
      'minPrice=-5',
      'facetLimit=0',
      'facetLimit=201',
      `q=${'a'.repeat(600)}`,
    ]) {
      const res = await c.get(`/api/search?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.json.error.code).toBe('invalid_query');
    }
    for (const q of [
      'title:foo',
      'a~2',
      'x^10',
      'lap*',
      '+must -not',
      '"quoted',
      '🛒🎧',
      '\u0000\u0007',
      ':',
      '*',
    ]) {
      const res = await c.get(`/api/search?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
      expect(Array.isArray(res.json.hits)).toBe(true);
    }
    // Parameters sent empty, as a form leaves them, count as not sent.
    const blank = await c.get('/api/search?q=&sort=&page=&pageSize=&brand=&minPrice=');
    expect(blank.status).toBe(200);
    expect(blank.json).toMatchObject({ page: 1, pageSize: 24 });
    expect(blank.json.hits).toEqual((await c.get('/api/search?q=')).json.hits);
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    const res = await admin(server.url).post(
      '/api/products',
      JSON.stringify({ title: 'x'.repeat(1_100_000) }),
    );
    expect(res.status).toBe(413);
  });

  it('reads chunked bodies, and refuses chunked ones over 1 MiB with 413 before reading them all', async () => {
    // No Content-Length: node sends the body in chunks, so the size is only known while reading.
    const send = (chunks: string[]) =>
      new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
        const req = http.request(
          `${server.url}/api/auth/signup`,
          { method: 'POST', headers: { 'content-type': 'application/json' } },
          (res) => {
            let body = '';
            res.on('data', (d) => {
              body += d;
            });
            res.on('end', () =>
              resolve({ status: res.statusCode!, body, connection: res.headers.connection }),
            );
          },
        );
        // The server may close the connection before the client has written everything.
        req.on('error', (err) => (req.writableFinished ? undefined : reject(err)));
        for (const chunk of chunks) req.write(chunk);
        req.end();
      });
    const body = JSON.stringify({
      email: `chunked-${Date.now()}@example.com`,
      password: 'correct horse 1',
      name: 'Chunked',
    });
    const ok = await send([body.slice(0, 10), body.slice(10)]);
    expect(ok.status, ok.body).toBe(201);
    const big = await send(Array.from({ length: 18 }, () => 'x'.repeat(64 * 1024)));
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).error.code).toBe('payload_too_large');
    expect(big.connection).toBe('close');
  });

  it('answers unknown API routes, and API or asset paths with malformed %-escapes, with a JSON 404', async () => {
    for (const path of ['/api/nothing-here', '/assets/%zz', '/api/%zz', '/x.js%zz']) {
      const res = await new Client(server.url).get(path);
      expect(res.status, path).toBe(404);
      expect(res.json.error.code, path).toBe('not_found');
    }
  });

  it('answers a route asked with a method it does not take with 405 and the methods it does, and plain HTTP to /sync with 426', async () => {
    const vendor = admin(server.url);
    const cases: [string, string, string][] = [
      ['DELETE', '/api/search', 'GET, HEAD'],
      ['PUT', '/api/cart', 'GET, HEAD'],
      ['OPTIONS', '/api/products', 'POST'],
      ['GET', '/api/products/p_1/stock', 'PUT'],
      ['POST', '/api/products/p_1', 'GET, HEAD, PATCH, DELETE'],
      ['GET', '/api/auth/login', 'POST'],
      ['DELETE', '/api/orders/o_1/cancel', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await vendor.request(
        method,
        path,
        method === 'GET' || method === 'DELETE' ? undefined : {},
      );
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.json.error.code).toBe('method_not_allowed');
      expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
    }
    // A path no route takes is still 404, whatever the method; a trailing slash is another path.
    for (const [method, path] of [
      ['GET', '/api/products/p_1/nothing'],
      ['POST', '/api/products/p_1/nothing'],
      ['DELETE', '/api/orders/o_1/cancel/'],
    ] as const) {
      const res = await vendor.request(method, path, method === 'POST' ? {} : undefined);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
    // Cart sync asked without a WebSocket upgrade says it wants one.
    for (const [method, path] of [
      ['GET', '/sync/c_abc'],
      ['POST', '/sync'],
      ['GET', '/sync/c_abc?token=x'],
    ] as const) {
      const res = await vendor.request(method, path, method === 'POST' ? {} : undefined);
      expect(res.status, path).toBe(426);
      expect(res.headers.get('upgrade')).toBe('websocket');
      expect(res.json.error.code).toBe('upgrade_required');
    }
  });

  it("serves the storefront's page, as a 404, for a page address with a malformed %-escape (a link cut short)", async () => {
    const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-client-'));
    fs.writeFileSync(path.join(clientDir, 'index.html'), '<!doctype html><title>shell</title>');
    const shop = await startTestServer({ SHOPSYNC_CLIENT_DIR: clientDir });
    try {
      for (const page of ['/products/50%', '/products/%E0%A4%A', '/%zz']) {
        const res = await new Client(shop.url).get(page);
        expect(res.status, page).toBe(404);
        expect(res.headers.get('content-type'), page).toContain('text/html');
        expect(res.text, page).toContain('<title>shell</title>');
      }
      // Still no file of the storefront's folder by a malformed name, nor an API route.
      expect((await new Client(shop.url).get('/assets/%zz')).status).toBe(404);
      expect((await new Client(shop.url).get('/api/%zz')).json.error.code).toBe('not_found');
    } finally {
      await shop.close();
      fs.rmSync(clientDir, { recursive: true, force: true });
    }
  });

  it("answers the storefront's pages 200 and any other page address 404, both with its page", async () => {
    const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-client-'));
    fs.writeFileSync(path.join(clientDir, 'index.html'), '<!doctype html><title>shell</title>');
    const shop = await startTestServer({ SHOPSYNC_CLIENT_DIR: clientDir });
    try {
      const vendor = admin(shop.url);
      const product = { title: 'Page kettle', brand: 'Acme', price: 100, stock: 1 };
      const kept = (await vendor.post('/api/products', product)).json.id as string;
      const gone = (await vendor.post('/api/products', product)).json.id as string;
      expect((await vendor.delete(`/api/products/${gone}`)).status).toBe(204);
      const pages = {
        200: [
          '/',
          '/search?q=kettle',
          `/products/${kept}`,
          `/products/${encodeURIComponent(kept)}`,
          '/cart',
          '/checkout',
          '/orders',
          '/orders/o_anyone',
          '/signin',
          '/signup',
          '/forgot-password',
          '/reset-password?token=from-a-mail',
          '/account',
        ],
        404: [
          '/nope/xyz',
          '/products/doesnotexist',
          `/products/${gone}`,
          '/cart/extra',
          '/products',
          '/Cart',
          '/reset-password/from-a-mail',
        ],
      };
      for (const [status, paths] of Object.entries(pages))
        for (const page of paths) {
          const res = await new Client(shop.url).get(page);
          expect(res.status, page).toBe(Number(status));
          expect(res.text, page).toContain('<title>shell</title>');
          const head = await fetch(`${shop.url}${page}`, { method: 'HEAD' });
          expect(head.status, `HEAD ${page}`).toBe(Number(status));
        }
    } finally {
      await shop.close();
      fs.rmSync(clientDir, { recursive: true, force: true });
    }
  });

  it('answers requests Node refuses before the app sees them with a JSON error, and closes them', async () => {
    const { port } = new URL(server.url);
    // Sends the requests one at a time on one connection (each after the answer to the one
    // before), and reads the last answer, after which the server closes the connection.
    const raw = (...requests: string[]) =>
      new Promise<{ status: number; headers: string; body: string }>((resolve, reject) => {
        const socket = net.connect(Number(port), '127.0.0.1');
        let answer = '';
        socket.on('data', (d) => {
          answer += d.toString();
          if (requests.length && answer.endsWith('}')) {
            answer = '';
            socket.write(requests.shift()!);
          }
        });
        socket.on('error', reject);
        // The parser cannot tell where a next request would begin: the answer ends the connection.
        socket.on('close', () => {
          const split = answer.indexOf('\r\n\r\n');
          resolve({
            status: Number(answer.slice(9, 12)),
            headers: answer.slice(0, split),
            body: answer.slice(split + 4),
          });
        });
        socket.write(requests.shift()!);
      });
    const cases: [string, number, string][] = [
      ['BREW /api/health HTTP/1.1\r\nHost: shop\r\n\r\n', 405, 'method_not_allowed'],
      ['GET /api/health HTTP/1.1\r\nHost: shop\r\nno colon here\r\n\r\n', 400, 'bad_request'],
      ['GET /api/health HTTP/1.1\r\nHost: shop\r\nContent-Length: x\r\n\r\n', 400, 'bad_request'],
      ['GET /api/health HTTP/9.9\r\nHost: shop\r\n\r\n', 400, 'bad_request'],
      [
        `GET /api/health HTTP/1.1\r\nHost: shop\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        431,
        'headers_too_large',
      ],
      // Upgrades the shop does not make: HTTP/2 (curl --http2 on http://), a WebSocket elsewhere.
      [
        'GET /api/health HTTP/1.1\r\nHost: shop\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n',
        400,
        'upgrade_refused',
      ],
      [
        'GET /elsewhere HTTP/1.1\r\nHost: shop\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        400,
        'upgrade_refused',
      ],
      [
        'GET /sync/cart HTTP/1.1\r\nHost: shop\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n',
        400,
        'upgrade_refused',
      ],
    ];
    for (const [request, status, code] of cases) {
      const answer = await raw(request);
      expect(answer.status, request.slice(0, 40)).toBe(status);
      expect(answer.headers).toMatch(/\r\nContent-Type: application\/json/);
      expect(answer.headers).toMatch(/\r\nX-Content-Type-Options: nosniff/);
      expect(JSON.parse(answer.body).error.code, request.slice(0, 40)).toBe(code);
    }
    // A malformed request after a good one on a kept-alive connection is answered too.
    const second = await raw(
      'GET /api/health HTTP/1.1\r\nHost: shop\r\n\r\n',
      'GET /api/health HTTP/1.1\r\nHost: shop\r\nbroken\r\n\r\n',
    );
    expect(second.status).toBe(400);
    expect(JSON.parse(second.body).error.code).toBe('bad_request');
    // The server still answers everyone else.
    expect((await new Client(server.url).get('/api/health')).status).toBe(200);
  });

  it('answers a request whose body stalls with 408 and closes it, after the request timeout', async () => {
    const quick = await startTestServer({ SHOPSYNC_REQUEST_TIMEOUT_MS: '300' });
    try {
      const { port } = new URL(quick.url);
      const socket = net.connect(Number(port), '127.0.0.1');
      let answer = '';
      socket.on('data', (d) => {
        answer += d.toString();
      });
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      // Headers whole, then 10 of the 100 bytes the body says it has, then nothing.
      socket.write(
        'POST /api/auth/login HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\n' +
          'Content-Length: 100\r\n\r\n{"email":"',
      );
      await closed;
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code).toBe('request_timeout');
      // The server still answers everyone else.
      expect((await new Client(quick.url).get('/api/health')).status).toBe(200);
    } finally {
      await quick.close();
    }
  });
});
