import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { YjsCart } from '@shopsync/core/cart/yjs';
import {
  createSyncServer,
  createSyncToken,
  SqliteDocumentStorage,
  verifySyncToken,
} from '@shopsync/sync-server';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
// The standalone sync server as a child process, to stop and kill it.
import {
  startSyncProcess,
  device as syncDevice,
  tmpDir,
  until as waitFor,
} from '../../sync-server/test/harness.js';
import {
  announceDevice,
  type ClientStore,
  countOtherDevices,
  deletesCovered,
  deviceId,
  forgetClients,
  otherDevices,
  REMEMBERED_CLIENTS,
  RefusalRetry,
  refusalText,
  rememberClient,
  rememberedClients,
  SavedTracker,
  type SyncStatus,
  syncStatus,
} from '../src/cart/sync-status.js';

/** A vector as the server's saved message states it: what `doc` holds. */
function vectorOf(doc: Y.Doc): Map<number, number> {
  return Y.decodeStateVector(Y.encodeStateVector(doc));
}

/** localStorage's part the remembered ids use, in memory. */
function memoryStore(): ClientStore & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

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
    expect(syncStatus(true, doc, new Map(), [doc.clientID, 12345])).toBe('saved');
  });

  it('after a reload, is saving until the server covers the edits made under an earlier clientID', () => {
    // Before the reload: an edit (offline) under the first clientID, kept in the local copy.
    const d1 = new Y.Doc();
    new YjsCart(d1).add('p', 1);
    // After it: the local copy loaded into a document with a new clientID.
    const d2 = new Y.Doc();
    Y.applyUpdate(d2, Y.encodeStateAsUpdate(d1));
    const remembered = [d1.clientID, d2.clientID];
    expect(syncStatus(true, d2, new Map(), remembered)).toBe('saving');
    expect(syncStatus(false, d2, new Map(), remembered)).toBe('offline');
    // The server stores it: a vector that covers the old clientID.
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(d1));
    expect(syncStatus(true, d2, vectorOf(server), remembered)).toBe('saved');
    // A new edit under the current clientID is on its way again.
    new YjsCart(d2).add('q', 1);
    expect(syncStatus(true, d2, vectorOf(server), remembered)).toBe('saving');
    Y.applyUpdate(server, Y.encodeStateAsUpdate(d2));
    expect(syncStatus(true, d2, vectorOf(server), remembered)).toBe('saved');
  });

  it('needs every remembered clientID covered, not only the newest or the oldest', () => {
    const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
    const now = new Y.Doc();
    const server = new Y.Doc();
    for (const [i, d] of docs.entries()) {
      new YjsCart(d).add(`p${i}`, 1);
      Y.applyUpdate(now, Y.encodeStateAsUpdate(d));
      if (i !== 1) Y.applyUpdate(server, Y.encodeStateAsUpdate(d));
    }
    const remembered = [...docs.map((d) => d.clientID), now.clientID];
    expect(syncStatus(true, now, vectorOf(server), remembered)).toBe('saving');
    Y.applyUpdate(server, Y.encodeStateAsUpdate(docs[1]!));
    expect(syncStatus(true, now, vectorOf(server), remembered)).toBe('saved');
  });
});

describe('deletions', () => {
  /** The delete set of `doc` as the server's saved message states it. */
  const deletesOf = (doc: Y.Doc) =>
    Y.decodeSnapshot(
      Y.encodeSnapshot(Y.createSnapshot(Y.createDeleteSetFromStructStore(doc.store), new Map())),
    ).ds;
  /** The deletions `edit` makes in `doc`, as a transaction records them. */
  function deletionsOf(doc: Y.Doc, edit: () => void) {
    let ds = Y.createDeleteSet();
    const take = (tr: Y.Transaction) => {
      ds = Y.mergeDeleteSets([ds, tr.deleteSet]);
    };
    doc.on('afterTransaction', take);
    edit();
    doc.off('afterTransaction', take);
    return ds;
  }

  it('a removed line is saving until the server has deleted it too: no clock moves on a delete', () => {
    const doc = new Y.Doc();
    const cart = new YjsCart(doc);
    cart.add('keep', 1);
    cart.add('gone', 2);
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(doc));
    const own = deletionsOf(doc, () => cart.remove('gone'));
    expect(own.clients.size).toBe(1);
    // The vector alone calls it saved: the bug this guards against.
    expect(syncStatus(true, doc, vectorOf(server))).toBe('saved');
    expect(syncStatus(true, doc, vectorOf(server), [], { own, server: deletesOf(server) })).toBe('saving');
    Y.applyUpdate(server, Y.encodeStateAsUpdate(doc));
    expect(syncStatus(true, doc, vectorOf(server), [], { own, server: deletesOf(server) })).toBe('saved');
  });

  it('covers a deleted range split over several ranges of the server, and no more', () => {
    /** A delete set of [client, clock, length] ranges, as they arrive (unmerged). */
    const ds = (ranges: [number, number, number][]) => {
      const set = Y.createDeleteSet();
      for (const [client, clock, len] of ranges) {
        const list = set.clients.get(client) ?? [];
        list.push({ clock, len } as never);
        set.clients.set(client, list);
      }
      return set;
    };
    const server = ds([
      [1, 0, 3],
      [1, 3, 2],
      [1, 10, 5],
      [2, 4, 1],
    ]);
    expect(deletesCovered(ds([[1, 1, 4]]), server)).toBe(true); // 1..4 over [0,3) and [3,5)
    expect(deletesCovered(ds([[1, 11, 4]]), server)).toBe(true);
    expect(deletesCovered(ds([[1, 4, 2]]), server)).toBe(false); // 5 is not deleted there
    expect(deletesCovered(ds([[1, 9, 2]]), server)).toBe(false);
    expect(deletesCovered(ds([[1, 14, 2]]), server)).toBe(false);
    expect(deletesCovered(ds([[2, 4, 1]]), server)).toBe(true);
    expect(deletesCovered(ds([[3, 0, 1]]), server)).toBe(false); // a client the server has no deletes of
    expect(deletesCovered(Y.createDeleteSet(), server)).toBe(true);
  });
});

describe('remembered clientIDs', () => {
  it('keeps per cart the ids this browser wrote it with, newest last, each once', () => {
    const store = memoryStore();
    expect(rememberedClients('c1', store)).toEqual([]);
    rememberClient('c1', 11, store);
    rememberClient('c1', 22, store);
    rememberClient('c2', 33, store);
    rememberClient('c1', 11, store);
    expect(rememberedClients('c1', store)).toEqual([22, 11]);
    expect(rememberedClients('c2', store)).toEqual([33]);
    forgetClients('c1', store);
    expect(rememberedClients('c1', store)).toEqual([]);
    expect(rememberedClients('c2', store)).toEqual([33]);
  });

  it(`keeps only the last ${REMEMBERED_CLIENTS}`, () => {
    const store = memoryStore();
    for (let id = 1; id <= REMEMBERED_CLIENTS + 5; id++) rememberClient('c', id, store);
    const ids = rememberedClients('c', store);
    expect(ids).toHaveLength(REMEMBERED_CLIENTS);
    expect(ids[0]).toBe(6);
    expect(ids.at(-1)).toBe(REMEMBERED_CLIENTS + 5);
  });

  it('reads garbage as nothing, skips entries that are not clientIDs, and starts over from it', () => {
    const store = memoryStore();
    for (const garbage of ['{', '"x"', '{"a":1}', 'null', '42']) {
      store.items.set('shopsync-cart-clients-c', garbage);
      expect(rememberedClients('c', store)).toEqual([]);
    }
    store.items.set('shopsync-cart-clients-c', JSON.stringify([1, 'a', -1, 1.5, null, 2 ** 32, 7]));
    expect(rememberedClients('c', store)).toEqual([1, 7]);
    store.items.set('shopsync-cart-clients-c', '{');
    rememberClient('c', 9, store);
    expect(rememberedClients('c', store)).toEqual([9]);
  });

  it('tolerates storage that is missing, refuses or is full', () => {
    const refusing: ClientStore = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(() => rememberClient('c', 1, refusing)).not.toThrow();
    expect(rememberedClients('c', refusing)).toEqual([]);
    expect(() => forgetClients('c', refusing)).not.toThrow();
    const full = { ...memoryStore(), setItem: refusing.setItem };
    expect(() => rememberClient('c', 1, full)).not.toThrow();
    expect(rememberedClients('c', undefined)).toEqual([]);
    expect(() => rememberClient('c', 1, undefined)).not.toThrow();
    // In Node there is no localStorage: the default is tolerated too.
    expect(() => rememberClient('c', 1)).not.toThrow();
    expect(rememberedClients('c')).toEqual(expect.any(Array));
  });
});

describe('devices', () => {
  const seen = (id?: string) => ({ device: id === undefined ? { since: 1 } : { id, since: 1 } });

  it('counts other devices by their id: reloads and tabs of one browser are one device, this one none', () => {
    const states = new Map<number, Record<string, unknown>>([
      [1, seen('me')], // this page
      [2, seen('me')], // this browser's other tab, or its page before a reload, lingering
      [3, seen('phone')],
      [4, seen('phone')], // the phone reloaded: its old state has not timed out yet
      [5, seen('phone')],
      [6, seen('tablet')],
    ]);
    expect(countOtherDevices(states, 1, 'me')).toBe(2);
    expect(countOtherDevices(new Map([[1, seen('me')]]), 1, 'me')).toBe(0);
    expect(countOtherDevices(new Map(), 1, 'me')).toBe(0);
  });

  it('counts a state without an id (an earlier version, or not announced yet) as a device of its own', () => {
    const states = new Map<number, Record<string, unknown>>([
      [1, seen('me')],
      [7, {}],
      [8, seen()],
      [9, seen('')],
    ]);
    expect(countOtherDevices(states, 1, 'me')).toBe(3);
    expect(
      countOtherDevices(
        new Map([
          [1, {}],
          [2, {}],
        ]),
        1,
        undefined,
      ),
    ).toBe(1);
  });

  it('keeps one id per browser, made once; where storage refuses, one for the page load', () => {
    const store = memoryStore();
    let made = 0;
    const newId = () => `id-${++made}`;
    expect(deviceId(store, newId)).toBe('id-1');
    expect(deviceId(store, newId)).toBe('id-1');
    expect(made).toBe(1);
    const refusing: ClientStore = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
      removeItem: () => {},
    };
    expect(deviceId(refusing, newId)).toBe('id-2');
    expect(deviceId(undefined, newId)).toBe('id-3');
    expect(deviceId()).toEqual(expect.any(String));
  });
});

describe('SavedTracker before the local copy is loaded', () => {
  /** Just what SavedTracker uses of a provider, connected. */
  function connectedProvider() {
    const listeners: (() => void)[] = [];
    return {
      wsconnected: true,
      messageHandlers: [] as unknown[],
      on: (_event: string, f: () => void) => listeners.push(f),
    } as unknown as WebsocketProvider;
  }

  it('is saving while connected until the local copy is in, when earlier clientIDs are remembered', () => {
    const doc = new Y.Doc();
    const tracker = new SavedTracker(connectedProvider(), doc, () => {}, {
      remembered: () => [1234, doc.clientID],
      localLoaded: false,
    });
    // The document is empty so far: without the local copy, 1234's clock would read 0 (covered).
    expect(tracker.status()).toBe('saving');
    tracker.localCopyLoaded();
    expect(tracker.status()).toBe('saved');
  });

  it('does not wait for the local copy on a first visit (no earlier clientID)', () => {
    const doc = new Y.Doc();
    const tracker = new SavedTracker(connectedProvider(), doc, () => {}, {
      remembered: () => [doc.clientID],
      localLoaded: false,
    });
    expect(tracker.status()).toBe('saved');
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

  /**
   * A device with its tracker. `stored`: its local copy, in the document before it connects (a
   * reload); `remembered`: the clientIDs it wrote the cart with before (its current one is added);
   * `onStatus`: told of every status as it is reported.
   */
  function device(
    cart: string,
    options: {
      stored?: Uint8Array;
      remembered?: number[];
      onStatus?: (s: SyncStatus) => void;
      /** Retry after a refusal (as the storefront does), with these delays. */
      retry?: { baseMs: number; maxMs: number };
      /** The browser's device id (by default, one of its own). */
      deviceId?: string;
    } = {},
  ) {
    const doc = new Y.Doc();
    if (options.stored) Y.applyUpdate(doc, options.stored);
    const remembered = [...(options.remembered ?? []), doc.clientID];
    const provider = new WebsocketProvider(url, cart, doc, {
      params: {
        token: createSyncToken(secret, { sub: 'user:u1', cart, exp: Date.now() + 60_000 }),
        saved: '1',
      },
      WebSocketPolyfill: WebSocket as never,
      disableBc: true,
    });
    announceDevice(provider, options.deviceId ?? crypto.randomUUID());
    const seen: SyncStatus[] = [];
    const waiters: { want: SyncStatus; resolve: () => void }[] = [];
    const status = () => retry?.status(tracker.status()) ?? tracker.status();
    const onChange = () => {
      const s = status();
      options.onStatus?.(s);
      if (seen.at(-1) !== s) seen.push(s);
      for (const w of waiters.filter((w) => w.want === s)) w.resolve();
    };
    const tracker = new SavedTracker(provider, doc, onChange, { remembered: () => remembered });
    const retry = options.retry && new RefusalRetry(provider, onChange, options.retry);
    const reach = (want: SyncStatus) =>
      status() === want ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ want, resolve }));
    return { doc, provider, tracker, retry, seen, reach, status };
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

  it("counts a browser's two pages (tabs, or a reload and its old page) as one device, and not from either", async () => {
    const phone = device('cart-devices');
    const laptop = device('cart-devices', { deviceId: 'laptop' });
    const tab = device('cart-devices', { deviceId: 'laptop' });
    const all = [phone, laptop, tab];
    // Each has every state, the three of them: then the counts are what they say.
    for (const d of all) await until(() => d.provider.awareness.getStates().size === 3, d.provider.awareness);
    expect(otherDevices(phone.provider)).toBe(1);
    expect(otherDevices(laptop.provider)).toBe(1);
    expect(otherDevices(tab.provider)).toBe(1);
    for (const d of all) d.provider.destroy();
  });

  /** Whether the server's storage holds `productId` in `cart` (what a saved message may claim). */
  function stored(cart: string, productId: string): boolean {
    const doc = new Y.Doc();
    for (const update of new SqliteDocumentStorage(db).load(cart)) Y.applyUpdate(doc, update);
    return new YjsCart(doc).quantity(productId) > 0;
  }

  it('after a reload with edits made offline under the old clientID, is saved only once the server stores them', async () => {
    // Before the reload: an edit the server never got (offline), kept in the local copy.
    const before = new Y.Doc();
    new YjsCart(before).add('offline-edit', 1);
    // Every status reported while the edit is not stored must not be 'saved'.
    const early: SyncStatus[] = [];
    const after = device('cart-reload-offline', {
      stored: Y.encodeStateAsUpdate(before),
      remembered: [before.clientID],
      onStatus: (s) => {
        if (!stored('cart-reload-offline', 'offline-edit')) early.push(s);
      },
    });
    await after.reach('saved');
    expect(stored('cart-reload-offline', 'offline-edit')).toBe(true);
    expect(early).not.toContain('saved');
    after.provider.destroy();
  });

  it('after a reload whose old edits the server stored already, becomes saved without a new edit', async () => {
    const first = device('cart-reload-stored');
    new YjsCart(first.doc).add('p1', 1);
    await first.reach('saved'); // covers the edit: its status is 'saving' until then
    first.provider.destroy();
    // Its step 2 brings nothing new: the server's saved message on connecting is what tells it.
    const after = device('cart-reload-stored', {
      stored: Y.encodeStateAsUpdate(first.doc),
      remembered: [first.doc.clientID],
    });
    await after.reach('saved');
    after.provider.destroy();
  });

  /** Has the server close `provider`'s socket with 4400: a text frame (the protocol is binary). */
  function offend(provider: WebsocketProvider): void {
    (provider.ws as unknown as WebSocket).send('not a Yjs frame');
  }

  it('after a 4400 close, the stock provider stays closed; with RefusalRetry it resumes and saves what was edited meanwhile', async () => {
    // The stock client: refused for good.
    const stock = device('cart-refused-stock');
    await stock.reach('saved');
    const closed = new Promise<{ code: number }>((resolve) => stock.provider.once('closed', resolve));
    offend(stock.provider);
    expect((await closed).code).toBe(4400);
    await new Promise((r) => setTimeout(r, 600)); // past the provider's first reconnect delays
    expect(stock.provider.wsconnected || stock.provider.wsconnecting).toBe(false);
    stock.provider.destroy();

    const a = device('cart-refused', { retry: { baseMs: 200, maxMs: 5000 } });
    await a.reach('saved');
    offend(a.provider);
    await a.reach('refused');
    expect(a.retry?.refusal?.code).toBe(4400);
    expect(a.retry?.refusal?.reason).toBe('binary frames only');
    new YjsCart(a.doc).add('while-refused', 1); // kept on the device meanwhile
    expect(a.status()).toBe('refused');
    await a.reach('saved');
    expect(a.retry?.refusal).toBeNull();
    expect(stored('cart-refused', 'while-refused')).toBe(true);
    // The provider reports the socket down just before the refusal (in one call: one render).
    expect(a.seen).toEqual(['saved', 'offline', 'refused', 'saving', 'saved']);
    a.provider.destroy();
  });

  it('retries a device refused again and again ever more slowly', async () => {
    const a = device('cart-refused-often', { retry: { baseMs: 100, maxMs: 5000 } });
    await a.reach('saved');
    const gaps: number[] = [];
    for (let i = 0; i < 3; i++) {
      offend(a.provider);
      await a.reach('refused');
      const refusedAt = Date.now();
      await a.reach('saved');
      gaps.push(Date.now() - refusedAt);
    }
    // 100, 200, 400 ms (each at least its delay; the connection itself takes a few ms).
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(395);
    a.provider.destroy();
  });

  it('does not retry while the device may not connect (offline), nor after it is destroyed', async () => {
    let online = false;
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(url, 'cart-refused-offline', doc, {
      params: {
        token: createSyncToken(secret, {
          sub: 'user:u1',
          cart: 'cart-refused-offline',
          exp: Date.now() + 60_000,
        }),
      },
      WebSocketPolyfill: WebSocket as never,
      disableBc: true,
    });
    const retry = new RefusalRetry(provider, () => {}, { baseMs: 50, maxMs: 1000, mayConnect: () => online });
    await new Promise<void>((resolve) => provider.once('sync', () => resolve()));
    offend(provider);
    await new Promise<void>((resolve) => provider.once('closed', () => resolve()));
    await new Promise((r) => setTimeout(r, 300));
    expect(provider.wsconnected || provider.wsconnecting).toBe(false);
    expect(retry.status('offline')).toBe('refused');
    // Back online: the storefront reconnects by itself (its 'online' handler), and the refusal clears.
    online = true;
    provider.connect();
    await new Promise<void>((resolve) => provider.once('sync', () => resolve()));
    expect(retry.refusal).toBeNull();
    // Destroyed with a retry pending: nothing reconnects.
    offend(provider);
    await new Promise<void>((resolve) => provider.once('closed', () => resolve()));
    retry.destroy();
    await new Promise((r) => setTimeout(r, 300));
    expect(provider.wsconnected || provider.wsconnecting).toBe(false);
    provider.destroy();
  });
});

describe('refusalText', () => {
  it('names the refusal a shopper can act on and says the rest are retried', () => {
    expect(refusalText(4413)).toMatch(/too large/);
    expect(refusalText(4400)).toMatch(/trying again/);
    expect(refusalText(4401)).toMatch(/trying again/);
  });
});

describe('SavedTracker against a sync server process killed with SIGKILL', () => {
  it('calls a removed line saved only once the server has stored it, and the removal survives kill -9', async () => {
    const dataDir = tmpDir();
    const first = await startSyncProcess(dataDir);
    const a = syncDevice(first.url, 'cart-remove', undefined, { saved: '1' });
    const tracker = new SavedTracker(a.provider, a.doc, () => {});
    const cart = new YjsCart(a.doc);
    await waitFor(() => a.provider.synced, 'synced');
    cart.add('keep', 1);
    cart.add('gone', 1);
    await waitFor(() => tracker.status() === 'saved', 'saved after the adds');
    // The server stops (busy, or the frame still on its way): the removal is on this device only.
    first.child.kill('SIGSTOP');
    cart.remove('gone');
    expect(tracker.status()).toBe('saving');
    expect(tracker.unsaved()).toBe(true);
    first.child.kill('SIGCONT');
    await waitFor(() => tracker.status() === 'saved', 'saved after the removal');
    expect(tracker.unsaved()).toBe(false);
    first.child.kill('SIGKILL');
    await first.exited;
    a.provider.destroy(); // the device's copy is gone (signing out erases it)

    const second = await startSyncProcess(dataDir);
    const reader = syncDevice(second.url, 'cart-remove');
    await waitFor(() => reader.provider.synced, 'reader synced');
    expect(new YjsCart(reader.doc).lines().map((l) => [l.productId, l.quantity])).toEqual([['keep', 1]]);
    reader.provider.destroy();
    second.child.kill('SIGKILL');
    await second.exited;
  }, 60_000);
});
