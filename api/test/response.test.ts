import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responseClass } from '../src/http/response.js';

const routes: Record<string, http.RequestListener> = {
  // As @hono/node-server answers: writeHead with a plain object, then end(body).
  '/held': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=60' });
    res.end('hello');
  },
  '/set': (_req, res) => {
    res.statusCode = 404;
    res.setHeader('x-frame-options', 'DENY');
    res.end('gone');
  },
  '/both': (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.setHeader('x-frame-options', 'DENY');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('both');
  },
  '/both-given': (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.writeHead(200, { 'content-type': 'text/plain', 'Cache-Control': 'private' });
    res.end('given');
  },
  '/stream': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: 1\n\n');
    res.end();
  },
  '/reason': (_req, res) => {
    res.writeHead(201, 'Made', { 'x-frame-options': 'DENY' });
    res.end();
  },
};

let server: http.Server;
let base: string;
const finished: string[] = [];
beforeAll(async () => {
  server = http.createServer(
    {
      ServerResponse: responseClass({
        defaults: [
          ['X-Frame-Options', 'SAMEORIGIN'],
          ['Cache-Control', 'no-store'],
        ],
        finish: (req, status, headers, body) => {
          finished.push(`${req.url} ${status}`);
          headers['x-finished'] = '1';
          return `${body}!`;
        },
      }),
    },
    (req, res) => routes[req.url ?? '']!(req, res),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("the shop's response", () => {
  it('adds the default headers an answer lacks, however it sends its head; its own win', async () => {
    const held = await fetch(`${base}/held`);
    expect(await held.text()).toBe('hello!');
    expect(held.headers.get('x-finished')).toBe('1');
    expect(held.headers.get('cache-control')).toBe('public, max-age=60');
    expect(held.headers.get('x-frame-options')).toBe('SAMEORIGIN');

    const set = await fetch(`${base}/set`);
    expect(set.status).toBe(404);
    expect(await set.text()).toBe('gone');
    expect(set.headers.get('x-frame-options')).toBe('DENY');
    expect(set.headers.get('cache-control')).toBe('no-store');

    // Set by setHeader before a held writeHead: still the answer's own.
    const both = await fetch(`${base}/both`);
    expect(await both.text()).toBe('both!');
    expect(both.headers.get('cache-control')).toBe('public, max-age=60');
    expect(both.headers.get('x-frame-options')).toBe('DENY');

    // Set both ways: writeHead's object wins, as in Node.
    const given = await fetch(`${base}/both-given`);
    expect(await given.text()).toBe('given!');
    expect(given.headers.get('cache-control')).toBe('private');

    const stream = await fetch(`${base}/stream`);
    expect(await stream.text()).toBe('data: 1\n\n');
    expect(stream.headers.get('x-finished')).toBeNull();
    expect(stream.headers.get('cache-control')).toBe('no-store');

    const reason = await fetch(`${base}/reason`);
    expect(reason.status).toBe(201);
    expect(reason.statusText).toBe('Made');
    expect(reason.headers.get('x-frame-options')).toBe('DENY');
    expect(reason.headers.get('cache-control')).toBe('no-store');
    // Only a buffered answer whose head was held is rewritten.
    expect(finished).toEqual(['/held 200', '/both 200', '/both-given 200']);
  });
});
