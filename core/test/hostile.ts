import { describe, expect, it } from 'vitest';
import type { CartBackend } from '../src/cart/replica.js';

/** Values a buggy or hostile client can write under a tag: each must be ignored by the read view. */
export const hostileValues: [string, unknown][] = [
  ['not-object', 'hello'],
  ['number', 42],
  ['null', null],
  ['array', [1, 2]],
  ['bytes', new Uint8Array([1, 2, 3])],
  ['empty-object', {}],
  ['no-product', { kind: 'add', qty: 1, at: 0 }],
  ['numeric-product', { productId: 42, kind: 'add', qty: 1, at: 0 }],
  ['empty-product', { productId: '', kind: 'add', qty: 1, at: 0 }],
  ['long-product', { productId: 'x'.repeat(500), kind: 'add', qty: 1, at: 0 }],
  ['nested-product', { productId: { id: 'p' }, kind: 'add', qty: 1, at: 0 }],
  ['bad-kind', { productId: 'p', kind: 'multiply', qty: 2, at: 0 }],
  ['upper-kind', { productId: 'p', kind: 'ADD', qty: 2, at: 0 }],
  ['no-kind', { productId: 'p', qty: 2, at: 0 }],
  ['negative', { productId: 'p', kind: 'add', qty: -5, at: 0 }],
  ['fraction', { productId: 'p', kind: 'set', qty: 2.5, at: 0 }],
  ['huge', { productId: 'p', kind: 'set', qty: 1e12, at: 0 }],
  ['string-qty', { productId: 'p', kind: 'add', qty: '3', at: 0 }],
  ['boolean-qty', { productId: 'p', kind: 'add', qty: true, at: 0 }],
  ['nan', { productId: 'p', kind: 'add', qty: Number.NaN, at: 0 }],
  ['zero-add', { productId: 'p', kind: 'add', qty: 0, at: 0 }],
  ['deep', { productId: 'p', kind: 'add', qty: { qty: { qty: 1 } }, at: 0 }],
  // Well-formed entries under keys that cannot be tags (a dot joins a line's tags; `validTag`).
  ['dotted.tag', { productId: 'p', kind: 'add', qty: 1, at: 0 }],
  ['.', { productId: 'p', kind: 'add', qty: 1, at: 0 }],
  ['', { productId: 'p', kind: 'add', qty: 1, at: 0 }],
  ['t'.repeat(65), { productId: 'p', kind: 'add', qty: 1, at: 0 }],
];

/** Hostile documents: malformed entries are ignored, counted, never thrown on, and do not block operations. */
export function hostileConformance(backend: CartBackend): void {
  describe(`${backend.name} cart: hostile documents`, () => {
    it('ignores malformed entries in the read view, counts them, and never throws', () => {
      const r = backend.create();
      r.cart.add('p', 2);
      for (const [tag, value] of hostileValues) r.writeRaw(tag, value);
      expect(() => r.cart.lines()).not.toThrow();
      expect(r.cart.lines()).toEqual([{ productId: 'p', quantity: 2, tags: expect.any(Array) }]);
      expect(r.cart.malformedCount()).toBe(hostileValues.length);
      expect(r.cart.entries().size).toBe(1);
      expect(r.cart.quantity('p')).toBe(2);
    });

    it('reads an entry without a usable `at` (informational only) as written at 0', () => {
      const r = backend.create();
      r.writeRaw('no-at', { productId: 'p', kind: 'add', qty: 2 });
      r.writeRaw('text-at', { productId: 'p', kind: 'set', qty: 1, at: 'yesterday' });
      expect(r.cart.quantity('p')).toBe(3);
      expect([...r.cart.entries().values()].map((e) => e.at)).toEqual([0, 0]);
      expect(r.cart.malformedCount()).toBe(0);
    });

    it('keeps working on a hostile document, and a remove clears the bad entries of its product too', () => {
      const r = backend.create();
      for (const [tag, value] of hostileValues) r.writeRaw(tag, value);
      r.cart.add('p', 1);
      r.cart.setQuantity('p', 3);
      expect(r.cart.quantity('p')).toBe(3);
      r.cart.normalize('p');
      expect(r.cart.quantity('p')).toBe(3);
      r.cart.remove('p');
      expect(r.cart.quantity('p')).toBe(0);
      const other = backend.create();
      other.apply(r.encodeState());
      expect(other.cart.lines()).toEqual([]);
      expect(other.cart.malformedCount()).toBeLessThan(hostileValues.length);
    });

    it('takes hostile entries from a remote replica without throwing, and clear() removes them', () => {
      const honest = backend.create();
      const hostile = backend.create();
      honest.cart.add('q', 4);
      for (const [tag, value] of hostileValues) hostile.writeRaw(tag, value);
      hostile.cart.add('q', 1);
      expect(() => honest.apply(hostile.encodeState())).not.toThrow();
      expect(honest.cart.lines().map((l) => [l.productId, l.quantity])).toEqual([['q', 5]]);
      expect(honest.cart.malformedCount()).toBe(hostileValues.length);
      honest.cart.setQuantity('q', 2);
      expect(honest.cart.quantity('q')).toBe(2);
      expect(honest.cart.clear()).toBe(hostileValues.length + 1);
      expect(honest.cart.lines()).toEqual([]);
      expect(honest.cart.malformedCount()).toBe(0);
    });
  });
}
