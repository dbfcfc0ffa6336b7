import * as A from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { AutomergeCart, automergeBackend } from '../src/cart/automerge.js';
import type { CartBackend, CartReplica } from '../src/cart/replica.js';
import { mergeCarts, referenceBackend, YjsCart, yjsBackend } from '../src/index.js';
import { syncAll } from './exchange.js';

/**
 * The ARCHITECTURE concurrency table, held with three devices whose edits are made offline and
 * delivered as incremental updates in every order, with duplicates: the conformance suite holds
 * each row for two replicas exchanging whole states; this holds the same rows for what devices
 * actually send (one update per edit) and for a bystander that sees the edits in any order.
 */

interface Device {
  replica: CartReplica;
  /** Incremental updates this device produced, in order. */
  sent: Uint8Array[];
}

let epoch = 0;
function devices(backend: CartBackend, n: number): Device[] {
  const e = ++epoch;
  return Array.from({ length: n }, (_, i) => {
    let c = 0;
    const replica = backend.create({ newTag: () => `e${e}d${i}-${++c}`, now: () => 0 });
    const device: Device = { replica, sent: [] };
    replica.onLocalUpdate((u) => device.sent.push(u));
    return device;
  });
}

/** Every device's updates reach every other device (a full exchange of what was sent). */
function broadcast(ds: Device[]): void {
  for (const from of ds) for (const to of ds) if (to !== from) for (const u of from.sent) to.replica.apply(u);
  for (const d of ds) d.sent.length = 0;
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]),
  );
}

const view = (r: CartReplica) => ({
  lines: r.cart.lines().map((l) => [l.productId, l.quantity, l.tags.length]),
  entries: [...r.cart.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
});

/**
 * Runs `concurrent` (offline edits, one function per device) from a common start, then delivers
 * every update to every device in each order of the senders (each update twice, the duplicate
 * after a later one), and to a fresh bystander replica seeded with the start. Returns the
 * quantity of `p` every replica agrees on.
 */
function outcome(
  backend: CartBackend,
  start: (cart: CartReplica['cart']) => void,
  concurrent: ((cart: CartReplica['cart']) => void)[],
  product = 'p',
): number {
  const results = new Set<string>();
  let quantity = -1;
  for (const order of permutations(concurrent.map((_, i) => i))) {
    const ds = devices(backend, concurrent.length + 1);
    start(ds[0]!.replica.cart);
    broadcast(ds);
    for (const [i, edit] of concurrent.entries()) edit(ds[i]!.replica.cart);
    const outbox = concurrent.map((_, i) => [...ds[i]!.sent]);
    for (const d of ds) d.sent.length = 0;
    // Deliver in `order` of senders, each update twice (duplicated after the next sender's).
    for (const to of ds) {
      const toIndex = ds.indexOf(to);
      const queue: Uint8Array[] = [];
      for (const from of order) if (from !== toIndex) queue.push(...outbox[from]!);
      for (let k = 0; k < queue.length; k++) {
        to.replica.apply(queue[k]!);
        if (k > 0) to.replica.apply(queue[k - 1]!);
      }
    }
    const views = ds.map((d) => JSON.stringify(view(d.replica)));
    for (const v of views) expect(v).toBe(views[0]);
    // Tags differ between runs (each run mints its own): compare what the shopper sees.
    results.add(JSON.stringify(view(ds[0]!.replica).lines));
    quantity = ds[0]!.replica.cart.quantity(product);
  }
  expect(results.size).toBe(1);
  return quantity;
}

const fromOne = (cart: CartReplica['cart']) => void cart.add('p', 1);

for (const backend of [yjsBackend, automergeBackend, referenceBackend]) {
  describe(`${backend.name}: the concurrency table with incremental updates, any delivery order`, () => {
    it('phone +1, laptop +1 -> 3', () => {
      expect(outcome(backend, fromOne, [(c) => void c.add('p', 1), (c) => void c.add('p', 1)])).toBe(3);
    });

    it('phone sets 3, laptop sets 5 -> 5 (not 8)', () => {
      expect(outcome(backend, fromOne, [(c) => c.setQuantity('p', 3), (c) => c.setQuantity('p', 5)])).toBe(5);
    });

    it('phone removes, laptop +1 -> 1 (not 2)', () => {
      expect(outcome(backend, fromOne, [(c) => c.remove('p'), (c) => void c.add('p', 1)])).toBe(1);
    });

    it('phone sets 3, laptop +1 -> 4', () => {
      expect(outcome(backend, fromOne, [(c) => c.setQuantity('p', 3), (c) => void c.add('p', 1)])).toBe(4);
    });

    it('both normalize the same entries -> unchanged', () => {
      const start = (c: CartReplica['cart']) => {
        c.add('p', 1);
        c.setQuantity('q', 2);
        c.add('p', 2);
      };
      expect(outcome(backend, start, [(c) => c.normalize('p'), (c) => c.normalize('p')])).toBe(3);
    });
  });

  describe(`${backend.name}: three devices, offline, merged in every order`, () => {
    it('three +1s from 1 -> 4; three sets take the largest', () => {
      const add = (c: CartReplica['cart']) => void c.add('p', 1);
      expect(outcome(backend, fromOne, [add, add, add])).toBe(4);
      expect(
        outcome(backend, fromOne, [
          (c) => c.setQuantity('p', 3),
          (c) => c.setQuantity('p', 5),
          (c) => c.setQuantity('p', 4),
        ]),
      ).toBe(5);
    });

    it('remove, +1 and +2 at once -> 3: both adds survive, the removed unit stays gone', () => {
      expect(
        outcome(backend, fromOne, [
          (c) => c.remove('p'),
          (c) => void c.add('p', 1),
          (c) => void c.add('p', 2),
        ]),
      ).toBe(3);
    });

    it('set 3, +1 and a remove at once -> 4: the remove takes only the entry it saw', () => {
      expect(
        outcome(backend, fromOne, [
          (c) => c.setQuantity('p', 3),
          (c) => void c.add('p', 1),
          (c) => c.remove('p'),
        ]),
      ).toBe(4);
    });

    it('a quantity change concurrent with two removes survives them: 3', () => {
      expect(
        outcome(backend, fromOne, [(c) => c.remove('p'), (c) => c.setQuantity('p', 3), (c) => c.remove('p')]),
      ).toBe(3);
    });

    it('two removes of the same line at once -> gone, and no line is left behind', () => {
      expect(outcome(backend, fromOne, [(c) => c.remove('p'), (c) => c.setQuantity('p', 0)])).toBe(0);
    });

    it('re-add after remove on one device, concurrent +1 elsewhere -> 2, never the old unit', () => {
      const start = (c: CartReplica['cart']) => void c.add('p', 3);
      expect(
        outcome(backend, start, [
          (c) => {
            c.remove('p');
            c.add('p', 1);
          },
          (c) => void c.add('p', 1),
        ]),
      ).toBe(2);
    });

    it('the same product added on two devices that never had it -> one line of 2 (two entries)', () => {
      const none = () => {};
      expect(outcome(backend, none, [(c) => void c.add('p', 1), (c) => void c.add('p', 1)])).toBe(2);
    });

    it('checkout-style clear(observed) concurrent with adds on two devices keeps the adds', () => {
      const start = (c: CartReplica['cart']) => {
        c.add('p', 2);
        c.add('q', 1);
      };
      const checkout = (c: CartReplica['cart']) => void c.clear(c.lines().flatMap((l) => l.tags));
      expect(outcome(backend, start, [checkout, (c) => void c.add('p', 1), (c) => void c.add('r', 1)])).toBe(
        1,
      );
      expect(
        outcome(backend, start, [checkout, (c) => void c.add('p', 1), (c) => void c.add('r', 1)], 'q'),
      ).toBe(0);
      expect(
        outcome(backend, start, [checkout, (c) => void c.add('p', 1), (c) => void c.add('r', 1)], 'r'),
      ).toBe(1);
    });

    it('clear(all) concurrent with a set elsewhere keeps the set', () => {
      expect(outcome(backend, fromOne, [(c) => void c.clear(), (c) => c.setQuantity('p', 4)])).toBe(4);
    });
  });

  describe(`${backend.name}: longer offline sessions`, () => {
    it('three devices edit offline in several steps, reconnect one by one in each order, and agree', () => {
      const results = new Set<string>();
      for (const order of permutations([1, 2, 3])) {
        const [server, ...ds] = devices(backend, 4);
        ds[0]!.replica.cart.add('p', 1);
        ds[0]!.replica.cart.add('q', 2);
        broadcast([server!, ...ds]);
        // Offline: each device makes several edits.
        ds[0]!.replica.cart.setQuantity('p', 3);
        ds[0]!.replica.cart.add('p', 1);
        ds[1]!.replica.cart.remove('p');
        ds[1]!.replica.cart.add('p', 2);
        ds[1]!.replica.cart.remove('q');
        ds[2]!.replica.cart.add('q', 1);
        ds[2]!.replica.cart.setQuantity('r', 2);
        ds[2]!.replica.cart.remove('r');
        ds[2]!.replica.cart.add('r', 5);
        // Reconnect in `order`: each device exchanges states with the server only.
        for (const i of order) syncAll(server!.replica, ds[i - 1]!.replica);
        for (const d of ds) syncAll(server!.replica, d.replica);
        const views = [server!, ...ds].map((d) => JSON.stringify(view(d.replica)));
        for (const v of views) expect(v).toBe(views[0]);
        results.add(JSON.stringify(view(server!.replica).lines));
        // p: set 3 + add 1 + add 2 (the remove saw only the first entry); q: the add on device 3
        // survives the remove on device 2; r: set 2 removed locally, then +5.
        expect(server!.replica.cart.lines().map((l) => [l.productId, l.quantity])).toEqual([
          ['p', 6],
          ['q', 1],
          ['r', 5],
        ]);
      }
      expect(results.size).toBe(1);
    });
  });
}

describe('guest merge meets concurrent edits', () => {
  for (const backend of [yjsBackend, automergeBackend, referenceBackend]) {
    it(`${backend.name}: a device removing a merged line while another adds to it ends as add-wins says`, () => {
      const [server, phone, laptop] = devices(backend, 3);
      let g = 0;
      const guest = backend.create({ newTag: () => `guest-${++g}` });
      server!.replica.cart.add('p', 1);
      broadcast([server!, phone!, laptop!]);
      guest.cart.add('p', 2);
      guest.cart.add('g', 1);
      // Merged on the server while the phone, offline, removes p and the laptop adds one.
      mergeCarts(server!.replica.cart, guest.cart);
      phone!.replica.cart.remove('p');
      laptop!.replica.cart.add('p', 1);
      broadcast([server!, phone!, laptop!]);
      syncAll(server!.replica, phone!.replica, laptop!.replica);
      for (const d of [server!, phone!, laptop!])
        expect(d.replica.cart.lines().map((l) => [l.productId, l.quantity])).toEqual([
          ['g', 1],
          // The guest's 2 were not seen by the phone's remove; the laptop's +1 neither.
          ['p', 3],
        ]);
    });
  }
});

describe('persistence: a reloaded document reads as the devices do', () => {
  it('yjs: encodeStateAsUpdate into a fresh doc (gc on) keeps lines, entries and removed tags', () => {
    const [a, b] = devices(yjsBackend, 2);
    a!.replica.cart.add('p', 1);
    broadcast([a!, b!]);
    a!.replica.cart.remove('p');
    b!.replica.cart.add('p', 2);
    a!.replica.cart.setQuantity('q', 3);
    broadcast([a!, b!]);
    const stored = Y.encodeStateAsUpdate((a!.replica.cart as YjsCart).doc);
    const reloaded = new YjsCart(new Y.Doc({ gc: true }));
    Y.applyUpdate(reloaded.doc, stored);
    expect(reloaded.lines()).toEqual(b!.replica.cart.lines());
    expect([...reloaded.entries()].sort()).toEqual([...b!.replica.cart.entries()].sort());
    // A removed tag stays removed after the reload: merging it back adds nothing.
    const removed = [...b!.replica.cart.entries().keys()];
    expect(reloaded.insertEntries([[`${removed[0]}`, { productId: 'x', kind: 'add', qty: 1, at: 0 }]])).toBe(
      0,
    );
  });

  it('automerge: save/load keeps lines and entries, and the loaded doc keeps syncing', () => {
    const [a, b] = devices(automergeBackend, 2);
    a!.replica.cart.add('p', 1);
    broadcast([a!, b!]);
    a!.replica.cart.remove('p');
    b!.replica.cart.add('p', 2);
    broadcast([a!, b!]);
    const loaded = new AutomergeCart(A.load(A.save((a!.replica.cart as AutomergeCart).doc)));
    expect(loaded.lines()).toEqual(b!.replica.cart.lines());
    b!.replica.cart.add('p', 1);
    const change = A.getLastLocalChange((b!.replica.cart as AutomergeCart).doc)!;
    loaded.update(A.loadIncremental(loaded.doc, change));
    expect(loaded.quantity('p')).toBe(3);
  });
});
