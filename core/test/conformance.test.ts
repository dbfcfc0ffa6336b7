import { describe, expect, it } from 'vitest';
import { automergeBackend } from '../src/cart/automerge.js';
import { compactCart, referenceBackend, yjsBackend } from '../src/index.js';
import { cartConformance } from './conformance.js';

for (const backend of [yjsBackend, automergeBackend, referenceBackend]) cartConformance(backend);

describe('compactCart', () => {
  for (const backend of [yjsBackend, automergeBackend, referenceBackend]) {
    it(`${backend.name}: normalizes only long lines and keeps every quantity`, () => {
      const r = backend.create();
      for (let i = 0; i < 12; i++) r.cart.add('busy', 1);
      r.cart.add('quiet', 2);
      const before = r.cart.lines().map((l) => [l.productId, l.quantity]);
      expect(compactCart(r.cart, { maxEntriesPerLine: 8 })).toBe(1);
      expect(r.cart.lines().map((l) => [l.productId, l.quantity])).toEqual(before);
      expect(r.cart.lines().map((l) => l.tags.length)).toEqual([1, 1]);
      expect(compactCart(r.cart)).toBe(0);
    });
  }
});
