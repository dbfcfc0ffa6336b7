import { describe, expect, it } from 'vitest';
import type { CartBackend } from '../src/cart/replica.js';

/** Change events: one per operation that changed something, marked local or remote. */
export function changeEventConformance(backend: CartBackend): void {
  describe(`${backend.name} cart: change events`, () => {
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

    it('raises one event per operation that changed the document, none for one that did not', () => {
      const r = backend.create();
      let events = 0;
      r.cart.onChange(() => events++);
      const tag = r.cart.add('p', 1);
      r.cart.add('p', 2);
      expect(events).toBe(2);
      r.cart.setQuantity('p', 5);
      expect(events).toBe(3);
      r.cart.normalize('p'); // a single entry: nothing to replace
      r.cart.remove('absent');
      r.cart.setQuantity('absent', 0);
      expect(r.cart.clear([tag])).toBe(0); // already replaced by the set
      expect(events).toBe(3);
      r.cart.remove('p');
      expect(events).toBe(4);
    });

    it('raises no event for an update it has already applied (a duplicate delivery)', () => {
      const a = backend.create();
      const b = backend.create();
      b.cart.add('p', 1);
      const state = b.encodeState();
      let remote = 0;
      a.cart.onChange((c) => {
        if (!c.local) remote++;
      });
      a.apply(state);
      a.apply(state);
      expect(remote).toBe(1);
    });

    it('stops calling a listener once unsubscribed', () => {
      const r = backend.create();
      let events = 0;
      const stop = r.cart.onChange(() => events++);
      r.cart.add('p', 1);
      stop();
      r.cart.add('p', 1);
      expect(events).toBe(1);
    });
  });
}
