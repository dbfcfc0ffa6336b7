import { describe, expect, it } from 'vitest';
import { formatMoney, formatTotal, totalsByCurrency } from '../src/format.js';

describe('money totals', () => {
  it('adds up within a currency and never across currencies', () => {
    const items = [
      { amount: 2599, currency: 'USD' },
      { amount: 5995, currency: 'EUR' },
      { amount: 2599, currency: 'USD' },
    ];
    expect(totalsByCurrency(items)).toEqual([
      { amount: 5198, currency: 'USD' },
      { amount: 5995, currency: 'EUR' },
    ]);
    expect(formatTotal(items)).toBe('$51.98 + €59.95');
    expect(formatTotal(items.filter((m) => m.currency === 'USD'))).toBe('$51.98');
  });

  it('is zero in the given currency when there is nothing to add up', () => {
    expect(totalsByCurrency([])).toEqual([]);
    expect(formatTotal([])).toBe('$0.00');
    expect(formatTotal([], 'INR')).toBe(formatMoney({ amount: 0, currency: 'INR' }));
  });
});

describe('formatMoney', () => {
  it("reads an amount in the currency's own minor unit: cents, yen, fils", () => {
    expect(formatMoney({ amount: 4995, currency: 'USD' })).toBe('$49.95');
    expect(formatMoney({ amount: 1500, currency: 'JPY' })).toBe('¥1,500');
    expect(formatMoney({ amount: 1250, currency: 'KWD' })).toMatch(/^KWD\s1\.250$/); // a no-break space
    expect(
      formatTotal([
        { amount: 1500, currency: 'JPY' },
        { amount: 99, currency: 'EUR' },
      ]),
    ).toBe('¥1,500 + €0.99');
  });
});
