import { describe, expect, it } from 'vitest';
import { newestFirst } from '../src/cart/entry.js';
import type { CartBackend, CartReplica } from '../src/cart/replica.js';
import { changeEventConformance } from './change-events.js';
import { syncAll, countingTags as tags } from './exchange.js';
import { hostileConformance } from './hostile.js';
import { mergeConformance } from './merge.js';

/**
 * One conformance suite for every cart backend (like automerge-repo's adapter tests): the
 * ARCHITECTURE concurrency table, the read rule, observed removes, merges and hostile input.
 */
export function cartConformance(backend: CartBackend): void {
  const pair = () => {
    const phone = backend.create({ newTag: tags() });
    const laptop = backend.create({ newTag: tags() });
    phone.cart.add('p', 1);
    syncAll(phone, laptop);
    return { phone, laptop };
  };
  const settle = (phone: CartReplica, laptop: CartReplica) => {
    syncAll(phone, laptop);
    expect(phone.cart.lines()).toEqual(laptop.cart.lines());
    return phone.cart.quantity('p');
  };

  describe(`${backend.name} cart: the concurrency table (from quantity 1)`, () => {
    it('phone +1, laptop +1 -> 3: two deliberate taps both count', () => {
      const { phone, laptop } = pair();
      phone.cart.add('p', 1);
      laptop.cart.add('p', 1);
      expect(settle(phone, laptop)).toBe(3);
    });

    it('phone sets 3, laptop sets 5 -> 5: the larger absolute choice wins, never a sum', () => {
      const { phone, laptop } = pair();
      phone.cart.setQuantity('p', 3);
      laptop.cart.setQuantity('p', 5);
      expect(settle(phone, laptop)).toBe(5);
    });

    it('phone removes, laptop +1 -> 1: add-wins, the removed unit does not come back', () => {
      const { phone, laptop } = pair();
      phone.cart.remove('p');
      laptop.cart.add('p', 1);
      expect(settle(phone, laptop)).toBe(1);
    });

    it('phone sets 3, laptop +1 -> 4: an add the set did not see survives', () => {
      const { phone, laptop } = pair();
      phone.cart.setQuantity('p', 3);
      laptop.cart.add('p', 1);
      expect(settle(phone, laptop)).toBe(4);
    });

    it('both normalize the same entries -> unchanged', () => {
      const { phone, laptop } = pair();
      phone.cart.add('p', 2);
      syncAll(phone, laptop);
      expect(phone.cart.entries().size).toBe(2);
      phone.cart.normalize('p');
      laptop.cart.normalize('p');
      expect(settle(phone, laptop)).toBe(3);
    });
  });

  describe(`${backend.name} cart: read rule and operations`, () => {
    it('reads max(set) + sum(add), clamped to maxPerLine, and drops lines at 0', () => {
      const r = backend.create({ maxPerLine: 10 });
      r.cart.add('a', 2);
      r.cart.add('a', 3);
      expect(r.cart.quantity('a')).toBe(5);
      r.cart.add('a', 9);
      expect(r.cart.quantity('a')).toBe(10);
      r.cart.setQuantity('b', 4);
      r.cart.setQuantity('b', 0);
      expect(r.cart.lines().map((l) => l.productId)).toEqual(['a']);
      const small = backend.create({ maxPerLine: 3 });
      small.cart.add('x', 5);
      expect(small.cart.quantity('x')).toBe(3);
    });

    it('clamps at 10 by default, and a larger maxPerLine lets larger quantities through', () => {
      const byDefault = backend.create();
      byDefault.cart.add('a', 7);
      byDefault.cart.add('a', 7);
      expect(byDefault.cart.quantity('a')).toBe(10);
      const wholesale = backend.create({ maxPerLine: 50 });
      wholesale.cart.add('a', 7);
      wholesale.cart.add('a', 7);
      wholesale.cart.setQuantity('b', 40);
      expect(wholesale.cart.quantity('a')).toBe(14);
      expect(wholesale.cart.quantity('b')).toBe(40);
    });

    it('clamps the read only: the entries keep their values, and a lower set still lowers the line', () => {
      const r = backend.create();
      r.cart.add('a', 8);
      expect(r.cart.lines()[0]!.capped).toBeUndefined();
      r.cart.add('a', 8);
      expect([...r.cart.entries().values()].map((e) => e.qty)).toEqual([8, 8]);
      // The line says that it holds less than was added.
      expect(r.cart.lines()[0]).toMatchObject({ quantity: 10, capped: true });
      r.cart.setQuantity('a', 2);
      expect(r.cart.quantity('a')).toBe(2);
      expect(r.cart.lines()[0]!.capped).toBeUndefined();
      // Exactly full is not capped.
      r.cart.setQuantity('a', 10);
      expect(r.cart.lines()[0]!.capped).toBeUndefined();
    });

    it('keeps a line at quantity 0 out of the view, and reads an unknown product as 0', () => {
      const r = backend.create();
      r.cart.setQuantity('a', 0);
      r.cart.add('b', 1);
      r.cart.remove('b');
      expect(r.cart.lines()).toEqual([]);
      expect(r.cart.entries().size).toBe(0);
      expect(r.cart.quantity('never-added')).toBe(0);
    });

    it('lists lines sorted by productId with the tags behind each', () => {
      const r = backend.create({ newTag: tags() });
      const tagC = r.cart.add('c', 1);
      const tagA = r.cart.add('a', 1);
      const tagA2 = r.cart.add('a', 2);
      expect(r.cart.lines()).toEqual([
        { productId: 'a', quantity: 3, tags: [tagA, tagA2].sort() },
        { productId: 'c', quantity: 1, tags: [tagC] },
      ]);
    });

    it('setQuantity replaces the observed entries with one set entry', () => {
      const r = backend.create();
      r.cart.add('a', 1);
      r.cart.add('a', 1);
      r.cart.setQuantity('a', 7);
      expect(r.cart.lines()).toEqual([{ productId: 'a', quantity: 7, tags: expect.any(Array) }]);
      expect(r.cart.lines()[0]!.tags).toHaveLength(1);
      expect([...r.cart.entries().values()][0]).toMatchObject({ kind: 'set', qty: 7 });
    });

    it('shows the most recently added line first, and a line keeps its place when its quantity changes', () => {
      let clock = 1000;
      const now = () => clock++;
      const [phone, laptop] = [backend.create({ now }), backend.create({ now })];
      const shown = (r: CartReplica) => newestFirst(r.cart.lines(), r.cart.entries()).map((l) => l.productId);
      phone.cart.add('b', 1);
      phone.cart.add('a', 1);
      phone.cart.add('c', 2);
      expect(shown(phone)).toEqual(['c', 'a', 'b']);
      syncAll(phone, laptop);
      // A decrease, a set and a compaction rewrite a line's entries; its place stays.
      laptop.cart.setQuantity('b', 3);
      phone.cart.setQuantity('c', 1);
      syncAll(phone, laptop);
      laptop.cart.add('b', 1);
      laptop.cart.normalize('b');
      syncAll(phone, laptop);
      expect(laptop.cart.quantity('b')).toBe(4);
      expect(shown(phone)).toEqual(['c', 'a', 'b']);
      expect(shown(laptop)).toEqual(['c', 'a', 'b']);
      // Removed and added again, a product is new to the cart: it goes first.
      phone.cart.remove('b');
      phone.cart.add('b', 1);
      syncAll(phone, laptop);
      expect(shown(laptop)).toEqual(['b', 'c', 'a']);
      // Lines added at the same moment (or with no time) go by product id.
      const same = backend.create({ now: () => 5 });
      same.cart.add('y', 1);
      same.cart.add('x', 1);
      expect(shown(same)).toEqual(['x', 'y']);
    });

    it('keeps the price a line was first added at, through sets and syncs; a line added again starts anew', () => {
      let clock = 1000;
      const now = () => clock++;
      const [phone, laptop] = [backend.create({ now }), backend.create({ now })];
      const usd = (amount: number) => ({ amount, currency: 'USD' });
      const added = (r: CartReplica) => r.cart.lines().map((l) => [l.productId, l.addedPrice]);
      phone.cart.add('a', 1, usd(2500));
      phone.cart.add('b', 1); // a device that did not say the price
      syncAll(phone, laptop);
      expect(added(laptop)).toEqual([
        ['a', usd(2500)],
        ['b', undefined],
      ]);
      // Added again later at a new price, set, normalized, synced: still the first price.
      laptop.cart.add('a', 1, usd(3100));
      laptop.cart.setQuantity('a', 3);
      phone.cart.add('a', 1, usd(3100));
      phone.cart.normalize('a');
      syncAll(phone, laptop);
      expect(added(phone)).toEqual(added(laptop));
      expect(phone.cart.lines()[0]!.addedPrice).toEqual(usd(2500));
      // A line whose first add said no price takes the first that did.
      laptop.cart.add('b', 1, usd(999));
      syncAll(phone, laptop);
      expect(phone.cart.lines()[1]!.addedPrice).toEqual(usd(999));
      // Removed and added again: the new add's price.
      phone.cart.remove('a');
      phone.cart.add('a', 1, usd(3100));
      syncAll(phone, laptop);
      expect(laptop.cart.lines()[0]!.addedPrice).toEqual(usd(3100));
      // Two devices adding at the same moment at two prices read the same one.
      const [x, y] = [backend.create({ now: () => 7 }), backend.create({ now: () => 7 })];
      x.cart.add('p', 1, usd(500));
      y.cart.add('p', 1, usd(400));
      syncAll(x, y);
      expect(x.cart.lines()[0]!.addedPrice).toEqual(usd(400));
      expect(y.cart.lines()[0]!.addedPrice).toEqual(usd(400));
    });

    it('refuses invalid quantities from its own caller (a bug), never from a remote', () => {
      const r = backend.create();
      expect(() => r.cart.add('a', -1)).toThrow(RangeError);
      expect(() => r.cart.setQuantity('a', 1.5)).toThrow(RangeError);
    });

    it('clear(observed) deletes exactly the observed entries, keeping ones added concurrently', () => {
      const { phone, laptop } = pair();
      const observed = phone.cart.lines().flatMap((l) => l.tags);
      laptop.cart.add('p', 2);
      laptop.cart.add('q', 1);
      expect(phone.cart.clear(observed)).toBe(1);
      syncAll(phone, laptop);
      expect(phone.cart.lines().map((l) => [l.productId, l.quantity])).toEqual([
        ['p', 2],
        ['q', 1],
      ]);
      expect(phone.cart.clear(['no-such-tag'])).toBe(0);
      const twice = phone.cart.lines()[0]!.tags;
      expect(phone.cart.clear([...twice, ...twice])).toBe(twice.length);
    });

    it('converges whatever the order and repetition of state exchanges', () => {
      const [a, b, c] = [backend.create(), backend.create(), backend.create()];
      a.cart.add('p', 1);
      const early = a.encodeState();
      b.apply(early);
      b.cart.setQuantity('p', 4);
      c.cart.add('p', 2);
      c.apply(b.encodeState());
      a.apply(c.encodeState());
      a.apply(early);
      b.apply(a.encodeState());
      syncAll(a, b, c);
      expect(a.cart.lines()).toEqual(b.cart.lines());
      expect(b.cart.lines()).toEqual(c.cart.lines());
      expect(a.cart.quantity('p')).toBe(6);
    });
  });

  hostileConformance(backend);
  mergeConformance(backend);
  changeEventConformance(backend);
}
