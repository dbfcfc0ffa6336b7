import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { YjsCart } from '@shopsync/core';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type CartDocuments, Carts } from '../src/cart/carts.js';
import { openDatabase } from '../src/db.js';

/**
 * Cart documents in memory, as the sync server keeps them; `during` runs inside the await of a
 * server-side edit, where a device's update can arrive (the sync server commits, then resolves).
 */
function memoryDocuments() {
  const docs = new Map<string, Y.Doc>();
  const doc = (id: string) => {
    let d = docs.get(id);
    if (!d) {
      d = new Y.Doc();
      docs.set(id, d);
    }
    return d;
  };
  let during: (() => void) | undefined;
  const documents: CartDocuments = {
    getDocument: async (id) => doc(id),
    withDocument: async (id, fn) => {
      const d = doc(id);
      let result!: ReturnType<typeof fn>;
      d.transact(() => {
        result = fn(d);
      });
      // The commit's await: another device's frame for any room may be applied meanwhile.
      const hook = during;
      during = undefined;
      hook?.();
      return result;
    },
  };
  return { documents, doc, onNextEdit: (f: () => void) => (during = f) };
}

describe('guest cart merge on sign-in (Carts.mergeGuestCart)', () => {
  it('never loses a guest add that reaches the guest cart while the merge is under way', async () => {
    const db = openDatabase(fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-merge-')));
    const mem = memoryDocuments();
    const carts = new Carts(db, mem.documents);
    const guestCartId = carts.cartFor('guest:g1');
    const guestDevice = new YjsCart(mem.doc(guestCartId));
    guestDevice.add('shoes', 1);
    // The shopper taps "add" on another tab just as this one signs in: the frame arrives while the
    // merge waits for the user cart's commit.
    mem.onNextEdit(() => guestDevice.add('hat', 1));
    expect(await carts.mergeGuestCart('g1', 'u1')).toBeGreaterThan(0);
    const userCart = new YjsCart(mem.doc(carts.cartFor('user:u1')));
    const guestCart = new YjsCart(mem.doc(guestCartId));
    const where = (p: string) => userCart.quantity(p) + guestCart.quantity(p);
    expect(userCart.quantity('shoes')).toBe(1);
    // The hat is either merged or still in the guest cart (merged at the next sign-in): never gone.
    expect(where('hat')).toBe(1);
    db.close();
  });

  it('empties the guest cart of exactly what it merged, and merges nothing twice', async () => {
    const db = openDatabase(fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-merge-')));
    const mem = memoryDocuments();
    const carts = new Carts(db, mem.documents);
    const guestCartId = carts.cartFor('guest:g2');
    const guest = new YjsCart(mem.doc(guestCartId));
    guest.add('shoes', 2);
    guest.setQuantity('hat', 3);
    expect(await carts.mergeGuestCart('g2', 'u2')).toBeGreaterThan(0);
    const user = new YjsCart(mem.doc(carts.cartFor('user:u2')));
    expect(user.lines().map((l) => [l.productId, l.quantity])).toEqual([
      ['hat', 3],
      ['shoes', 2],
    ]);
    expect(guest.lines()).toEqual([]);
    expect(await carts.mergeGuestCart('g2', 'u2')).toBe(0);
    expect(user.lines().map((l) => [l.productId, l.quantity])).toEqual([
      ['hat', 3],
      ['shoes', 2],
    ]);
    db.close();
  });
});
