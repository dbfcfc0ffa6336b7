import { SearchParams } from '@shopsync/core';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../src/catalog/products.js';
import { SearchFeed } from '../src/search/feed.js';
import { tempDb } from './harness.js';

describe('the search index at start and after writes', () => {
  it("ranks a brand's products and finds barcodes alike whether read at start or written since", async () => {
    const { db, done } = tempDb();
    const catalog = new Catalog(db);
    // A camera described at length (and its barcode under a lower-case name), a toner by its code.
    const specs = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`spec ${i}`, `value ${i}`]));
    catalog.create({
      id: 'camera',
      title: 'Zorblax EOS 5000 digital camera, 24 MP, with a lens and a strap',
      brand: 'Zorblax',
      price: 50_000,
      stock: 3,
      description: '',
      images: [],
      attributes: { ...specs, ean: '4006381333931' },
    });
    catalog.create({
      id: 'toner',
      title: 'Zorblax KP-36',
      brand: 'Zorblax',
      price: 900,
      stock: 3,
      description: '',
      images: [],
      attributes: { colour: 'Black' },
    });
    const feed = new SearchFeed(db, catalog);
    try {
      await feed.open();
      const ids = (q: string) =>
        (feed.index as { search(p: SearchParams): { hits: { id: string }[] } })
          .search(SearchParams.parse({ q }))
          .hits.map((h) => h.id);
      const read = () => ({ brand: ids('zorblax'), barcode: ids('4006381333931') });
      const atStart = read();
      // A brand alone ranks what it makes described at length first (specsFactor).
      expect(atStart).toEqual({ brand: ['camera', 'toner'], barcode: ['camera'] });
      for (const id of ['camera', 'toner'])
        expect(catalog.update(id, { description: 'Written again.' }).ok).toBe(true);
      expect(feed.catchUp()).toBe(2);
      expect(read()).toEqual(atStart);
    } finally {
      await feed.stop();
      done();
    }
  });
});
