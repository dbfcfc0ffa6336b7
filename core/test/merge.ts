import { describe, expect, it } from 'vitest';
import { mergeCarts } from '../src/cart/merge.js';
import type { CartBackend } from '../src/cart/replica.js';
import type { CartLine } from '../src/cart/types.js';
import { countingTags, syncAll } from './exchange.js';

const view = (lines: CartLine[]) => lines.map((l) => [l.productId, l.quantity]);

/** Guest merge: a guest cart's entries join a user cart as a union of entries. */
export function mergeConformance(backend: CartBackend): void {
  describe(`${backend.name} cart: guest merge`, () => {
    const carts = () => ({
      user: backend.create({ newTag: countingTags() }),
      guest: backend.create({ newTag: countingTags() }),
    });

    it('joins the entries: adds sum, sets take the larger, other lines come along', () => {
      const { user, guest } = carts();
      user.cart.add('shoes', 1);
      user.cart.setQuantity('hat', 2);
      guest.cart.add('shoes', 1);
      guest.cart.setQuantity('hat', 4);
      guest.cart.add('scarf', 3);
      expect(mergeCarts(user.cart, guest.cart)).toBe(3);
      expect(view(user.cart.lines())).toEqual([
        ['hat', 4],
        ['scarf', 3],
        ['shoes', 2],
      ]);
    });

    it('is idempotent, and the merged entries reach the user’s other devices', () => {
      const { user, guest } = carts();
      const laptop = backend.create();
      guest.cart.add('scarf', 3);
      mergeCarts(user.cart, guest.cart);
      expect(mergeCarts(user.cart, guest.cart)).toBe(0);
      syncAll(user, laptop);
      expect(view(laptop.cart.lines())).toEqual([['scarf', 3]]);
    });

    it('never brings back an entry the user removed, even when the same guest cart is merged again', () => {
      const { user, guest } = carts();
      guest.cart.add('shoes', 1);
      guest.cart.add('scarf', 1);
      mergeCarts(user.cart, guest.cart);
      user.cart.remove('shoes');
      guest.cart.add('gloves', 2);
      expect(mergeCarts(user.cart, guest.cart)).toBe(1);
      expect(view(user.cart.lines())).toEqual([
        ['gloves', 2],
        ['scarf', 1],
      ]);
    });

    it('keeps earlier merged entries when a cleared guest cart is merged again (no history replay)', () => {
      const { user, guest } = carts();
      guest.cart.add('shoes', 1);
      mergeCarts(user.cart, guest.cart);
      guest.cart.clear();
      guest.cart.add('hat', 1);
      mergeCarts(user.cart, guest.cart);
      expect(view(user.cart.lines())).toEqual([
        ['hat', 1],
        ['shoes', 1],
      ]);
    });

    it('copies only well-formed entries and skips tags it already holds', () => {
      const { user, guest } = carts();
      const tag = user.cart.add('p', 1);
      guest.writeRaw('bad', { productId: 'p', kind: 'add', qty: -1, at: 0 });
      guest.cart.add('p', 2);
      mergeCarts(user.cart, guest.cart);
      expect(user.cart.quantity('p')).toBe(3);
      expect(user.cart.malformedCount()).toBe(0);
      const bogus = [[tag, { productId: 'p', kind: 'add', qty: 9, at: 0 }] as [string, never]];
      expect(user.cart.insertEntries(bogus)).toBe(0);
      expect(user.cart.insertEntries([['x', { productId: 'p', kind: 'x' } as never]])).toBe(0);
      expect(user.cart.quantity('p')).toBe(3);
    });
  });
}
