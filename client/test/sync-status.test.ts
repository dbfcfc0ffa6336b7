import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { YjsCart } from '@shopsync/core/cart/yjs';
import { createSyncServer, createSyncToken, verifySyncToken } from '@shopsync/sync-server';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import {
  announceDevice,
  otherDevices,
  SavedTracker,
  type SyncStatus,
  syncStatus,
} from '../src/cart/sync-status.js';

describe('syncStatus', () => {
  it('is offline whenever the socket is down, whatever the server acknowledged', () => {
    const doc = new Y.Doc();
    expect(syncStatus(false, doc, new Map())).toBe('offline');
  });

  it('is saving while the server vector lags this device and saved once it covers it', () => {
    const doc = new Y.Doc();
    expect(syncStatus(true, doc, new Map())).toBe('saved'); // nothing edited yet
    new YjsCart(doc).add('p1', 1);
    expect(syncStatus(true, doc, new Map())).toBe('saving');
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(doc));
    expect(syncStatus(true, doc, Y.decodeStateVector(Y.encodeStateVector(server)))).toBe('saved');
    new YjsCart(doc).add('p2', 1);
    expect(syncStatus(true, doc, Y.decodeStateVector(Y.encodeStateVector(server)))).toBe('saving');
  });

  it("ignores other devices' clocks: only this device's edits decide", () => {
    const doc = new Y.Doc();
    const other = new Y.Doc();
    new YjsCart(other).add('p1', 1);
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other)); // received, not authored here
    expect(syncStatus(true, doc, new Map())).toBe('saved');
  });
});

/** Resolves when `check` holds, re-checking on each awareness change (no polling). */
function until(
  check: () => boolean,
  awareness: { on(e: 'change', f: () => void): void; off(e: 'change', f: () => void): void },
) {
  return new Promise<void>((resolve) => {
    const test = () => {
      if (!check()) return;
      awareness.off('change', test);
      resolve();
    };
    awareness.on('change', test);
    test();
  });
}

/** The real sync server on an ephemeral port, authorizing by token as the shop does. */
describe('SavedTracker against the sync server', () => {
  const secret = 'client-test-secret-0123456789';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-client-'));
  const db = new Database(path.join(dir, 'sync.sqlite'));
  const sync = createSyncServer({
    db,
    authorize: (req, name) => {
      const t = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
      const claims = t ? verifySyncToken(secret, t) : undefined;
      return claims?.cart === name
        ? { ok: true, principal: claims.sub }
        : { ok: false, status: 401, reason: 'token' };
    },
  });
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => sync.handleUpgrade(req, socket, head));
  let url = '';

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/sync`;
  });
  afterAll(async () => {
    await sync.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function device(cart: string) {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(url, cart, doc, {
      params: {
        token: createSyncToken(secret, { sub: 'user:u1', cart, exp: Date.now() + 60_000 }),
        saved: '1',
      },
      WebSocketPolyfill: WebSocket as never,
      disableBc: true,
    });
    announceDevice(provider);
    const seen: SyncStatus[] = [];
    const waiters: { want: SyncStatus; resolve: () => void }[] = [];
    const tracker = new SavedTracker(provider, doc, () => {
      const s = tracker.status();
      if (seen.at(-1) !== s) seen.push(s);
      for (const w of waiters.filter((w) => w.want === s)) w.resolve();
    });
    const reach = (want: SyncStatus) =>
      tracker.status() === want
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ want, resolve }));
    return { doc, provider, tracker, seen, reach };
  }

  it('goes from saving to saved when the server commits, and counts the other devices', async () => {
    const a = device('cart-tracker');
    await a.reach('saved');
    new YjsCart(a.doc).add('p1', 2);
    expect(a.tracker.status()).toBe('saving');
    await a.reach('saved');
    expect(a.seen.slice(-2)).toEqual(['saving', 'saved']);

    const b = device('cart-tracker');
    await new Promise<void>((resolve) => {
      const check = () =>
        new YjsCart(b.doc).quantity('p1') === 2 &&
        otherDevices(a.provider) === 1 &&
        otherDevices(b.provider) === 1 &&
        resolve();
      b.doc.on('update', check);
      a.provider.awareness.on('change', check);
      b.provider.awareness.on('change', check);
      check();
    });
    expect(b.tracker.status()).toBe('saved'); // received edits are not b's to save

    // No 15 s awareness renewal to fall back on: a must come back by announcing itself on reconnect.
    clearInterval(
      (a.provider.awareness as unknown as { _checkInterval: ReturnType<typeof setInterval> })._checkInterval,
    );
    a.provider.disconnect();
    expect(a.tracker.status()).toBe('offline');
    await until(() => otherDevices(b.provider) === 0, b.provider.awareness);
    // Back online: b sees a again at once (not at the 15 s awareness renewal) and a is saved.
    a.provider.connect();
    await until(() => otherDevices(b.provider) === 1, b.provider.awareness);
    await a.reach('saved');
    a.provider.destroy();
    b.provider.destroy();
  });
});
