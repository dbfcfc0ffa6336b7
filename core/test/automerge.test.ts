import * as A from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import { AutomergeCart } from '../src/cart/automerge.js';
import { mergeCarts } from '../src/index.js';

describe('AutomergeCart specifics', () => {
  it('stores productId and kind as immutable strings, and reads them back as plain strings', () => {
    const cart = new AutomergeCart(undefined, { now: () => 5, newTag: () => 't1' });
    cart.add('p', 2);
    const raw = cart.doc.lines.t1 as Record<string, unknown>;
    expect(A.isImmutableString(raw.productId)).toBe(true);
    expect(A.isImmutableString(raw.kind)).toBe(true);
    expect(cart.entries().get('t1')).toEqual({ productId: 'p', kind: 'add', qty: 2, at: 5 });
  });

  it("keeps both devices' entries when carts begun apart are merged", () => {
    const phone = new AutomergeCart();
    const laptop = new AutomergeCart();
    phone.add('p', 1);
    laptop.add('q', 2);
    for (const merged of [A.merge(A.clone(phone.doc), laptop.doc), A.merge(A.clone(laptop.doc), phone.doc)]) {
      const cart = new AutomergeCart(merged);
      expect(cart.lines().map((l) => [l.productId, l.quantity])).toEqual([
        ['p', 1],
        ['q', 2],
      ]);
    }
  });

  it('reads entries another Automerge client wrote with collaborative text strings', () => {
    const cart = new AutomergeCart();
    cart.update(
      A.change(cart.doc, (d) => {
        d.lines.other = { productId: 'p', kind: 'set', qty: 4, at: 0 };
      }),
    );
    expect(cart.quantity('p')).toBe(4);
    cart.setQuantity('p', 1);
    expect(cart.entries().size).toBe(1);
    expect(cart.quantity('p')).toBe(1);
  });

  it('ignores Automerge counters, dates and nested lists where a field should be', () => {
    const cart = new AutomergeCart();
    cart.update(
      A.change(cart.doc, (d) => {
        d.lines.counter = { productId: 'p', kind: 'add', qty: new A.Counter(3), at: 0 };
        d.lines.date = { productId: new Date(0), kind: 'add', qty: 1, at: 0 } as never;
        d.lines.list = [['p']] as never;
      }),
    );
    expect(cart.lines()).toEqual([]);
    expect(cart.malformedCount()).toBe(3);
  });

  it('remembers removed tags across save and load, so a repeated guest merge adds nothing back', () => {
    const user = new AutomergeCart();
    const guest = new AutomergeCart();
    guest.add('shoes', 1);
    mergeCarts(user, guest);
    user.remove('shoes');
    const reloaded = new AutomergeCart(A.load(A.save(user.doc)));
    expect(mergeCarts(reloaded, guest)).toBe(0);
    expect(reloaded.lines()).toEqual([]);
  });
});

describe('AutomergeCart on a document whose lines map was replaced', () => {
  for (const replacement of ['lines', 42, null, [1, 2]]) {
    it(`reads ${JSON.stringify(replacement)} as an empty cart, counts it, and keeps working`, () => {
      const cart = new AutomergeCart();
      cart.add('p', 1);
      cart.update(
        A.change(cart.doc, (d) => {
          (d as { lines: unknown }).lines = replacement;
        }),
      );
      expect(cart.lines()).toEqual([]);
      expect(cart.malformedCount()).toBe(1);
      expect(cart.clear(['x'])).toBe(0);
      cart.remove('p');
      cart.setQuantity('p', 2);
      expect(cart.quantity('p')).toBe(2);
      expect(cart.malformedCount()).toBe(0);
    });
  }
});
