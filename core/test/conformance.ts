import { describe, expect, it } from 'vitest';
import type { CartBackend, CartReplica } from '../src/cart/replica.js';

/** Full exchange between replicas, as after every device has been online together. */
export function syncAll(...replicas: CartReplica[]): void {
  const states = replicas.map((r) => r.encodeState());
  for (const r of replicas) for (const s of states) r.apply(s);
}

let seq = 0;
const tags = () => () => `tag-${++seq}`;

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

    it('setQuantity replaces the observed entries with one set entry', () => {
      const r = backend.create();
      r.cart.add('a', 1);
      r.cart.add('a', 1);
      r.cart.setQuantity('a', 7);
      expect(r.cart.lines()).toEqual([{ productId: 'a', quantity: 7, tags: expect.any(Array) }]);
      expect(r.cart.lines()[0]!.tags).toHaveLength(1);
      expect([...r.cart.entries().values()][0]).toMatchObject({ kind: 'set', qty: 7 });
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
    });

    it('tells listeners whether a change was local or came from another replica', () => {
      const a = backend.create();
      const b = backend.create();
      const seen: boolean[] = [];
      a.cart.onChange((c) => seen.push(c.local));
      a.cart.add('p', 1);
      b.cart.add('q', 1);
      a.apply(b.encodeState());
      expect(seen).toEqual([true, false]);
    });

    it('merges a guest cart into a user cart as a union of entries', () => {
      const user = backend.create();
      const guest = backend.create();
      user.cart.add('shoes', 1);
      user.cart.setQuantity('hat', 2);
      guest.cart.add('shoes', 1);
      guest.cart.add('scarf', 3);
      user.apply(guest.encodeState());
      expect(user.cart.lines().map((l) => [l.productId, l.quantity])).toEqual([
        ['hat', 2],
        ['scarf', 3],
        ['shoes', 2],
      ]);
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

  describe(`${backend.name} cart: hostile documents`, () => {
    const hostile: [string, unknown][] = [
      ['not-object', 'hello'],
      ['null', null],
      ['array', [1, 2]],
      ['no-product', { kind: 'add', qty: 1, at: 0 }],
      ['empty-product', { productId: '', kind: 'add', qty: 1, at: 0 }],
      ['long-product', { productId: 'x'.repeat(500), kind: 'add', qty: 1, at: 0 }],
      ['bad-kind', { productId: 'p', kind: 'multiply', qty: 2, at: 0 }],
      ['negative', { productId: 'p', kind: 'add', qty: -5, at: 0 }],
      ['fraction', { productId: 'p', kind: 'set', qty: 2.5, at: 0 }],
      ['huge', { productId: 'p', kind: 'set', qty: 1e12, at: 0 }],
      ['string-qty', { productId: 'p', kind: 'add', qty: '3', at: 0 }],
      ['nan', { productId: 'p', kind: 'add', qty: Number.NaN, at: 0 }],
    ];

    it('ignores malformed entries in the read view, counts them, and never throws', () => {
      const r = backend.create();
      r.cart.add('p', 2);
      for (const [tag, value] of hostile) r.writeRaw(tag, value);
      expect(() => r.cart.lines()).not.toThrow();
      expect(r.cart.lines()).toEqual([{ productId: 'p', quantity: 2, tags: expect.any(Array) }]);
      expect(r.cart.malformedCount()).toBe(hostile.length);
      expect(r.cart.entries().size).toBe(1);
    });

    it('keeps working on a hostile document, and a remove clears the bad entries of its product too', () => {
      const r = backend.create();
      for (const [tag, value] of hostile) r.writeRaw(tag, value);
      r.cart.add('p', 1);
      r.cart.setQuantity('p', 3);
      expect(r.cart.quantity('p')).toBe(3);
      r.cart.remove('p');
      expect(r.cart.quantity('p')).toBe(0);
      const other = backend.create();
      other.apply(r.encodeState());
      expect(other.cart.lines()).toEqual([]);
    });
  });
}
