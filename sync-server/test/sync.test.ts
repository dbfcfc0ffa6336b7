import path from 'node:path';
import { YjsCart } from '@shopsync/core';
import Database from 'better-sqlite3';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { type DocumentStorage, SqliteDocumentStorage } from '../src/storage.js';
import { device, startSync, type TestSyncServer, tmpDir, token, until } from './harness.js';

let server: TestSyncServer;
beforeAll(async () => {
  server = await startSync({ idleRoomMs: 100 });
});
afterAll(() => server.close());

/** Opens a raw socket and reports how it ended: the HTTP refusal, or the close code and every byte received. */
function raw(url: string): Promise<{ ws: WebSocket; opened: boolean; status?: number; received: Buffer[] }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const received: Buffer[] = [];
    ws.on('message', (d: Buffer) => received.push(d));
    ws.on('unexpected-response', (_req, res) =>
      resolve({ ws, opened: false, status: res.statusCode, received }),
    );
    ws.on('open', () => resolve({ ws, opened: true, received }));
  });
}

/** A raw socket to a guest's own cart `cart-<id>` (each guest a principal of its own). */
function guestCart(url: string, id: string) {
  return raw(`${url}/cart-${id}?token=${token(`cart-${id}`, `guest:${id}`)}`);
}

/** SQLite storage whose `append` throws ("disk full") while `fails()` says so. */
function failingAppends(fails: () => boolean) {
  return (db: Database.Database): DocumentStorage => {
    const sqlite = new SqliteDocumentStorage(db);
    return {
      load: (name) => sqlite.load(name),
      append: (batch) => {
        if (fails()) throw new Error('disk full');
        sqlite.append(batch);
      },
      compact: (name, snapshot) => sqlite.compact(name, snapshot),
      logLength: (name) => sqlite.logLength(name),
    };
  };
}

/** A varUint, as y-protocols writes a payload's length. */
function encodeLength(n: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, n);
  return encoding.toUint8Array(encoder);
}

/**
 * An update whose structs (one cart entry of `productId`) read, followed by a delete set that
 * claims 3 clients and ends there: Yjs integrates the entry, then throws.
 */
function cutShort(productId: string): Uint8Array {
  const source = new Y.Doc();
  new YjsCart(source).add(productId, 1);
  const whole = Y.encodeStateAsUpdate(source);
  expect(whole.at(-1)).toBe(0); // an empty delete set
  const cut = Uint8Array.from([...whole.subarray(0, -1), 3]);
  expect(() => Y.applyUpdate(new Y.Doc(), cut)).toThrow();
  return cut;
}

/**
 * Appends to a stopped server's log of `doc` an update no device can read (`cutShort`), as a
 * version that logged a device's frames as sent could keep one.
 */
function logUnreadable(dataDir: string, doc: string): void {
  const db = new Database(path.join(dataDir, 'sync.sqlite'));
  db.prepare('INSERT INTO sync_updates (doc, data) VALUES (?, ?)').run(doc, cutShort('lost'));
  db.close();
}

/** The clock `doc` holds for `client` (0 when it has nothing of it). */
function clockOf(doc: Y.Doc, client: number): number {
  return Y.decodeStateVector(Y.encodeStateVector(doc)).get(client) ?? 0;
}

/**
 * A device that asks for saved messages, keeping the last one's vector and counting them. `stored`:
 * what it holds before it connects (its IndexedDB copy after a reload, under a new clientID).
 */
function savedDevice(url: string, cart: string, stored?: Uint8Array) {
  const doc = new Y.Doc();
  if (stored) Y.applyUpdate(doc, stored);
  const provider = new WebsocketProvider(url, cart, doc, {
    params: { token: token(cart), saved: '1' },
    WebSocketPolyfill: WebSocket as never,
    disableBc: true,
  });
  const state = { doc, provider, saved: new Map<number, number>(), messages: 0 };
  provider.messageHandlers[100] = (_e, decoder) => {
    state.saved = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
    state.messages++;
  };
  return state;
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
}

describe('sync server', () => {
  it('lets two stock y-websocket clients converge on one cart', async () => {
    const a = device(server.url, 'cart-converge');
    const b = device(server.url, 'cart-converge');
    const cartA = new YjsCart(a.doc);
    const cartB = new YjsCart(b.doc);
    cartA.add('p1', 1);
    cartB.add('p1', 2);
    cartB.add('p2', 1);
    await until(
      () => cartA.quantity('p1') === 3 && cartB.quantity('p2') === 1 && cartA.quantity('p2') === 1,
      'convergence',
    );
    expect(cartA.lines()).toEqual(cartB.lines());
    a.provider.destroy();
    b.provider.destroy();
  });

  it('refuses no token, a bad token, an expired token and another cart token before sending anything', async () => {
    const cases: [string, number][] = [
      [`${server.url}/cart-x`, 401],
      [`${server.url}/cart-x?token=garbage`, 401],
      [`${server.url}/cart-x?token=${token('cart-x', 'user:u1', -1000)}`, 401],
      [`${server.url}/cart-x?token=${token('cart-other')}`, 403],
      [`${server.url}/bad%20name?token=${token('bad name')}`, 400],
      // A %-escape that decodes to nothing: refused like any other bad id, not dropped.
      [`${server.url}/cart%ZZ?token=${token('cart-x')}`, 400],
    ];
    for (const [url, status] of cases) {
      const result = await raw(url);
      expect(result.opened, url).toBe(false);
      expect(result.status, url).toBe(status);
      expect(result.received).toHaveLength(0);
    }
  });

  it('closes only the connection that sends garbage, truncated or oversized frames', async () => {
    const bystander = device(server.url, 'cart-bad');
    await until(() => bystander.provider.synced, 'bystander synced');
    const frames = [
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
      Buffer.from([0, 2, 50, 1, 2]), // a sync update that claims 50 bytes and has 3
      Buffer.from([7]), // an unknown message type
      Buffer.alloc(8 * 1024 * 1024, 1),
    ];
    const codes: number[] = [];
    for (const frame of frames) {
      const { ws, opened } = await raw(`${server.url}/cart-bad?token=${token('cart-bad')}`);
      expect(opened).toBe(true);
      const end = closed(ws);
      ws.send(frame);
      codes.push((await end).code);
    }
    expect(codes).toEqual([4400, 4400, 4400, 1009]);
    // The bystander in the same room still syncs.
    const other = device(server.url, 'cart-bad');
    new YjsCart(other.doc).add('still-works', 1);
    await until(() => new YjsCart(bystander.doc).quantity('still-works') === 1, 'bystander update');
    other.provider.destroy();
    bystander.provider.destroy();
  });

  it('never logs or relays the bytes of an update whose delete set is cut short', async () => {
    // A server that checks nothing of what devices write: the cart's check refuses such an
    // update before applying any of it (next test); without it, Yjs integrates its structs first.
    const server = await startSync({}, undefined, undefined, undefined, null);
    try {
      const bystander = raw(`${server.url}/cart-cut?token=${token('cart-cut')}`);
      const watching = await bystander;
      const cut = cutShort('p-cut');
      const { ws } = await raw(`${server.url}/cart-cut?token=${token('cart-cut')}`);
      const end = closed(ws);
      ws.send(Buffer.concat([Buffer.from([0, 2]), Buffer.from(encodeLength(cut.length)), cut]));
      expect((await end).code).toBe(4400);
      await server.sync.flush();
      // What was logged and what the bystander got all apply, and hold what the server's document holds.
      const logged = server.db
        .prepare(`SELECT data FROM sync_updates WHERE doc = 'cart-cut' ORDER BY id`)
        .all() as { data: Buffer }[];
      expect(logged.length).toBeGreaterThan(0);
      const reloaded = new Y.Doc();
      for (const { data } of logged) Y.applyUpdate(reloaded, data);
      const held = await server.sync.getDocument('cart-cut');
      expect(new YjsCart(reloaded).lines()).toEqual(new YjsCart(held).lines());
      await until(() => watching.received.length >= 2, 'the relayed update');
      const seen = new Y.Doc();
      for (const message of watching.received) {
        const decoder = decoding.createDecoder(message);
        // Awareness and the server's step 1 (a state vector) carry no document content.
        if (decoding.readVarUint(decoder) !== 0 || decoding.readVarUint(decoder) === 0) continue;
        Y.applyUpdate(seen, decoding.readVarUint8Array(decoder));
      }
      expect(new YjsCart(seen).lines()).toEqual(new YjsCart(held).lines());
      watching.ws.close();
    } finally {
      await server.close();
    }
  });

  it('refuses a cut-short update whole when it checks what devices write', async () => {
    const cut = cutShort('p-cut');
    const { ws } = await raw(`${server.url}/cart-cut-checked?token=${token('cart-cut-checked')}`);
    const end = closed(ws);
    ws.send(Buffer.concat([Buffer.from([0, 2]), Buffer.from(encodeLength(cut.length)), cut]));
    expect((await end).code).toBe(4400);
    await server.sync.flush();
    const logged = server.db
      .prepare(`SELECT count(*) AS n FROM sync_updates WHERE doc = 'cart-cut-checked'`)
      .get();
    expect(logged).toEqual({ n: 0 });
    expect(new YjsCart(await server.sync.getDocument('cart-cut-checked')).lines()).toEqual([]);
  });

  it('answers a new device from the document, not from a lone stored update it could not read', async () => {
    const dataDir = tmpDir();
    await (await startSync({}, dataDir)).close();
    // A cart whose whole stored state is one unreadable log row.
    logUnreadable(dataDir, 'cart-lone');
    const second = await startSync({}, dataDir);
    try {
      const { ws, received } = await raw(`${second.url}/cart-lone?token=${token('cart-lone')}`);
      let code: number | undefined;
      ws.on('close', (c) => {
        code = c;
      });
      // A new device's step 1: an empty state vector.
      ws.send(Buffer.from([0, 0, 1, 0]));
      await until(() => received.some((m) => m[0] === 0 && m[1] === 1), "the server's step 2");
      const reply = received.find((m) => m[0] === 0 && m[1] === 1)!;
      const decoder = decoding.createDecoder(reply);
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
      // What the device got applies, and the device is still connected.
      const seen = new Y.Doc();
      Y.applyUpdate(seen, decoding.readVarUint8Array(decoder));
      const held = await second.sync.getDocument('cart-lone');
      expect(new YjsCart(seen).lines()).toEqual(new YjsCart(held).lines());
      expect(code).toBeUndefined();
      ws.close();
    } finally {
      await second.close();
    }
  });

  it('refuses an update or step 2 that depends on changes the server does not have, keeping nothing of it', async () => {
    // The second of two updates from one device, without the first: every struct of it waits.
    const source = new Y.Doc();
    const cart = new YjsCart(source);
    cart.add('p-first', 1);
    const sv = Y.encodeStateVector(source);
    cart.add('p-second', 2);
    const dependent = Y.encodeStateAsUpdate(source, sv);
    expect(dependent.length).toBeGreaterThan(0);
    const bystander = await raw(`${server.url}/cart-pending?token=${token('cart-pending')}`);
    const empty = Y.encodeStateAsUpdate(new Y.Doc());
    for (const sub of [2 /* update */, 1 /* step 2 */]) {
      const { ws } = await raw(`${server.url}/cart-pending?token=${token('cart-pending')}`);
      const end = closed(ws);
      // An update is refused once the device's step 2 is in (before it, see the next test).
      if (sub === 2)
        ws.send(Buffer.concat([Buffer.from([0, 1]), Buffer.from(encodeLength(empty.length)), empty]));
      ws.send(Buffer.concat([Buffer.from([0, sub]), Buffer.from(encodeLength(dependent.length)), dependent]));
      expect(await end).toEqual({
        code: 4400,
        reason: 'an update that depends on changes the server does not have',
      });
    }
    const held = await server.sync.getDocument('cart-pending');
    expect(held.store.pendingStructs).toBeNull();
    expect(held.store.pendingDs).toBeNull();
    await server.sync.flush();
    const logged = server.db
      .prepare(`SELECT count(*) AS n FROM sync_updates WHERE doc = 'cart-pending'`)
      .get() as {
      n: number;
    };
    expect(logged.n).toBe(0);
    // The bystander got the server's step 1 and nothing of the refused frames; the room still works.
    const device2 = device(server.url, 'cart-pending');
    new YjsCart(device2.doc).add('p-ok', 1);
    await until(() => new YjsCart(held).quantity('p-ok') === 1, 'a genuine update after the refusals');
    expect(new YjsCart(held).quantity('p-second')).toBe(0);
    device2.provider.destroy();
    bystander.ws.close();
  });

  it('keeps a device back online that edits before its step 2, and gets every edit from the step 2', async () => {
    const phone = device(server.url, 'cart-back-online');
    const cart = new YjsCart(phone.doc);
    cart.add('p-online', 1);
    const held = await server.sync.getDocument('cart-back-online');
    await until(() => new YjsCart(held).quantity('p-online') === 1, 'the online edit');
    const closes: number[] = [];
    phone.provider.on('connection-close', (event: { code: number } | null) => closes.push(event?.code ?? 0));
    // Offline edits: the server lacks them.
    phone.provider.disconnect();
    cart.add('p-offline', 2);
    cart.setQuantity('p-online', 3);
    closes.length = 0;
    const refusals = async () =>
      Number(
        (await server.sync.metricsText()).match(/shopsync_sync_refused_total\{reason="4400"\} (\d+)/)?.[1] ??
          0,
      );
    const refusedBefore = await refusals();
    // Back online, an edit made as the socket opens goes out before the device answers the
    // server's step 1, and depends on the offline edits: it used to close the connection (4400).
    phone.provider.on('status', ({ status }: { status: string }) => {
      if (status === 'connected' && cart.quantity('p-late') === 0) cart.add('p-late', 1);
    });
    phone.provider.connect();
    await until(
      () =>
        new YjsCart(held).quantity('p-late') === 1 &&
        new YjsCart(held).quantity('p-offline') === 2 &&
        new YjsCart(held).quantity('p-online') === 3,
      'every edit on the server',
    );
    expect(closes).toEqual([]);
    expect(await refusals()).toBe(refusedBefore);
    expect(phone.provider.wsconnected).toBe(true);
    expect(held.store.pendingStructs).toBeNull();
    phone.provider.destroy();
  });

  it('closes a connection whose update would take its cart document past maxDocumentBytes', async () => {
    const small = await startSync({ maxDocumentBytes: 4096 });
    try {
      const bystander = device(small.url, 'cart-big');
      await until(() => bystander.provider.synced, 'bystander synced');
      const { ws } = await raw(`${small.url}/cart-big?token=${token('cart-big')}`);
      const end = closed(ws);
      // Entries of ~1 KB each, as updates a device would send, until one would pass the limit.
      const source = new Y.Doc();
      const cart = new YjsCart(source);
      let sent = 0;
      for (let i = 0; i < 6; i++) {
        const sv = Y.encodeStateVector(source);
        cart.add(`p-${i}-${'x'.repeat(1000)}`.slice(0, 64), 1);
        source.getMap('lines').set(`padding-${i}`, 'y'.repeat(1000));
        const update = Y.encodeStateAsUpdate(source, sv);
        sent += update.length;
        ws.send(Buffer.concat([Buffer.from([0, 2]), Buffer.from(encodeLength(update.length)), update]));
      }
      expect(sent).toBeGreaterThan(4096);
      expect(await end).toEqual({ code: 4413, reason: 'cart document too large' });
      await small.sync.flush();
      const stored = small.db
        .prepare(`SELECT coalesce(sum(length(data)), 0) AS n FROM sync_updates WHERE doc = 'cart-big'`)
        .get() as { n: number };
      expect(stored.n).toBeGreaterThan(0);
      expect(stored.n).toBeLessThanOrEqual(4096);
      // What it kept still syncs to the other device.
      await until(() => new YjsCart(bystander.doc).lines().length > 0, 'the accepted updates relayed');
      bystander.provider.destroy();
    } finally {
      await small.close();
    }
  });

  it('closes a connection whose awareness frame is oversized or speaks for too many clients', async () => {
    /** An awareness message: [1][varUint8Array of: count, then clientID, clock, JSON state each]. */
    const awareness = (states: { id: number; state: unknown }[]) => {
      const inner = encoding.createEncoder();
      encoding.writeVarUint(inner, states.length);
      for (const { id, state } of states) {
        encoding.writeVarUint(inner, id);
        encoding.writeVarUint(inner, 1);
        encoding.writeVarString(inner, JSON.stringify(state));
      }
      const payload = encoding.toUint8Array(inner);
      return Buffer.concat([Buffer.from([1]), Buffer.from(encodeLength(payload.length)), payload]);
    };
    const watcher = device(server.url, 'cart-aw');
    await until(() => watcher.provider.synced, 'watcher synced');
    const seen = () => watcher.provider.awareness.getStates().size;
    const before = seen();

    const big = await raw(`${server.url}/cart-aw?token=${token('cart-aw')}`);
    const bigEnd = closed(big.ws);
    big.ws.send(awareness([{ id: 1001, state: { device: 'x'.repeat(20_000) } }]));
    expect(await bigEnd).toEqual({ code: 4400, reason: 'awareness update too large' });

    const many = await raw(`${server.url}/cart-aw?token=${token('cart-aw')}`);
    const manyEnd = closed(many.ws);
    many.ws.send(
      awareness(Array.from({ length: 9 }, (_, i) => ({ id: 2000 + i, state: { device: `d${i}` } }))),
    );
    expect(await manyEnd).toEqual({ code: 4400, reason: 'awareness for too many clients' });
    // Its states went with it.
    await until(() => seen() === before, "the closed connection's presence removed");

    // A device's own presence (one client) is relayed as before.
    const fine = await raw(`${server.url}/cart-aw?token=${token('cart-aw')}`);
    fine.ws.send(awareness([{ id: 3001, state: { device: 'phone' } }]));
    await until(() => seen() === before + 1, 'a normal presence relayed');
    fine.ws.close();
    watcher.provider.destroy();
  });

  it('drops awareness frames past ten in a burst, and charges them to the address', async () => {
    /** An awareness message of client 5001 at `clock`, its state `state`. */
    const presence = (clock: number, state: unknown) => {
      const inner = encoding.createEncoder();
      encoding.writeVarUint(inner, 1);
      encoding.writeVarUint(inner, 5001);
      encoding.writeVarUint(inner, clock);
      encoding.writeVarString(inner, JSON.stringify(state));
      const payload = encoding.toUint8Array(inner);
      return Buffer.concat([Buffer.from([1]), Buffer.from(encodeLength(payload.length)), payload]);
    };
    const sender = await raw(`${server.url}/cart-aw-burst?token=${token('cart-aw-burst')}`);
    await until(() => sender.received.length > 0, 'the server step 1');
    for (let i = 1; i <= 15; i++) sender.ws.send(presence(i, { device: { n: i } }));
    // A step 1 after them: its answer comes once all fifteen were handled (one ordered socket).
    sender.ws.send(Buffer.from([0, 0, 1, 0]));
    await until(() => sender.received.some((m, i) => i > 0 && m[0] === 0 && m[1] === 1), 'the step 2');
    // The server tells the sender of each presence it took, as it tells every device of the cart.
    const told = sender.received.filter((m) => m[0] === 1).map((m) => /"n":(\d+)/.exec(m.toString())?.[1]);
    expect(told).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    sender.ws.close();

    // A burst of twice maxDocumentBytes (2,000 bytes here), refilled at a byte a second.
    const small = await startSync({ writeBytesPerAddressPerSecond: 1, maxDocumentBytes: 1000 });
    try {
      const { ws } = await raw(`${small.url}/cart-aw-spent?token=${token('cart-aw-spent')}`);
      const end = closed(ws);
      for (let i = 1; i <= 2; i++) ws.send(presence(i, { device: 'x'.repeat(1500) }));
      expect(await end).toEqual({ code: 4529, reason: 'too much written from this address; retry later' });
    } finally {
      await small.close();
    }
  });

  it('loads a cart whose log holds an update that does not apply, and keeps serving it', async () => {
    const dataDir = tmpDir();
    const first = await startSync({}, dataDir);
    await first.sync.withDocument('cart-poisoned', (doc) => new YjsCart(doc).add('kept', 2));
    await first.close();
    logUnreadable(dataDir, 'cart-poisoned');
    const second = await startSync({}, dataDir);
    try {
      // The device's first message waits for its step 1 on an unloaded room: a timer loads it.
      const { ws, received } = await raw(`${second.url}/cart-poisoned?token=${token('cart-poisoned')}`);
      await until(() => received.length > 0, 'the server step 1');
      const reader = device(second.url, 'cart-poisoned');
      await until(() => new YjsCart(reader.doc).quantity('kept') === 2, 'the stored entry');
      reader.provider.destroy();
      ws.close();
    } finally {
      await second.close();
    }
  });

  it('closes a connection that floods messages', async () => {
    const { ws } = await raw(`${server.url}/cart-flood?token=${token('cart-flood')}`);
    const end = closed(ws);
    const awarenessPing = Buffer.from([1, 1, 0]); // an empty awareness update
    for (let i = 0; i < 500; i++) ws.send(awarenessPing);
    expect((await end).code).toBe(4529);
  });

  it('sends opted-in clients a saved message covering their edits after the commit', async () => {
    const a = device(server.url, 'cart-saved', token('cart-saved'), { saved: '1' });
    let saved = new Map<number, number>();
    a.provider.messageHandlers[100] = (_e, decoder) => {
      saved = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
    };
    new YjsCart(a.doc).add('p1', 1);
    const own = () => Y.decodeStateVector(Y.encodeStateVector(a.doc)).get(a.doc.clientID) ?? 0;
    await until(() => (saved.get(a.doc.clientID) ?? -1) >= own(), 'saved message');
    const rows = server.db
      .prepare(`SELECT COUNT(*) AS n FROM sync_updates WHERE doc = 'cart-saved'`)
      .get() as { n: number };
    expect(rows.n).toBeGreaterThan(0);
    a.provider.destroy();
  });

  it("states the server's deletions in the saved message: a removal moves no clock", async () => {
    const a = device(server.url, 'cart-saved-deletes', token('cart-saved-deletes'), { saved: '1' });
    const messages: { vector: Map<number, number>; deleted: (tag: Y.ID) => boolean }[] = [];
    a.provider.messageHandlers[100] = (_e, decoder) => {
      const vector = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
      const { ds } = Y.decodeSnapshot(decoding.readVarUint8Array(decoder));
      messages.push({ vector, deleted: (id) => Y.isDeleted(ds, id) });
    };
    const cart = new YjsCart(a.doc);
    await until(() => a.provider.synced && messages.length > 0, 'the first saved message');
    cart.add('p1', 1);
    cart.add('p2', 1);
    // The first struct p1's entry wrote: an item of this device's clientID.
    const p1 = Y.createID(a.doc.clientID, 0);
    await until(() => (messages.at(-1)!.vector.get(a.doc.clientID) ?? 0) >= 2, 'the adds saved');
    expect(messages.at(-1)!.deleted(p1)).toBe(false);
    const clock = messages.at(-1)!.vector.get(a.doc.clientID);
    const before = messages.length;
    cart.remove('p1');
    await until(() => messages.length > before, 'a saved message after the removal');
    // The vector did not move; the delete set names p1's entry (the cached one was dropped).
    expect(messages.at(-1)!.vector.get(a.doc.clientID)).toBe(clock);
    expect(messages.at(-1)!.deleted(p1)).toBe(true);
    a.provider.destroy();
  });

  it('sends no saved message for an update whose commit failed, and stores it before the next one', async () => {
    let failing = false;
    const failed = await startSync(
      {},
      tmpDir(),
      undefined,
      failingAppends(() => failing),
    );
    try {
      const a = device(failed.url, 'cart-unsaved', token('cart-unsaved'), { saved: '1' });
      let saved = 0;
      a.provider.messageHandlers[100] = (_e, decoder) => {
        saved = Y.decodeStateVector(decoding.readVarUint8Array(decoder)).get(a.doc.clientID) ?? 0;
      };
      await until(() => a.provider.synced, 'synced');
      const own = () => Y.decodeStateVector(Y.encodeStateVector(a.doc)).get(a.doc.clientID) ?? 0;
      failing = true;
      new YjsCart(a.doc).add('lost-once', 1);
      const held = await failed.sync.getDocument('cart-unsaved');
      await until(() => new YjsCart(held).quantity('lost-once') === 1, 'the edit on the server');
      // The commit failed (and is retried every second): nothing is called saved.
      await new Promise((r) => setTimeout(r, 300));
      expect(saved).toBe(0);
      failing = false;
      new YjsCart(a.doc).add('second', 1);
      await until(() => saved >= own(), 'saved message');
      // What the saved message covers is in storage: a fresh load holds both edits.
      const fresh = new Y.Doc();
      for (const update of new SqliteDocumentStorage(failed.db).load('cart-unsaved'))
        Y.applyUpdate(fresh, update);
      expect([new YjsCart(fresh).quantity('lost-once'), new YjsCart(fresh).quantity('second')]).toEqual([
        1, 1,
      ]);
      a.provider.destroy();
    } finally {
      await failed.close();
    }
  });

  it('tells a device reconnecting after a reload that its earlier clientID edits, stored before, are saved', async () => {
    // The device before the reload: its edit is stored and acknowledged.
    const before = savedDevice(server.url, 'cart-reload');
    new YjsCart(before.doc).add('p1', 1);
    const oldId = before.doc.clientID;
    const oldClock = clockOf(before.doc, oldId);
    await until(() => (before.saved.get(oldId) ?? 0) >= oldClock, 'saved before the reload');
    before.provider.destroy();
    // After the reload: the same edits (from IndexedDB) under a new clientID. Its step 2 brings
    // nothing new, so no commit follows; the server must still say what it has stored.
    const after = savedDevice(server.url, 'cart-reload', Y.encodeStateAsUpdate(before.doc));
    expect(after.doc.clientID).not.toBe(oldId);
    await until(() => (after.saved.get(oldId) ?? 0) >= oldClock, 'a saved message after the reload');
    after.provider.destroy();
  });

  it('tells a device reconnecting to a room not loaded yet (answered from the snapshot) that its old edits are saved', async () => {
    const dataDir = tmpDir();
    const first = await startSync({}, dataDir);
    const before = savedDevice(first.url, 'cart-restart');
    new YjsCart(before.doc).add('p1', 2);
    const oldId = before.doc.clientID;
    const oldClock = clockOf(before.doc, oldId);
    await until(() => (before.saved.get(oldId) ?? 0) >= oldClock, 'saved before the restart');
    before.provider.destroy();
    // A clean shutdown folds the log into a snapshot: the restarted server answers step 1 from it.
    await first.close();
    const second = await startSync({}, dataDir);
    try {
      expect(second.sync.stats().rooms).toBe(0);
      const after = savedDevice(second.url, 'cart-restart', Y.encodeStateAsUpdate(before.doc));
      await until(() => (after.saved.get(oldId) ?? 0) >= oldClock, 'a saved message after the restart');
      expect(after.messages).toBe(1);
      after.provider.destroy();
    } finally {
      await second.close();
    }
  });

  it('sends a saved message to a device that connects with nothing new, on a new cart or a filled one', async () => {
    const empty = savedDevice(server.url, 'cart-nothing-new');
    await until(() => empty.messages > 0, 'a saved message on an empty cart');
    expect(empty.saved.size).toBe(0);
    await server.sync.withDocument('cart-nothing-new', (doc) => new YjsCart(doc).add('from-server', 1));
    const fresh = savedDevice(server.url, 'cart-nothing-new');
    await until(() => fresh.messages > 0, 'a saved message on a filled cart');
    const held = await server.sync.getDocument('cart-nothing-new');
    expect(fresh.saved).toEqual(Y.decodeStateVector(Y.encodeStateVector(held)));
    empty.provider.destroy();
    fresh.provider.destroy();
  });

  it('acknowledges a step 2 that brings new edits only after their commit', async () => {
    let failing = true;
    const failed = await startSync(
      {},
      tmpDir(),
      undefined,
      failingAppends(() => failing),
    );
    try {
      const offline = new Y.Doc();
      new YjsCart(offline).add('offline-edit', 1);
      const update = Y.encodeStateAsUpdate(offline);
      const { ws, received } = await raw(`${failed.url}/cart-step2?saved=1&token=${token('cart-step2')}`);
      // The device's step 2 with its offline edit, then a step 1: the server's reply to the step 1
      // comes after anything it sent while handling the step 2 (one ordered socket).
      ws.send(Buffer.concat([Buffer.from([0, 1]), Buffer.from(encodeLength(update.length)), update]));
      ws.send(Buffer.from([0, 0, 1, 0]));
      await until(() => received.some((m) => m[0] === 0 && m[1] === 1), "the server's step 2");
      const held = await failed.sync.getDocument('cart-step2');
      expect(new YjsCart(held).quantity('offline-edit')).toBe(1);
      // The commit failed: nothing is called saved.
      expect(received.filter((m) => m[0] === 100)).toEqual([]);
      failing = false;
      // The retried commit stores it, then the device is told.
      await until(() => received.some((m) => m[0] === 100), 'a saved message after the commit');
      const message = received.find((m) => m[0] === 100)!;
      const decoder = decoding.createDecoder(message);
      decoding.readVarUint(decoder);
      const vector = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
      expect(vector.get(offline.clientID)).toBe(clockOf(offline, offline.clientID));
      const logged = failed.db
        .prepare(`SELECT COUNT(*) AS n FROM sync_updates WHERE doc = 'cart-step2'`)
        .get() as { n: number };
      expect(logged.n).toBe(1);
      ws.close();
    } finally {
      failing = false;
      await failed.close();
    }
  });

  it('refuses one owner more than maxConnectionsPerPrincipal connections, and takes one again when one closes', async () => {
    const small = await startSync({ maxConnectionsPerPrincipal: 2 });
    try {
      const url = `${small.url}/cart-owner?token=${token('cart-owner')}`;
      const [first, second] = [await raw(url), await raw(url)];
      expect([first.opened, second.opened]).toEqual([true, true]);
      const third = await raw(url);
      expect([third.opened, third.status, third.received]).toEqual([false, 429, []]);
      const gone = closed(first.ws);
      first.ws.close();
      await gone;
      await until(() => small.sync.stats().connections === 1, 'the closed connection released');
      const again = await raw(url);
      expect(again.opened).toBe(true);
      second.ws.close();
      again.ws.close();
    } finally {
      await small.close();
    }
  });

  it("folds a room's update log into a snapshot once it reaches compactAfterUpdates", async () => {
    const small = await startSync({ compactAfterUpdates: 5 });
    try {
      for (let i = 0; i < 7; i++)
        await small.sync.withDocument('cart-fold', (doc) => new YjsCart(doc).add(`p${i}`, 1));
      const count = (table: string) =>
        (
          small.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE doc = 'cart-fold'`).get() as {
            n: number;
          }
        ).n;
      // Folded at the fifth update; the two since are logged after the snapshot.
      expect([count('sync_snapshots'), count('sync_updates')]).toEqual([1, 2]);
      const fresh = new Y.Doc();
      for (const update of new SqliteDocumentStorage(small.db).load('cart-fold'))
        Y.applyUpdate(fresh, update);
      expect(new YjsCart(fresh).lines()).toHaveLength(7);
    } finally {
      await small.close();
    }
  });

  it('retries a failed commit without waiting for another update', async () => {
    let failures = 1;
    const failed = await startSync(
      {},
      tmpDir(),
      undefined,
      failingAppends(() => failures-- > 0),
    );
    try {
      await expect(
        failed.sync.withDocument('cart-retry', (doc) => new YjsCart(doc).add('p', 2)),
      ).rejects.toThrow('disk full');
      await until(
        () => new SqliteDocumentStorage(failed.db).load('cart-retry').length > 0,
        'the retried commit',
        5000,
      );
    } finally {
      await failed.close();
    }
  });

  it('broadcasts server-side edits and relays awareness between devices', async () => {
    const a = device(server.url, 'cart-server');
    const b = device(server.url, 'cart-server');
    await until(() => a.provider.synced && b.provider.synced, 'synced');
    await server.sync.withDocument('cart-server', (doc) => new YjsCart(doc).add('from-server', 2));
    await until(() => new YjsCart(a.doc).quantity('from-server') === 2, 'server edit');
    a.provider.awareness.setLocalStateField('device', 'phone');
    await until(
      () => [...b.provider.awareness.getStates().values()].some((s) => s.device === 'phone'),
      'awareness',
    );
    a.provider.destroy();
    b.provider.destroy();
  });

  it('evicts idle rooms and reloads them from storage', async () => {
    await server.sync.withDocument('cart-idle', (doc) => new YjsCart(doc).add('kept', 4));
    await until(() => server.sync.stats().rooms === 0, 'eviction', 5000);
    const doc = await server.sync.getDocument('cart-idle');
    expect(new YjsCart(doc).quantity('kept')).toBe(4);
  });

  it('holds at most maxRooms documents: idle ones are evicted early, and busy ones refuse another cart', async () => {
    const small = await startSync({ maxRooms: 2 });
    try {
      const a = device(small.url, 'cart-r1');
      const b = device(small.url, 'cart-r2');
      await until(() => a.provider.synced && b.provider.synced, 'two carts open');
      new YjsCart(a.doc).add('kept', 3);
      const held = await small.sync.getDocument('cart-r1');
      await until(() => new YjsCart(held).quantity('kept') === 3, 'the edit on the server');
      expect(small.sync.stats().rooms).toBe(2);
      // Both rooms have a device: a third cart is refused before any byte of it is sent.
      const refused = await raw(`${small.url}/cart-r3?token=${token('cart-r3')}`);
      expect(refused.opened).toBe(false);
      expect(refused.status).toBe(503);
      expect(refused.received).toHaveLength(0);
      // Once cart-r1's device leaves, its room is the idle one to go.
      await small.sync.flush();
      a.provider.destroy();
      await until(() => small.sync.stats().connections === 1, 'device gone');
      const c = device(small.url, 'cart-r3');
      await until(() => c.provider.synced, 'third cart open');
      expect(small.sync.stats().rooms).toBe(2);
      // The evicted cart reloads from storage with its edit.
      const doc = await small.sync.getDocument('cart-r1');
      expect(new YjsCart(doc).quantity('kept')).toBe(3);
      expect(await small.sync.metricsText()).toMatch(/reason="503"} 1/);
      b.provider.destroy();
      c.provider.destroy();
    } finally {
      await small.close();
    }
  });

  it('evicts the least recently used idle room first, saving it in the same step', async () => {
    const small = await startSync({ maxRooms: 2 });
    try {
      await small.sync.withDocument('lru-1', (doc) => new YjsCart(doc).add('one', 1));
      await small.sync.withDocument('lru-2', (doc) => new YjsCart(doc).add('two', 2));
      // Using lru-1 again makes lru-2 the least recently used.
      await small.sync.getDocument('lru-1');
      const c = device(small.url, 'lru-3');
      await until(() => c.provider.synced, 'third cart open');
      expect(small.sync.stats().rooms).toBe(2);
      const snapshots = small.db.prepare('SELECT doc FROM sync_snapshots ORDER BY doc').all();
      expect(snapshots).toEqual([{ doc: 'lru-2' }]);
      expect(new YjsCart(await small.sync.getDocument('lru-2')).quantity('two')).toBe(2);
      c.provider.destroy();
    } finally {
      await small.close();
    }
  });

  it('caps the connections from one client address, whatever carts or tokens it brings', async () => {
    const small = await startSync({ maxConnectionsPerAddress: 2 });
    try {
      // Guest carts are free to start: each of these is another cart and another principal.
      const tries = await Promise.all(Array.from({ length: 5 }, (_, i) => guestCart(small.url, `a${i}`)));
      expect(tries.filter((t) => t.opened)).toHaveLength(2);
      const refused = tries.filter((t) => !t.opened);
      expect(refused.map((t) => t.status)).toEqual([429, 429, 429]);
      expect(refused.every((t) => t.received.length === 0)).toBe(true);
      // A refused or closed connection gives its place back.
      const open = tries.filter((t) => t.opened);
      const gone = closed(open[0]!.ws);
      open[0]!.ws.close();
      await gone;
      await until(() => small.sync.stats().connections === 1, 'one connection left');
      const again = await guestCart(small.url, 'a9');
      expect(again.opened).toBe(true);
      // At the limit, even a bad token is refused for the address, before authorization.
      expect((await raw(`${small.url}/cart-a8?token=nope`)).status).toBe(429);
      again.ws.close();
      open[1]!.ws.close();
      await until(() => small.sync.stats().connections === 0, 'all closed');
      // A request refused by authorization gives its place back: two good ones still open after it.
      expect((await raw(`${small.url}/cart-a8?token=nope`)).status).toBe(401);
      const two = await Promise.all([6, 7].map((i) => guestCart(small.url, `a${i}`)));
      expect(two.every((t) => t.opened)).toBe(true);
      for (const t of two) t.ws.close();
      expect(await small.sync.metricsText()).toMatch(/reason="address"} 4/);
    } finally {
      await small.close();
    }
  });

  it('holds an address slot while authorization runs, so upgrades waiting together cannot pass the limit', async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const slow = await startSync({ maxConnectionsPerAddress: 2 }, undefined, () => gate);
    try {
      // All five arrive while authorization is held: three are refused without waiting for it.
      const pending = Array.from({ length: 5 }, (_, i) => guestCart(slow.url, `w${i}`));
      const started = Date.now();
      while (!/reason="address"} 3/.test(await slow.sync.metricsText())) {
        if (Date.now() - started > 5000) throw new Error('timed out waiting for three refusals');
        await new Promise((r) => setTimeout(r, 10));
      }
      open();
      const tries = await Promise.all(pending);
      expect(tries.filter((t) => t.opened)).toHaveLength(2);
      expect(tries.filter((t) => !t.opened).map((t) => t.status)).toEqual([429, 429, 429]);
      for (const t of tries) if (t.opened) t.ws.close();
    } finally {
      await slow.close();
    }
  });
});
