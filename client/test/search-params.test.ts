import { describe, expect, it } from 'vitest';
import { SearchParams } from '../../core/src/catalog.js';
import { apiSearchParams } from '../src/search-params.js';

const parse = (search: string) => SearchParams.safeParse(Object.fromEntries(apiSearchParams(search)));

describe('apiSearchParams', () => {
  it('passes a valid search through as it is, with the page size the page shows', () => {
    const p = apiSearchParams(
      '?q=mouse&brand=HP&minPrice=100&maxPrice=4999&sort=price_asc&page=3&inStock=true',
    );
    expect(Object.fromEntries(p)).toEqual({
      q: 'mouse',
      brand: 'HP',
      minPrice: '100',
      maxPrice: '4999',
      sort: 'price_asc',
      page: '3',
      inStock: 'true',
      pageSize: '24',
    });
  });

  it('turns what the API would refuse with 400 into a search it answers', () => {
    for (const search of [
      `?q=${'a'.repeat(600)}`,
      `?brand=${'b'.repeat(300)}&category=${'c'.repeat(300)}`,
      '?q=mouse&page=abc',
      '?q=mouse&page=0',
      '?q=mouse&page=5000',
      '?q=mouse&page=2.5',
      '?minPrice=abc&maxPrice=-5',
      '?maxPrice=999999999999',
      '?sort=cheapest',
      '?pageSize=1000',
      '?pageSize=x',
    ]) {
      expect(SearchParams.safeParse(Object.fromEntries(new URLSearchParams(search))).success, search).toBe(
        false,
      );
      expect(parse(search).success, search).toBe(true);
    }
  });

  it('keeps the first 500 characters of a long query and asks a page past the last for the last', () => {
    const p = apiSearchParams(`?q=${'x'.repeat(600)}&page=5000`);
    expect(p.get('q')).toBe('x'.repeat(500));
    expect(p.get('page')).toBe('1000');
    expect(apiSearchParams('?page=abc&sort=nope').has('page')).toBe(false);
  });
});
