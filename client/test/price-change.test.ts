import { describe, expect, it } from 'vitest';
import { priceChangeText } from '../src/cart/price-change.js';

const usd = (amount: number) => ({ amount, currency: 'USD' });

describe('priceChangeText', () => {
  it('says a price went up or down since the line was added, and nothing when it did not', () => {
    expect(priceChangeText(usd(2500), usd(3100))).toBe('The price went up from $25.00 since you added it.');
    expect(priceChangeText(usd(2500), usd(1999))).toBe('The price dropped from $25.00 since you added it.');
    expect(priceChangeText(usd(2500), usd(2500))).toBeUndefined();
    // A line added by a device that did not say the price: nothing to compare.
    expect(priceChangeText(undefined, usd(2500))).toBeUndefined();
  });

  it('names the new currency rather than compare amounts of two', () => {
    expect(priceChangeText(usd(2500), { amount: 2300, currency: 'EUR' })).toBe(
      'Priced in EUR now: it was $25.00 when you added it.',
    );
  });
});
