import type { Order, Product } from '@shopsync/core';
import { describe, expect, it } from 'vitest';
import { fixText, lineFixes, productAfter, rejectionOf } from '../src/checkout-fixes.js';
import { formatMoney } from '../src/format.js';

const usd = (amount: number) => ({ amount, currency: 'USD' });
const mug = (stock: number, price = 2599): Product =>
  ({ id: 'p_mug', title: 'Mug', price: usd(price), stock }) as unknown as Product;
const order = (over: Partial<Order>): Order => ({
  id: 'o_1',
  status: 'rejected',
  lines: [{ productId: 'p_mug', title: 'Mug', quantity: 3, unitPrice: usd(2599), tags: ['t'] }],
  total: usd(7797),
  createdAt: 0,
  updatedAt: 0,
  ...over,
});
const none = new Set<string>();

describe('rejectionOf', () => {
  it('takes a refused order’s reasons and the prices it was ordered at; nothing of another order', () => {
    const reasons = [{ productId: 'p_mug', code: 'out_of_stock' as const, available: 1 }];
    expect(rejectionOf(order({ reasons }))).toEqual({ orderId: 'o_1', reasons, was: { p_mug: usd(2599) } });
    expect(rejectionOf(order({ status: 'confirmed' }))).toBeNull();
    expect(rejectionOf(order({ reasons: [] }))).toBeNull();
  });
});

describe('productAfter', () => {
  it('is the product as the refusal says it is now', () => {
    expect(productAfter(mug(5), { productId: 'p_mug', code: 'out_of_stock', available: 1 })?.stock).toBe(1);
    expect(
      productAfter(mug(5), { productId: 'p_mug', code: 'price_changed', price: usd(3199) })?.price,
    ).toEqual(usd(3199));
    expect(productAfter(mug(5), { productId: 'p_mug', code: 'not_found' })).toBeNull();
    expect(productAfter(undefined, { productId: 'p_mug', code: 'not_found' })).toBeNull();
    // Not loaded here: nothing to change.
    expect(
      productAfter(undefined, { productId: 'p_mug', code: 'out_of_stock', available: 1 }),
    ).toBeUndefined();
  });
});

describe('lineFixes', () => {
  const line = { productId: 'p_mug', quantity: 3 };
  it('offers to reduce a line to the stock, and to remove one sold out or no longer sold', () => {
    expect(lineFixes(line, mug(1), null, none)).toEqual([{ kind: 'reduce', to: 1 }]);
    expect(lineFixes(line, mug(0), null, none)).toEqual([{ kind: 'remove', why: 'out_of_stock' }]);
    expect(lineFixes(line, null, null, none)).toEqual([{ kind: 'remove', why: 'gone' }]);
    expect(lineFixes(line, mug(3), null, none)).toEqual([]);
    // Not loaded yet: nothing known to fix.
    expect(lineFixes(line, undefined, null, none)).toEqual([]);
  });

  it('asks to accept a price the refused order named, until accepted or back to what was ordered', () => {
    const r = rejectionOf(
      order({ reasons: [{ productId: 'p_mug', code: 'price_changed', price: usd(3199) }] }),
    );
    expect(lineFixes(line, mug(5, 3199), r, none)).toEqual([
      { kind: 'price', now: usd(3199), was: usd(2599) },
    ]);
    expect(lineFixes(line, mug(5, 3199), r, new Set(['p_mug']))).toEqual([]);
    expect(lineFixes(line, mug(5, 2599), r, none)).toEqual([]);
    // Both at once: the stock first.
    expect(lineFixes(line, mug(2, 3199), r, none).map((f) => f.kind)).toEqual(['reduce', 'price']);
  });
});

describe('fixText', () => {
  it('says each problem and its button', () => {
    expect(fixText({ kind: 'reduce', to: 1 }, formatMoney)).toEqual({
      problem: 'Only 1 left',
      action: 'Reduce to 1',
    });
    expect(fixText({ kind: 'remove', why: 'gone' }, formatMoney)).toEqual({
      problem: 'No longer sold',
      action: 'Remove',
    });
    expect(fixText({ kind: 'remove', why: 'out_of_stock' }, formatMoney)).toEqual({
      problem: 'Out of stock',
      action: 'Remove',
    });
    expect(fixText({ kind: 'price', now: usd(3199), was: usd(2599) }, formatMoney)).toEqual({
      problem: 'Now $31.99 (was $25.99)',
      action: 'OK',
    });
  });
});
