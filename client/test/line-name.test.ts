import { describe, expect, it } from 'vitest';
import { lineName, unloadedText } from '../src/line-name.js';

describe('unloadedText', () => {
  it('says a product on its way is loading, and one that failed why it is not shown', () => {
    expect(unloadedText('loading', true)).toBe('Loading…');
    expect(unloadedText('loading', false)).toBe('Loading…');
    expect(unloadedText('failed', false)).toBe('Details unavailable offline');
    expect(unloadedText('failed', true)).toBe('Could not load this product');
  });
});

describe('lineName', () => {
  it('names a line by its title, and without one by its place in the cart', () => {
    expect(lineName({ title: 'Mug' }, 0)).toBe('Mug');
    expect(lineName(null, 0)).toBe('the item no longer sold');
    expect(lineName(undefined, 0)).toBe('item 1');
    expect(lineName(undefined, 2)).toBe('item 3');
  });
});
