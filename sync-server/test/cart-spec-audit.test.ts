import { YjsCart } from '@shopsync/core';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { SqliteDocumentStorage } from '../src/storage.js';
import { device, startSync, tmpDir, token, until } from './harness.js';

/**
 * The cart's concurrency table through the real sync server and stock y-websocket clients: three
 * devices, edits made offline and merged in different orders, server-side edits (a checkout's
 * observed remove) concurrent with offline adds, and the stored document after a restart equal
 * to what the devices see. Waits are bounded (`until`), never timed assertions.
 */

type Device = ReturnType<typeof device>;

/** A device's existing document syncing again through a new provider (a server on a new address). */
function reconnect(url: string, name: string, doc: Y.Doc): Device {
  const provider = new WebsocketProvider(url, name, doc, {
    params: { token: token(name) },
    WebSocketPolyfill: WebSocket as never,
    disableBc: true,
    maxBackoffTime: 200,
  });
  return { doc, provider };
}
const view = (doc: Y.Doc) => new YjsCart(doc).lines().map((l) => [l.productId, l.quantity, l.tags]);
const quantities = (doc: Y.Doc) => new YjsCart(doc).lines().map((l) => [l.productId, l.quantity]);

/** The document as storage holds it (snapshot then log), read into a fresh Y.Doc. */
function stored(db: ConstructorParameters<typeof SqliteDocumentStorage>[0], name: string): Y.Doc {
  const doc = new Y.Doc();
  for (const update of new SqliteDocumentStorage(db).load(name)) Y.applyUpdate(doc, update);
  return doc;
}

/** Whether the server holds every struct and delete each device has (its diff for the server is empty). */
function serverHasAll(server: Y.Doc, ds: Device[]): boolean {
  const sv = Y.encodeStateVector(server);
  return ds.every((d) => {
    const missing = Y.decodeUpdate(Y.diffUpdate(Y.encodeStateAsUpdate(d.doc), sv));
    return missing.structs.length === 0 && sameLines(server, d.doc);
  });
}

function sameLines(a: Y.Doc, b: Y.Doc): boolean {
  return JSON.stringify(view(a)) === JSON.stringify(view(b));
}

async function converge(server: Y.Doc, ds: Device[], what: string): Promise<void> {
  await until(
    () =>
      ds.every((d) => d.provider.synced) &&
      serverHasAll(server, ds) &&
      ds.every((d) => sameLines(d.doc, server)),
    what,
  );
}

const orders = [
  [0, 1, 2],
  [2, 1, 0],
  [1, 2, 0],
];

describe('the concurrency table through the sync server, three devices, offline merges', () => {
  for (const order of orders) {
    it(`offline edits of every table row reconnect in order ${order.join(',')}, converge, and persist`, async () => {
      const dataDir = tmpDir();
      let server = await startSync({ compactAfterUpdates: 3 }, dataDir);
      const name = `cart-audit-${order.join('')}`;
      const ds = [device(server.url, name), device(server.url, name), device(server.url, name)];
      const carts = ds.map((d) => new YjsCart(d.doc));
      try {
        // Quantity 1 of every product, seen by every device.
        for (const p of ['plus', 'sets', 'rm', 'setadd', 'gone']) carts[0]!.add(p, 1);
        const room = await server.sync.getDocument(name);
        await converge(room, ds, 'start seen everywhere');
        for (const d of ds) d.provider.disconnect();

        // Offline, concurrently (each row of the table, plus a re-add and a double remove).
        carts[0]!.add('plus', 1);
        carts[1]!.add('plus', 1);
        carts[0]!.setQuantity('sets', 3);
        carts[1]!.setQuantity('sets', 5);
        carts[0]!.remove('rm');
        carts[1]!.add('rm', 1);
        carts[0]!.setQuantity('setadd', 3);
        carts[1]!.add('setadd', 1);
        carts[2]!.remove('gone');
        carts[0]!.remove('gone');
        carts[2]!.remove('fresh'); // nothing observed: a no-op
        carts[2]!.add('fresh', 2);
        carts[2]!.remove('fresh');
        carts[2]!.add('fresh', 1); // re-added after its remove

        // Back online one at a time, in `order`, each reaching the server before the next.
        const online: Device[] = [];
        for (const i of order) {
          ds[i]!.provider.connect();
          online.push(ds[i]!);
          await converge(room, online, `device ${i} back`);
        }
        const expected = [
          ['fresh', 1],
          ['plus', 3],
          ['rm', 1],
          ['setadd', 4],
          ['sets', 5],
        ];
        for (const d of ds) expect(quantities(d.doc)).toEqual(expected);
        expect(view(room)).toEqual(view(ds[0]!.doc));

        // Restart: the cart as stored equals what the devices see, snapshot or log alike.
        await server.sync.flush();
        expect(view(stored(server.db, name))).toEqual(view(ds[0]!.doc));
        for (const d of ds) d.provider.disconnect();
        await server.close();
        server = await startSync({ compactAfterUpdates: 3 }, dataDir);
        const reader = device(server.url, name);
        await until(() => reader.provider.synced, 'reader synced after restart');
        expect(view(reader.doc)).toEqual(view(ds[0]!.doc));
        reader.provider.destroy();
      } finally {
        for (const d of ds) d.provider.destroy();
        await server.close();
      }
    });
  }
});

describe('server-side edits concurrent with offline devices', () => {
  it("a checkout's observed remove keeps an add made offline meanwhile, on every device and in storage", async () => {
    const dataDir = tmpDir();
    let server = await startSync({}, dataDir);
    const name = 'cart-audit-checkout';
    const phone = device(server.url, name);
    const laptop = device(server.url, name);
    try {
      const phoneCart = new YjsCart(phone.doc);
      phoneCart.add('ordered', 2);
      phoneCart.add('other', 1);
      const room = await server.sync.getDocument(name);
      await converge(room, [phone, laptop], 'start');
      // The phone reviews the cart and orders the 'ordered' line; the laptop goes offline and adds
      // one more of it, and another product.
      const reviewed = phoneCart.lines().find((l) => l.productId === 'ordered')!.tags;
      laptop.provider.disconnect();
      new YjsCart(laptop.doc).add('ordered', 1);
      new YjsCart(laptop.doc).add('later', 1);
      await server.sync.withDocument(name, (doc) => new YjsCart(doc).clear(reviewed));
      await until(() => phoneCart.quantity('ordered') === 0, 'the phone sees the order leave the cart');
      laptop.provider.connect();
      await converge(room, [phone, laptop], 'laptop back');
      for (const doc of [phone.doc, laptop.doc, room])
        expect(quantities(doc)).toEqual([
          ['later', 1],
          ['ordered', 1],
          ['other', 1],
        ]);
      await server.sync.flush();
      phone.provider.disconnect();
      laptop.provider.disconnect();
      await server.close();
      server = await startSync({}, dataDir);
      expect(view(await server.sync.getDocument(name))).toEqual(view(phone.doc));
    } finally {
      phone.provider.destroy();
      laptop.provider.destroy();
      await server.close();
    }
  });

  it('a device holding an old copy, offline across a restart and a compaction, still merges both ways', async () => {
    const dataDir = tmpDir();
    let server = await startSync({ compactAfterUpdates: 1 }, dataDir);
    const name = 'cart-audit-old-copy';
    const old = device(server.url, name);
    try {
      new YjsCart(old.doc).add('p', 1);
      const room = await server.sync.getDocument(name);
      await converge(room, [old], 'first edit stored');
      old.provider.disconnect();
      // Meanwhile another device removes p and adds q; the server folds its log and restarts.
      const other = device(server.url, name);
      await until(() => other.provider.synced && new YjsCart(other.doc).quantity('p') === 1, 'other synced');
      new YjsCart(other.doc).remove('p');
      new YjsCart(other.doc).add('q', 2);
      await converge(room, [other], 'other stored');
      other.provider.destroy();
      await server.close();
      server = await startSync({ compactAfterUpdates: 1 }, dataDir);
      // The old copy, offline all along, adds p again (add-wins over the remove it never saw),
      // then reconnects to the restarted server (on its new port) from the same document.
      new YjsCart(old.doc).add('p', 1);
      old.provider.destroy();
      const back = reconnect(server.url, name, old.doc);
      const again = await server.sync.getDocument(name);
      await converge(again, [back], 'old copy back');
      expect(quantities(old.doc)).toEqual([
        ['p', 1],
        ['q', 2],
      ]);
      expect(view(again)).toEqual(view(old.doc));
      back.provider.destroy();
    } finally {
      old.provider.destroy();
      await server.close();
    }
  });
});
