import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as encoding from 'lib0/encoding';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { createSyncServer, type SyncServer, type SyncServerOptions } from '../src/index.js';
import { startSync, type TestSyncServer, tmpDir, token, until } from './harness.js';

/**
 * A device that never answers a close frame (a hostile one): a WebSocket client on a bare socket,
 * sending masked binary frames and recording the frames it gets.
 */
function hostileDevice(port: number, docName: string) {
  const sock = net.connect(port, '127.0.0.1');
  const frames: { op: number; payload: Buffer }[] = [];
  let ended = false;
  sock.on('close', () => {
    ended = true;
  });
  sock.on('error', () => {});
  const opened = new Promise<void>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let upgraded = false;
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = buf.subarray(0, end).toString().split(' ')[1];
        if (status !== '101') return reject(new Error(`refused: ${status}`));
        upgraded = true;
        buf = buf.subarray(end + 4);
        resolve();
      }
      // Frames from the server are unmasked, and small here (no 64-bit lengths).
      while (buf.length >= 2) {
        let len = buf[1]! & 0x7f;
        let at = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          at = 4;
        }
        if (buf.length < at + len) return;
        frames.push({ op: buf[0]! & 0x0f, payload: buf.subarray(at, at + len) });
        buf = buf.subarray(at + len);
      }
    });
  });
  sock.on('connect', () => {
    sock.write(
      `GET /sync/${docName} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
  return {
    opened,
    frames,
    ended: () => ended,
    send(payload: Uint8Array): void {
      const mask = crypto.randomBytes(4);
      const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
      if (payload.length >= 126) throw new Error('small frames only');
      sock.write(Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask, masked]));
    },
    destroy: () => sock.destroy(),
  };
}

let itemKeys = 0;

/** A sync update message setting `item` in the cart's map under a key of its own, made on a device's own doc. */
function addItem(item: string): Uint8Array {
  itemKeys++;
  const doc = new Y.Doc();
  let update!: Uint8Array;
  doc.on('update', (u: Uint8Array) => {
    update = u;
  });
  doc.getMap('lines').set(`k${itemKeys}`, item);
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 0); // messageSync
  syncProtocol.writeUpdate(enc, update);
  return encoding.toUint8Array(enc);
}

/** The server of the test that is running, stopped after it (serve). */
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/**
 * A sync server on an ephemeral port whose authorization decides as the test says (by default,
 * everyone is user u1 on sign-in-1), stopped after the test.
 */
async function serve(options: Partial<SyncServerOptions> = {}): Promise<{ sync: SyncServer; port: number }> {
  const db = new Database(path.join(tmpDir(), 'sync.sqlite'));
  const sync = createSyncServer({
    db,
    authorize: () => ({ ok: true, principal: 'user:u1', session: 'sign-in-1' }),
    ...options,
  });
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => sync.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stop = async () => {
    await sync.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    db.close();
  };
  return { sync, port: (server.address() as AddressInfo).port };
}

describe('a connection the server closes', () => {
  it('after a sign-out, takes no more edits from a device that never answers the close, and drops it', async () => {
    const { sync, port } = await serve();
    const device = hostileDevice(port, 'cart-1');
    await device.opened;
    device.send(addItem('before'));
    await until(() => sync.stats().rooms === 1, 'the room to open', 5000);
    const doc = await sync.getDocument('cart-1');
    await until(() => doc.getMap('lines').size === 1, 'the edit made before the sign-out', 5000);

    expect(sync.endSession('sign-in-1')).toBe(1);
    await until(() => device.frames.some((f) => f.op === 8), 'the close frame', 5000);
    const close = device.frames.find((f) => f.op === 8)!;
    expect(close.payload.readUInt16BE(0)).toBe(4401);
    // The device ignores the close and goes on editing the cart it was signed out of.
    device.send(addItem('after'));
    // Dropped well before ws's own 30 s wait for an answer to the close.
    await until(device.ended, 'the server to drop the socket');
    expect([...doc.getMap('lines').values()]).toEqual(['before']);
    device.destroy();
  });
});

describe('an address at a limit, as the operator hears of it', () => {
  it('is logged once a minute, naming SHOPSYNC_TRUSTED_PROXIES when the request was forwarded', async () => {
    const warnings: { obj: Record<string, unknown>; msg?: string }[] = [];
    const noop = () => {};
    const { port } = await serve({
      authorize: () => ({ ok: true, principal: 'guest:x' }),
      limits: { maxConnectionsPerAddress: 1 },
      logger: {
        info: noop,
        error: noop,
        debug: noop,
        warn: (obj, msg) => warnings.push({ obj: obj as never, msg }),
      },
    });
    const url = `ws://127.0.0.1:${port}/sync/cart-1`;
    const open = (headers: Record<string, string>) =>
      new Promise<WebSocket | number>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('open', () => resolve(ws));
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      });
    const first = await open({});
    expect(first).toBeInstanceOf(WebSocket);
    expect(await open({ 'x-forwarded-for': '203.0.113.7' })).toBe(429);
    expect(await open({ 'x-forwarded-for': '203.0.113.8' })).toBe(429);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toMatchObject({ limit: 1, forwarded: true });
    expect(warnings[0]!.msg).toMatch(/sync connection limit; .*SHOPSYNC_TRUSTED_PROXIES/);
    (first as WebSocket).close();
  });
});

describe('the write budget of a client address', () => {
  let s: TestSyncServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  /**
   * Opens `cart` and sends `count` updates of ~1 KB: 'stored' once the server's document has them
   * all, else the close code of the connection.
   */
  async function write(
    server: TestSyncServer,
    cart: string,
    count: number,
    size = 900,
  ): Promise<number | 'stored'> {
    const ws = new WebSocket(`${server.url}/${cart}?token=${token(cart)}`);
    let code: number | undefined;
    ws.on('close', (c) => {
      code = c;
    });
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    for (let i = 0; i < count; i++) ws.send(addItem(`${cart}-${i}-${'x'.repeat(size)}`));
    const doc = await server.sync.getDocument(cart);
    await until(() => code !== undefined || doc.getMap('lines').size === count, 'the updates or a close');
    ws.close();
    return code ?? 'stored';
  }

  it('is shared by its connections and carts, outlives them, and closes the one that passes it with 4529', async () => {
    // Bursts of twice maxDocumentBytes (6,000 bytes here), refilled at 1 byte a second.
    s = await startSync({ writeBytesPerAddressPerSecond: 1, maxDocumentBytes: 3000 });
    // Three carts of two ~930-byte updates each, under each cart's own limit: ~5,600 bytes.
    for (const cart of ['cart-a', 'cart-b', 'cart-c']) expect(await write(s, cart, 2)).toBe('stored');
    // A fourth cart's first update passes the address's budget; so does a new connection's.
    expect(await write(s, 'cart-d', 1)).toBe(4529);
    expect(await write(s, 'cart-e', 1)).toBe(4529);
    expect((await s.sync.getDocument('cart-d')).getMap('lines').size).toBe(0);
  });

  it("refuses the address's new connections with 429 until a sixteenth of its burst is back", async () => {
    // Bursts of 6,000 bytes; a connection needs 375 of them to open.
    s = await startSync({ writeBytesPerAddressPerSecond: 1, maxDocumentBytes: 3000 });
    // Two carts of two ~1,430-byte updates each: ~5,700 bytes, ~300 left. Its next write would be
    // closed with 4529 and the stock client would reconnect at once: refused before a handshake.
    for (const cart of ['cart-a', 'cart-b']) expect(await write(s, cart, 2, 1400)).toBe('stored');
    const refused = new WebSocket(`${s.url}/cart-c?token=${token('cart-c')}`);
    const status = await new Promise<number>((resolve, reject) => {
      refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      refused.on('open', () => reject(new Error('opened')));
    });
    expect(status).toBe(429);
  });
});

describe('a device that answers nothing', () => {
  it('is dropped once a ping goes unanswered; a device that answers stays', async () => {
    const { sync, port } = await serve({ limits: { pingIntervalMs: 100 } });
    // A raw socket that reads and never answers: a phone gone without closing.
    const gone = hostileDevice(port, 'cart-ping');
    await gone.opened;
    // The ws client answers pings, as browsers do.
    const live = new WebSocket(`ws://127.0.0.1:${port}/sync/cart-ping`);
    let pings = 0;
    live.on('ping', () => pings++);
    await new Promise((resolve, reject) => {
      live.on('open', resolve);
      live.on('error', reject);
    });
    await until(gone.ended, 'the silent device dropped');
    expect(gone.frames.some((f) => f.op === 9)).toBe(true); // it was pinged first
    await until(() => pings >= 3, 'three pings answered');
    expect(live.readyState).toBe(WebSocket.OPEN);
    expect(sync.stats().connections).toBe(1);
    expect(await sync.metricsText()).toMatch(/shopsync_sync_refused_total\{reason="no answer"\} 1/);
    live.close();
  });
});
