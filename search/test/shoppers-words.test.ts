import type { Product } from '@shopsync/core';
import { SearchParams } from '@shopsync/core';
import { describe, expect, it } from 'vitest';
import { ProductIndex } from '../src/index.js';
import { shoppersWords } from '../src/shoppers-words.js';
import { queryTerms } from '../src/text.js';

function product(id: string, title: string, category: string): Product {
  return {
    id,
    title,
    brand: 'Acme',
    category,
    description: '',
    price: { amount: 1000, currency: 'USD' },
    stock: 5,
    images: [],
    attributes: {},
    version: 1,
    createdAt: 1000,
    updatedAt: 1000,
  };
}

describe("shoppers' words", () => {
  it("reads a shopper's phrase as the catalog's, the longest first, and leaves the rest", () => {
    expect(shoppersWords(['sony', 'television', '55'])).toEqual(['sony', 'tv', '55']);
    expect(shoppersWords(['pen', 'drive', '64gb'])).toEqual(['flash', 'drive', '64gb']);
    expect(shoppersWords(['thumb', 'drives'])).toEqual(['flash', 'drive']);
    // Only whole phrases: "pen" and "cell" alone are words of their own.
    expect(shoppersWords(['pen', 'holder'])).toEqual(['pen', 'holder']);
    expect(shoppersWords(['cell', 'battery'])).toEqual(['cell', 'battery']);
    expect(shoppersWords([])).toEqual([]);
    // Through the query reader: case and punctuation as any query's.
    expect(queryTerms('Cell-Phone case')).toEqual(['mobile', 'phone', 'case']);
    // Asked for as typed ("Search instead for …"): the shopper's own words.
    expect(queryTerms('cell phone case', true)).toEqual(['cell', 'phone', 'case']);
  });

  it('finds the products the catalog names by its own word', () => {
    const index = new ProductIndex();
    index.replaceAll([
      product('tv', 'Philips 32PFL 32" class digital TV LCD TV', 'Digital'),
      product('antenna', 'Philips SDV6122 television antenna 20 dB', 'Television antenna'),
      product('flash', 'Integral 64GB USB flash drive', 'Flash drive'),
      product('dvd', 'HP SATA SuperMulti Drive optical disc drive', 'Optical disc drive'),
    ]);
    const top = (query: string) => index.search(SearchParams.parse({ q: query })).hits.map((h) => h.id)[0];
    expect(top('television')).toBe('tv');
    expect(top('pendrive')).toBe('flash');
    expect(top('thumb drive')).toBe('flash');
    // As typed, "television" is the antenna's word.
    expect(index.search(SearchParams.parse({ q: 'television', exact: '1' })).hits.map((h) => h.id)).toEqual([
      'antenna',
    ]);
  });
});
