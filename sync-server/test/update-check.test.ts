import { LINES_KEY, YjsCart } from '@shopsync/core';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { CART_MAP, flatMapUpdates, MAX_ITEMS_PER_KEY } from '../src/index.js';
import { device, startSync, type TestSyncServer, token, until } from './harness.js';

const check = flatMapUpdates(CART_MAP);

/** Every update `edit` makes on `doc`, in order. */
function updatesOf(doc: Y.Doc, edit: () => void): Uint8Array[] {
  const updates: Uint8Array[] = [];
  const take = (u: Uint8Array) => updates.push(u);
  doc.on('update', take);
  edit();
  doc.off('update', take);
  return updates;
}

/** An update of one new client (`client`) that runs `edit` on a document of its own. */
function madeBy(client: number, edit: (doc: Y.Doc) => void): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = client;
  edit(doc);
  return Y.encodeStateAsUpdate(doc);
}

/** `count` clients from `first` on, each setting `key` of the cart's map: one frame. */
function race(first: number, count: number, key = 'k'): Uint8Array {
  return Y.mergeUpdates(
    Array.from({ length: count }, (_, i) => madeBy(first + i, (d) => d.getMap(CART_MAP).set(key, 0))),
  );
}

describe('flatMapUpdates (the cart check)', () => {
  it("is the map the cart's code writes", () => {
    expect(CART_MAP).toBe(LINES_KEY);
  });

  it("passes every edit a cart's devices make, their step 2 with deletions, and what the server has", () => {
    const server = new Y.Doc();
    const phone = new Y.Doc();
    const cart = new YjsCart(phone);
    const updates = updatesOf(phone, () => {
      cart.add('mug', 2, { amount: 1200, currency: 'USD' });
      cart.add('kettle', 1);
      cart.setQuantity('mug', 5);
      cart.remove('kettle');
      expect(cart.insertEntries([['guest-tag-1', { productId: 'lamp', kind: 'add', qty: 1, at: 1 }]])).toBe(
        1,
      );
      cart.clear();
    });
    expect(updates.length).toBeGreaterThan(4);
    for (const update of updates) {
      expect(check(update, server)).toBeUndefined();
      Y.applyUpdate(server, update);
      // Sent again (a device reconnecting): nothing new, nothing refused.
      expect(check(update, server)).toBeUndefined();
    }
    // A laptop's step 2 of all of it, deletions included, to a server that has none of it.
    expect(check(Y.encodeStateAsUpdate(phone), new Y.Doc())).toBeUndefined();
    // Two devices merging the same guest entry at once: one key, two clients.
    expect(check(race(10, 2, 'guest-tag-2'), server)).toBeUndefined();
  });

  it('refuses anything but plain values on keys of the map', () => {
    const server = new Y.Doc();
    const refusals = [
      madeBy(1, (d) => d.getArray('x').insert(0, [0])), // another root
      madeBy(2, (d) => d.getArray(CART_MAP).insert(0, [0])), // the map's name as a list
      madeBy(3, (d) => d.getMap(CART_MAP).set('nested', new Y.Map())),
      madeBy(4, (d) => d.getMap(CART_MAP).set('text', new Y.Text('hi'))),
      madeBy(5, (d) => d.getText('notes').insert(0, 'hello')),
    ].map((update) => check(update, server));
    expect(refusals).toEqual([
      'only entries of the "lines" map may be written',
      'only entries of the "lines" map may be written',
      'an entry is one plain value',
      'an entry is one plain value',
      'only entries of the "lines" map may be written',
    ]);
  });

  it(`refuses a key written more than ${MAX_ITEMS_PER_KEY} times, in one frame or over several`, () => {
    const server = new Y.Doc();
    expect(check(race(100, 1000), server)).toBe(
      `an entry key may be written at most ${MAX_ITEMS_PER_KEY} times`,
    );
    // Frames of one new client each: the document comes to hold the most a key may.
    for (let i = 0; i < MAX_ITEMS_PER_KEY; i++) {
      const update = race(200 + i, 1);
      expect(check(update, server)).toBeUndefined();
      Y.applyUpdate(server, update);
    }
    expect(check(race(300, 1), server)).toMatch(/at most/);
    expect(check(race(300, 1, 'another'), server)).toBeUndefined();
    // An overwrite placed against the item it replaces (a map's `set` of a key it has).
    const overwrite = updatesOf(server, () => server.getMap(CART_MAP).set('k', 1));
    expect(check(overwrite[0]!, new Y.Doc())).toMatch(/only entries/);
  });
});

describe('a sync server with the cart check', () => {
  let server: TestSyncServer;
  beforeAll(async () => {
    server = await startSync();
  });
  afterAll(() => server.close());

  /** A sync update message of `update`. */
  function message(update: Uint8Array): Buffer {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, 2);
    encoding.writeVarUint8Array(e, update);
    return Buffer.from(encoding.toUint8Array(e));
  }

  it('closes the connection that sends a racing frame, before applying any of it; the cart syncs on', async () => {
    const bystander = device(server.url, 'cart-race');
    await until(() => bystander.provider.synced, 'bystander synced');
    const ws = new WebSocket(`${server.url}/cart-race?token=${token('cart-race')}`);
    await new Promise((resolve) => ws.on('open', resolve));
    const end = new Promise<[number, string]>((resolve) =>
      ws.on('close', (code, reason) => resolve([code, reason.toString()])),
    );
    // The review's frame: a thousand made-up clients inserting at one place (a list at the start).
    const list = Y.mergeUpdates(
      Array.from({ length: 1000 }, (_, i) => madeBy(1000 + i, (d) => d.getArray('x').insert(0, [0]))),
    );
    ws.send(message(list));
    expect(await end).toEqual([4400, 'only entries of the "lines" map may be written']);
    const held = await server.sync.getDocument('cart-race');
    expect(held.getArray('x').length).toBe(0);
    expect(held.store.clients.size).toBe(0);

    const other = device(server.url, 'cart-race');
    new YjsCart(other.doc).add('still-works', 2);
    await until(() => new YjsCart(bystander.doc).quantity('still-works') === 2, 'the edit relayed');
    other.provider.destroy();
    bystander.provider.destroy();
  });
});
