import type { Product, SearchParams } from '@shopsync/core';
import { SearchParams as Params } from '@shopsync/core';
import { describe, expect, it } from 'vitest';
import { toIndexedDoc, typeSignature } from '../src/document.js';
import {
  CategoryVocabulary,
  deriveCategory,
  icecatToProduct,
  inProcessBuilder,
  ProductIndex,
  type SegmentBuilder,
  ShardedIndex,
  workerBuilder,
} from '../src/index.js';
import { bestWeighed, comesWith, decimalsOnly, firstInOrder, saysAfterType } from '../src/product-index.js';
import { maxFactor, phraseFactor, stemBit, titleFactor, typeFactor } from '../src/ranking.js';
import { averagesOf, measure, SearchSegment } from '../src/segment.js';
import {
  abbreviationOf,
  countAbbreviations,
  emptyVocabulary,
  learnAbbreviations,
  learnAcronyms,
  learnKinds,
  learnLines,
  learnSynonyms,
} from '../src/synonyms.js';
import { highlight } from '../src/text.js';

let n = 0;
/**
 * A plain "Toner" product that calls itself a toner cartridge half the time, and a "Toner
 * cartridge": what makes "toner cartridge" a learnt kind of toner.
 */
function toners(i: number): Product[] {
  const name = i % 2 ? 'Black toner cartridge' : 'Toner black';
  return [
    product(`Xeno ${name} X${i}`, 'Xeno', 'Toner', 5000),
    product(`Acme A${i} toner cartridge Original Black`, 'Acme', 'Toner cartridge', 6000),
  ];
}

function product(
  title: string,
  brand: string,
  category: string,
  price: number,
  extra: Partial<Product> = {},
): Product {
  n++;
  return {
    id: `t${n}`,
    title,
    brand,
    category,
    description: '',
    price: { amount: price, currency: 'USD' },
    stock: 5,
    images: [],
    attributes: {},
    version: 1,
    createdAt: 1000 + n,
    updatedAt: 1000 + n,
    ...extra,
  };
}

const q = (input: Record<string, unknown>): SearchParams => Params.parse(input);

function catalog(): { index: ProductIndex; items: Product[] } {
  const items = [
    product('Sony WH-1000XM4 Wireless Noise Cancelling Headphones', 'Sony', 'Headphones', 27900),
    product('Bose QuietComfort 45 Headphones', 'Bose', 'Headphones', 32900),
    product('JBL Flip 5 Portable Bluetooth Speaker', 'JBL', 'Speakers', 9900, { stock: 0 }),
    product('Sony SRS-XB13 Bluetooth Speaker', 'Sony', 'Speakers', 4900),
    product('Lenovo ThinkPad X1 Carbon Laptop', 'Lenovo', 'Notebooks', 149900, {
      description: 'Business notebook with headphone jack',
    }),
    product('Anker USB-C Cable for Laptops', 'Anker', 'Cables', 1500),
  ];
  const index = new ProductIndex();
  index.replaceAll(items);
  return { index, items };
}

describe('ProductIndex', () => {
  it("lists a brand's described products before its parts titled by code for the brand alone", () => {
    const specs = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`spec ${i}`, `${i}`]));
    const items = [
      product('Canon KP-36IP', 'Canon', 'Other', 1895, { attributes: specs(4) }),
      product('Canon C-EXV21 Original', 'Canon', 'Other', 15694, { attributes: specs(5) }),
      product('Canon PowerShot SX432 IS Bridge camera 20.5 MP CCD Black', 'Canon', 'Camera', 24900, {
        attributes: specs(40),
      }),
      product(
        'Canon PIXMA iX4000 inkjet printer Colour 4800 x 1200 DPI A4',
        'Canon',
        'Inkjet printer',
        9900,
        {
          attributes: specs(35),
        },
      ),
      // Another brand's camera, for a query that says more than the brand.
      product('Nikon Coolpix B500 Bridge camera Black', 'Nikon', 'Camera', 29900, { attributes: specs(3) }),
      ...['A', 'B', 'C'].map((m) => product(`Acme ${m} notebook`, 'Acme', 'Notebook', 50000)),
    ];
    const index = new ProductIndex();
    index.replaceAll(items);
    const titles = (query: string) => index.search(q({ q: query })).hits.map((h) => h.title);
    const canon = titles('canon');
    expect(canon.slice(0, 2).sort()).toEqual([
      'Canon PIXMA iX4000 inkjet printer Colour 4800 x 1200 DPI A4',
      'Canon PowerShot SX432 IS Bridge camera 20.5 MP CCD Black',
    ]);
    expect(canon.slice(2).sort()).toEqual(['Canon C-EXV21 Original', 'Canon KP-36IP']);
    // A query that says more than a brand is read as before: the few specs of a camera are no matter.
    expect(titles('bridge camera')[0]).toBe('Nikon Coolpix B500 Bridge camera Black');
    // Products that state as many attributes each keep their order.
    expect(titles('acme')).toEqual(['Acme A notebook', 'Acme B notebook', 'Acme C notebook']);
  });

  it('reads a number a product says only in a decimal as no match of a model number ("iphone 11")', () => {
    const cases = ['Black', 'Blue', 'Red'].map((c) =>
      product(`Zagg Palette mobile phone case 11.9 cm (4.7") Cover ${c}`, 'Zagg', 'Mobile phone case', 2995, {
        description: 'Palette, For iPhone SE/8/7/6s/6',
      }),
    );
    const items = [
      ...cases,
      product('Macally Holder (iPhone / iPod) Black', 'Macally', 'Holder', 1995),
      product(
        'PanzerGlass ClearCase iPhone XR mobile phone case 15.5 cm (6.1")',
        'PanzerGlass',
        'Mobile phone case',
        2495,
      ),
      product('Acme Game 11 Deluxe', 'Acme', 'Video game', 4995, { description: 'For iPhone and iPad' }),
      // "11" said by more products than "iPhone", as in a real catalog.
      ...['A', 'B', 'C', 'D', 'E', 'F'].map((m) =>
        product(`Zeta ${m} RJ-11 telephone cable`, 'Zeta', 'Cable', 500),
      ),
    ];
    const index = new ProductIndex();
    index.replaceAll(items);
    const titles = (query: string) => index.search(q({ q: query })).hits.map((h) => h.title);
    // "11.9 cm" says no 11: a product that says 11 as a number of its own comes first.
    const eleven = titles('iphone 11');
    expect(eleven[0]).toBe('Acme Game 11 Deluxe');
    // Their description names the iPhone 7: "4.7" is no reason to list them lower.
    expect(
      titles('iphone 7')
        .slice(0, 3)
        .every((t) => t.startsWith('Zagg')),
    ).toBe(true);
    // With no product that says 11 otherwise, the decimals are no match of every word: they come
    // after what says "iPhone", where they came first.
    index.remove(items[5]!.id);
    const alone = titles('iphone 11');
    expect(alone.slice(0, 2).sort()).toEqual([
      'Macally Holder (iPhone / iPod) Black',
      'PanzerGlass ClearCase iPhone XR mobile phone case 15.5 cm (6.1")',
    ]);
    // In any-term matching they are iPhone cases like any other, before the "RJ-11" cables.
    expect(alone.slice(2, 5).every((t) => t.startsWith('Zagg'))).toBe(true);
    // A version is no measurement: "USB 3.0" says 3; "4.7 cm" and "(4.7")" do not.
    const says = (title: string, n: string, description = '') =>
      !decimalsOnly({ title, doc: { description } }, [new RegExp(`(?<![0-9])${n}(?![0-9])`, 'g')]);
    expect(says('Acme USB 3.0 cable 2 m', '3')).toBe(true);
    expect(says('Acme case 11.9 cm (4.7")', '7')).toBe(false);
    expect(says('Acme case 11.9 cm (4.7")', '11')).toBe(false);
    expect(says('Acme case 11.9 cm (4.7")', '11', 'For iPhone 11')).toBe(true);
  });

  it('leaves a size asked for to the any-term pass when no all-terms match says it ("1tb")', () => {
    const items = [
      product('Acme X internal hard drive 3.5" 1500 GB Serial ATA', 'Acme', 'Internal hard drive', 9900, {
        description: '1.5TB, SATA, 7200 rpm',
      }),
      product('Zeta Y internal hard drive 2.5" 1000 GB Serial ATA', 'Zeta', 'Internal hard drive', 7900),
      product('Zeta Z internal hard drive 2.5" 500 GB Serial ATA', 'Zeta', 'Internal hard drive', 5900),
      // "1" and "TB" are common words, as in a real catalog.
      ...['A', 'B', 'C', 'D', 'E', 'F'].map((m) =>
        product(`Omega ${m} USB cable 1 m`, 'Omega', 'Cable', 500),
      ),
      ...['A', 'B', 'C'].map((m) => product(`Omega ${m} NAS 2 TB`, 'Omega', 'NAS', 29900)),
    ];
    const index = new ProductIndex();
    index.replaceAll(items);
    // Only the 1500 GB drive says "1" and "TB" (apart, in "1.5TB"); the 1000 GB drive is 1 TB.
    expect(index.search(q({ q: '1tb hard drive' })).hits[0]!.title).toBe(items[1]!.title);
  });

  it('matches a device word besides the head by the activity the catalog says ("printer paper": printing paper)', () => {
    const items = [
      ...['A', 'B', 'C'].map((m) => product(`Acme ${m} A4 printing paper`, 'Acme', 'Printing paper', 900)),
      product('Zeta P1 printer paper tray', 'Zeta', 'Paper tray', 2900),
      product('Zeta P2 printer 600 x 600 DPI with paper feeder', 'Zeta', 'Printer', 19900),
      ...['X', 'Y'].map((m) => product(`Omega ${m} printer`, 'Omega', 'Printer', 9900)),
    ];
    const index = new ProductIndex();
    index.replaceAll(items);
    const titles = index.search(q({ q: 'printer paper' })).hits.map((h) => h.title);
    expect(titles.slice(0, 3).every((t) => t.endsWith('printing paper'))).toBe(true);
    // The head is read as typed: "printing" is no printer.
    expect(index.search(q({ q: 'printer' })).hits.every((h) => !h.title.endsWith('printing paper'))).toBe(
      true,
    );
  });

  it('reads a type named by its learnt kinds as the head before a model number ("hp ink 302")', () => {
    const items = [
      // "Toner" heads 5 products and its kind "Toner cartridge" 5 more: a type of 10.
      ...[1, 2, 3, 4, 5].flatMap((i) => toners(i)),
      product('Zeta DCB-30 camera case Pink', 'Zeta', 'Camera case', 1395),
      product('Zeta DCB-31 camera case Black', 'Zeta', 'Camera case', 1395),
    ];
    const index = new ProductIndex();
    index.replaceAll(items);
    const hits = index.search(q({ q: 'acme toner 30' })).hits;
    // No Acme toner says 30: Acme's toners, not another brand's "30".
    expect(hits[0]!.brand).toBe('Acme');
    expect(hits.some((h) => h.brand === 'Zeta')).toBe(false);
  });

  it('ranks all-terms matches first and relaxes to any term when they are few', () => {
    const { index } = catalog();
    const res = index.search(q({ q: 'sony headphones' }));
    expect(res.hits[0]!.title).toBe('Sony WH-1000XM4 Wireless Noise Cancelling Headphones');
    // The other Sony product and the other headphones follow, below the all-terms match.
    expect(res.hits.slice(1).map((h) => h.title)).toContain('Sony SRS-XB13 Bluetooth Speaker');
    expect(res.hits.slice(1).every((h) => h.score < res.hits[0]!.score)).toBe(true);
    const relaxed = index.search(q({ q: 'sony toaster' }));
    expect(relaxed.hits.map((h) => h.brand)).toEqual(['Sony', 'Sony']);
  });

  it('relaxes to products that match the head or the words that say most, not a common word alone', () => {
    const index = new ProductIndex();
    const items = [
      ...Array.from({ length: 40 }, (_, n) => product(`Acme A${n} toaster White`, 'Acme', 'Toaster', 2500)),
      ...Array.from({ length: 3 }, (_, n) =>
        product(`Acme ZenBook ${n} notebook`, 'Acme', 'Notebook', 90000),
      ),
      product('Zed Z9 lamp 840 lumen', 'Zed', 'Lamp', 3000),
    ];
    index.replaceAll(items);
    // No product says all three: the ZenBooks and the "840" lamp match, not every Acme toaster.
    const relaxed = index.search(q({ q: 'acme zenbook 840' }));
    expect(relaxed.total).toBe(4);
    expect(relaxed.facets.brand).toEqual([
      { value: 'Acme', count: 3 },
      { value: 'Zed', count: 1 },
    ]);
    // The head alone is always a match ("toaster" of "zenbook toaster").
    expect(index.search(q({ q: 'zenbook toaster' })).total).toBe(43);
  });

  it('ranks the product a query names above accessories for it, and exact phrases first', () => {
    const index = new ProductIndex();
    index.replaceAll([
      product('Acme Sleeve for Tablet 10 inch', 'Acme', 'Tablet case', 1900),
      product('Acme Tab 10 tablet 64 GB', 'Acme', 'Tablet', 19900),
      product('Hub Co 4 port hub with USB power', 'Hub Co', 'Hub', 2500),
      product('Hub Co 4 port USB hub', 'Hub Co', 'Hub', 2500),
    ]);
    expect(index.search(q({ q: 'tablet' })).hits[0]!.category).toBe('Tablet');
    expect(index.search(q({ q: 'usb hub' })).hits[0]!.title).toBe('Hub Co 4 port USB hub');
  });

  it('takes the last query word as what the shopper wants ("tablet case": a case, not a tablet)', () => {
    const index = new ProductIndex();
    index.replaceAll([
      product('Acme Tab tablet case bundle', 'Acme', 'Tablet', 19900),
      product('Zed Folio Pro Leather Protective Tablet Case', 'Zed', 'Tablet case', 1900),
    ]);
    expect(index.search(q({ q: 'tablet case' })).hits.map((h) => h.category)).toEqual([
      'Tablet case',
      'Tablet',
    ]);
    expect(index.search(q({ q: 'tablet' })).hits.map((h) => h.category)).toEqual(['Tablet', 'Tablet case']);
  });

  it('matches two query words the catalog writes as one ("head set": headsets)', () => {
    const index = new ProductIndex();
    const headset = product('Logitech H390 USB Headset', 'Logitech', 'Headset', 3999);
    const powerbank = product('Anker PowerBank 10000 mAh', 'Anker', 'Power banks', 2999);
    index.replaceAll([
      product('Styling Head Doll set', 'Toyco', 'Doll set', 1999),
      headset,
      powerbank,
      product('Garden hose set', 'Gardena', 'Hoses', 999),
    ]);
    expect(index.search(q({ q: 'head set' })).hits[0]?.id).toBe(headset.id);
    expect(index.search(q({ q: 'power bank' })).hits[0]?.id).toBe(powerbank.id);
    // Joined only when the catalog knows the joined word: "garden hose" stays two words.
    expect(index.search(q({ q: 'garden hose' })).hits.map((h) => h.brand)).toEqual(['Gardena']);
  });

  it('relaxes to any word without completions or one-character words', () => {
    const { index, items } = catalog();
    const frames = Array.from({ length: 12 }, (_, i) =>
      product(`Photo frame 10 x ${20 + i} cm`, 'Ikea', 'Frames', 999),
    );
    index.replaceAll([...items, product('Apple iPhone 11 Silicone Case', 'Apple', 'Cases', 3900), ...frames]);
    // Nothing has both words: the relaxed matches are the iPhone case, not every "10 x 20".
    expect(index.search(q({ q: 'iphone x' })).hits.map((h) => h.brand)).toEqual(['Apple']);
    // "head" completes to "headphones" only while every word must match (as-you-type).
    const sonyHead = index.search(q({ q: 'sony head', pageSize: 50 })).hits.map((h) => h.brand);
    expect(sonyHead[0]).toBe('Sony');
    expect(sonyHead).not.toContain('Bose');
  });

  it('indexes the words a query can say: split at every mark, as queries are', () => {
    const index = new ProductIndex();
    const items = [
      product('Acme 2 m USB 2.0 Cable A to B', 'Acme', 'Cable', 900),
      product('Acme 2 m SuperSpeed USB 3.0 Cable A to B', 'StarTech.com', 'Cable', 900),
      product('Zed Screen protector Mobile phone/Smartphone', 'Zed', 'Screen protector', 900),
      product('Orbit monitor 68.6 cm (27") 2560 x 1440 pixels', 'Orbit', 'Monitor', 20000),
    ];
    index.replaceAll(items);
    const first = (query: string) => index.search(q({ q: query })).hits[0]?.id;
    // Lunr's own tokenizer kept "3.0", "phone/smartphone", "68.6" and "startech.com" whole,
    // words no query could say.
    expect(first('usb 3.0 cable')).toBe(items[1]!.id);
    expect(first('smartphone')).toBe(items[2]!.id);
    expect(first('monitor 68')).toBe(items[3]!.id);
    expect(first('startech usb')).toBe(items[1]!.id);
  });

  it('reads an inch mark as "inch", and a number with its unit written on as two words', () => {
    const index = new ProductIndex();
    const items = [
      product('Orbit O1 monitor 54.6 cm (21.5") Black', 'Orbit', 'Monitor', 15000),
      product('Orbit O2 monitor 68.6 cm (27") Black', 'Orbit', 'Monitor', 20000),
      product('Kappa memory card 64 GB SD', 'Kappa', 'Memory card', 1500),
      product('Kappa memory card 128GB SD', 'Kappa', 'Memory card', 2500),
    ];
    index.replaceAll(items);
    const first = (query: string) => index.search(q({ q: query })).hits[0]?.id;
    for (const query of ['27 inch monitor', 'monitor 27in', '27inch monitor'])
      expect(first(query), query).toBe(items[1]!.id);
    expect(first('64gb card')).toBe(items[2]!.id);
    expect(first('card 128 gb')).toBe(items[3]!.id);
    // Typed partway ("128g"), the joined word is completed; marked whole in the title.
    expect(first('card 128g')).toBe(items[3]!.id);
    expect(index.search(q({ q: 'card 128gb' })).hits[0]!.highlights.title).toContain('<mark>128GB</mark>');
    // The mark is read as a word of its own, not glued to the next one ('27"Curved').
    index.upsert({
      ...product('Orbit O3 display 68.6 cm (27"Curved) Black', 'Orbit', 'Monitor', 1),
      ordinal: 9,
    });
    expect(index.search(q({ q: 'curved display' })).total).toBe(1);
  });

  it('finds a word written with a hyphen as written joined, and the other way round', () => {
    const index = new ProductIndex();
    const items = [
      product('Acme R1 Wi-Fi router', 'Acme', 'Router', 5000),
      product('Acme A1 WiFi adapter', 'Acme', 'Adapter', 2000),
      product('Acme C1 cable 2-pack', 'Acme', 'Cable', 900),
    ];
    index.replaceAll(items);
    const ids = (query: string) =>
      index
        .search(q({ q: query }))
        .hits.map((h) => h.id)
        .sort();
    expect(ids('wifi')).toEqual([items[0]!.id, items[1]!.id].sort());
    expect(ids('wi-fi')).toEqual([items[0]!.id, items[1]!.id].sort());
    expect(ids('wi fi')).toEqual([items[0]!.id, items[1]!.id].sort());
    // The highlight marks what was searched, however the title writes it.
    const marked = (query: string) =>
      index
        .search(q({ q: query }))
        .hits.map((h) => h.highlights.title)
        .sort();
    expect(marked('wifi')).toEqual([
      'Acme A1 <mark>WiFi</mark> adapter',
      'Acme R1 <mark>Wi-Fi</mark> router',
    ]);
    expect(marked('wif')).toEqual(['Acme A1 <mark>WiFi</mark> adapter', 'Acme R1 <mark>Wi-Fi</mark> router']);
  });

  it('reads a chain of hyphenated words as one word, not as pairs', () => {
    const index = new ProductIndex();
    const items = [
      product('Acme all-in-one PC 24"', 'Acme', 'PC', 50000),
      product('Acme plug-and-play webcam', 'Acme', 'Webcam', 3000),
      // Longer than any word: not a word.
      product(`Acme ${'long-'.repeat(10)}word`, 'Acme', 'Cable', 100),
    ];
    index.replaceAll(items);
    const ids = (query: string) => index.search(q({ q: query })).hits.map((h) => h.id);
    expect(ids('allinone')).toEqual([items[0]!.id]);
    expect(ids('plugandplay')).toEqual([items[1]!.id]);
    expect(index.search(q({ q: 'plugandplay' })).hits[0]!.highlights.title).toBe(
      'Acme <mark>plug-and-play</mark> webcam',
    );
    // Typed on, the chain completes ("allin"); its pairs are no words.
    expect(ids('allin')).toEqual([items[0]!.id]);
    for (const pair of ['inone', 'andplay']) expect(ids(pair)).toEqual([]);
    expect(ids('longlonglonglonglonglonglonglonglonglongword')).toEqual([]);
    expect(ids('long word')).toEqual([items[2]!.id]);
  });

  it('reads thousands written with commas as one number, and more units written on', () => {
    const index = new ProductIndex();
    const items = [
      product('Volt power bank 10,000 mAh Black', 'Volt', 'Power bank', 2500),
      product('Volt power bank 5000 mAh Black', 'Volt', 'Power bank', 1500),
      product('Link HDMI cable 10 ft Black', 'Link', 'Cable', 900),
      product('Link HDMI cable 3 ft Black', 'Link', 'Cable', 700),
      // A decimal comma is no thousands separator.
      product('Roll paper 30,5 m matte', 'Roll', 'Paper', 700),
    ];
    index.replaceAll(items);
    const first = (query: string) => index.search(q({ q: query })).hits[0]?.id;
    expect(first('10000mah power bank')).toBe(items[0]!.id);
    expect(first('power bank 10000 mah')).toBe(items[0]!.id);
    expect(first('hdmi cable 10ft')).toBe(items[2]!.id);
    expect(first('paper 30 m')).toBe(items[4]!.id);
    // Marked as the title writes it.
    expect(index.search(q({ q: '10000mah power bank' })).hits[0]!.highlights.title).toBe(
      'Volt <mark>power</mark> <mark>bank</mark> <mark>10,000</mark> <mark>mAh</mark> Black',
    );
    expect(index.search(q({ q: '305' })).total).toBe(0);
    // A list of numbers is no number: "10,100,1000 Mbit/s" says 100.
    index.upsert({ ...product('Link switch 10,100,1000 Mbit/s', 'Link', 'Switch', 5000), ordinal: 9 });
    expect(index.search(q({ q: 'switch 100' })).total).toBe(1);
  });

  it('leaves three-letter words unstemmed: "ups" is no plural of "up"; "tvs" is of "tv"', () => {
    const index = new ProductIndex();
    const items = [
      product('Volt Smart UPS 750 VA', 'Volt', 'Uninterruptible power supply', 30000),
      product('Link VGA to HDMI converter, supports up to 1080p', 'Link', 'Converter', 2500),
      ...Array.from({ length: 12 }, (_, m) =>
        product(`Vista V${m} LED TV 32" Black`, 'Vista', 'Television', 25000),
      ),
      product('Mount wall mount for TVs', 'Mount', 'Wall mount', 2000),
    ];
    index.replaceAll(items);
    expect(index.search(q({ q: 'ups' })).hits.map((h) => h.id)).toEqual([items[0]!.id]);
    // The catalog says "tv" far more often than "tvs": the shopper's plural is the word.
    expect(index.search(q({ q: 'tvs' })).total).toBe(13);
    // What was searched is what is marked.
    expect(index.search(q({ q: 'vista tvs' })).hits[0]!.highlights.title).toMatch(
      /^<mark>Vista<\/mark> V\d+ LED <mark>TV<\/mark> 32&quot;/,
    );
    // "UPS" is searched as typed: its "up" is no match.
    expect(index.search(q({ q: 'ups' })).hits[0]!.highlights.title).toBe(
      'Volt Smart <mark>UPS</mark> 750 VA',
    );
    const mount = index.search(q({ q: 'tv wall mount' })).hits[0]!;
    expect(mount.highlights.title).toBe(
      '<mark>Mount</mark> <mark>wall</mark> <mark>mount</mark> for <mark>TVs</mark>',
    );
  });

  it('reads irregular plurals as their word ("mice": mouse)', () => {
    const index = new ProductIndex();
    const items = [
      product('Point wireless mouse Black', 'Point', 'Mouse', 1500),
      product('Print MICR toner Black', 'Print', 'Toner', 9000),
    ];
    index.replaceAll(items);
    const mice = index.search(q({ q: 'wireless mice' }));
    expect(mice.hits.map((h) => h.id)).toEqual([items[0]!.id]);
    expect(mice.hits[0]!.highlights.title).toBe('Point <mark>wireless</mark> <mark>mouse</mark> Black');
  });

  it('stems, completes prefixes from three characters and tolerates typos', () => {
    const { index } = catalog();
    expect(index.search(q({ q: 'laptops' })).hits.map((h) => h.brand)).toContain('Lenovo');
    expect(index.search(q({ q: 'headp' })).total).toBe(3);
    expect(index.search(q({ q: 'sony headp' })).hits[0]!.category).toBe('Headphones');
    expect(index.search(q({ q: 'speker' })).hits.every((h) => h.category === 'Speakers')).toBe(true);
    expect(index.search(q({ q: 'speker' })).total).toBe(2);
  });

  it('reads an untyped title by the last known type word in it', () => {
    const index = new ProductIndex();
    const typed = ['Acme', 'Zed'].flatMap((brand) =>
      Array.from({ length: 5 }, (_, i) => [
        product(`${brand} H${i} USB hub`, brand, 'Hub', 2000),
        product(`${brand} C${i} USB cable`, brand, 'Cable', 500),
      ]).flat(),
    );
    // Neither has a category; the first names a hub last, the second a cable.
    const hub = product('Qux Mini 4 Port USB Hub', 'Qux', 'Other', 1500);
    const cable = product('Qux USB Hub Cable', 'Qux', 'Other', 900);
    index.replaceAll([...typed, cable, hub]);
    const ids = index.search(q({ q: 'usb hub', pageSize: 50 })).hits.map((h) => h.id);
    expect(ids.indexOf(hub.id)).toBeLessThan(ids.indexOf(cable.id));
  });

  it("reads a title of codes by the name its description gives: the name's type and words", () => {
    const index = new ProductIndex();
    const typed = ['Acme', 'Zed'].flatMap((brand) =>
      Array.from({ length: 5 }, (_, i) => [
        product(`${brand} S${i} notebook stand`, brand, 'Notebook stand', 2000),
        product(`${brand} C${i} USB cable`, brand, 'Cable', 500),
      ]).flat(),
    );
    // Both say the words in their description only, as often; the second's is its name.
    const prose = product('Qux W008C Black', 'Qux', 'Other', 900, { description: 'Your laptop stand' });
    const named = product('Qux W009C Black', 'Qux', 'Other', 900, { description: 'Laptop Stand XL, 2 kg' });
    index.replaceAll([...typed, prose, named]);
    const ids = index.search(q({ q: 'laptop stand', pageSize: 50 })).hits.map((h) => h.id);
    expect(ids.indexOf(named.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(named.id)).toBeLessThan(ids.indexOf(prose.id));
  });

  it('relaxes to products of the type the query names before products of its other words', () => {
    const index = new ProductIndex();
    const keyboards = Array.from({ length: 12 }, (_, i) =>
      product(`Acme K${i} keyboard USB QWERTY Black`, 'Acme', 'Keyboard', 2000),
    );
    const gaming = product('Zed Gaming keyboard', 'Zed', 'Keyboard', 9000);
    // Say "games" (stemmed as "gaming" is) twice: a text match as strong as a keyboard's.
    const games = Array.from({ length: 5 }, (_, i) =>
      product(
        `Spin Master Games Perplexus ${i}, 3D Maze Game with 100 Obstacles`,
        'Spin Master',
        'Other',
        1500,
      ),
    );
    const cables = Array.from({ length: 80 }, (_, i) =>
      product(`Orbit C${i} USB cable 2 m`, 'Orbit', 'Cable', 500),
    );
    index.replaceAll([...games, ...keyboards, gaming, ...cables]);
    const hits = index.search(q({ q: 'gaming keyboard', pageSize: 20 })).hits;
    expect(hits[0]!.id).toBe(gaming.id);
    // Fewer than RELAX_BELOW match both words: any-term matches follow, keyboards first.
    expect(hits.slice(1, 13).every((h) => h.category === 'Keyboard')).toBe(true);
    expect(hits.slice(13).map((h) => h.brand)).toEqual(Array(5).fill('Spin Master'));
  });

  it('relaxes to products of the rare query word before those of the common one', () => {
    const index = new ProductIndex();
    // "pro" is in many titles, "ps4" in a few descriptions: nothing says both.
    const pcs = Array.from({ length: 60 }, (_, i) => product(`Acme Pro ${i} PC`, 'Acme', 'Other', 50000));
    const games = Array.from({ length: 3 }, (_, i) =>
      product(`Sony Quest ${i} video game`, 'Sony', 'Video game', 6000, {
        description: 'An adventure for PS4 and PS5 owners, with a long story and many side quests.',
      }),
    );
    index.replaceAll([...pcs, ...games]);
    const hits = index.search(q({ q: 'ps4 pro', pageSize: 10 })).hits;
    expect(hits.slice(0, 3).map((h) => h.brand)).toEqual(['Sony', 'Sony', 'Sony']);
  });

  it('gives no share of the query to a word with a typo (its IDF as typed is the highest)', () => {
    const index = new ProductIndex();
    const gadgets = Array.from({ length: 60 }, (_, i) => product(`Acme Gadget ${i}`, 'Acme', 'Other', 5000));
    const rare = Array.from({ length: 3 }, (_, i) =>
      product(`Nu Thing ${i}`, 'Nu', 'Other', 6000, { description: 'A quantum thing for the desk.' }),
    );
    index.replaceAll([...gadgets, ...rare]);
    // "gadgez" is in no product: its typo expansion "gadget" must not count as the rarest word.
    const hits = index.search(q({ q: 'quantum gadgez', pageSize: 100 })).hits;
    expect(hits.slice(0, 3).map((h) => h.brand)).toEqual(['Nu', 'Nu', 'Nu']);
    expect(hits).toHaveLength(63);
  });

  it('splits off what a title says the product fits only after a word for what it is', () => {
    const toner = toIndexedDoc(product('DELL Toner f/ 7330dn Original Black', 'DELL', 'Toner', 9000));
    expect([toner.title, toner.fits]).toEqual(['DELL Toner', ' f/ 7330dn Original Black']);
    // Brand and model code alone say nothing: the product is named after "For".
    const shell = toIndexedDoc(product('Philips DLM63090 For iPhone 3G SlimShell', 'Philips', 'Other', 900));
    expect([shell.title, shell.fits]).toEqual(['Philips DLM63090 For iPhone 3G SlimShell', '']);
  });

  it('indexes what a product is for (usage attributes) as what it fits, not in its title or type', () => {
    const attributes = { 'recommended usage': 'Gaming', 'component for': 'PC/notebook', colour: 'Red' };
    const keyboard = product('Zeta Z510K keyboard USB Black', 'Zeta', 'Keyboard', 9000, { attributes });
    expect(toIndexedDoc(keyboard).fits).toBe('PC/notebook Gaming');
    // After the title's own "for …".
    const toner = toIndexedDoc(
      product('DELL Toner f/ 7330dn', 'DELL', 'Toner', 9000, { attributes: { purpose: 'Office' } }),
    );
    expect([toner.title, toner.fits]).toEqual(['DELL Toner', ' f/ 7330dn Office']);
    // Codes and sentences are no usage.
    const odd = { purpose: 'ABC-123', 'suitable for': 'x'.repeat(41) };
    expect(toIndexedDoc(product('Zeta Z1 mouse', 'Zeta', 'Mouse', 900, { attributes: odd })).fits).toBe('');
    // "gaming keyboard": the keyboard whose usage says gaming before plain keyboards; it stays a
    // keyboard, typed by its category and title alone (its usage says PC, it is no PC).
    const plain = product('Acme K100 keyboard USB Black', 'Acme', 'Keyboard', 2000);
    const board = product('Zeta Gaming board game', 'Zeta', 'Board game', 2000);
    const index = new ProductIndex();
    index.replaceAll([plain, board, keyboard]);
    expect(index.search(q({ q: 'gaming keyboard' })).hits[0]!.id).toBe(keyboard.id);
    expect(index.search(q({ q: 'pc' })).hits.map((h) => h.id)).toEqual([keyboard.id]);
  });

  it("reads Icecat's count of pieces, '1 pc(s)', as pieces, not as a PC", () => {
    const index = new ProductIndex();
    const toner = product('DELL Toner f/ 7330dn Original Black 1 pc(s)', 'DELL', 'Toner', 9000);
    const pc = product('HP rp5700 Desktop PC', 'HP', 'Other', 50000);
    index.replaceAll([toner, pc]);
    expect(index.search(q({ q: 'pc' })).hits.map((h) => h.id)).toEqual([pc.id]);
    expect(index.search(q({ q: 'pieces' })).hits.map((h) => h.id)).toEqual([toner.id]);
    // "PC(s)" without a count before it is left as written.
    expect(toIndexedDoc(product('Acme PC(s) cable', 'Acme', 'Cable', 900)).title).toBe('Acme PC(s) cable');
  });

  it('gives an accessory no phrase factor for naming what it is for', () => {
    const index = new ProductIndex();
    const camera = product('Canon IXUS 105 compact camera 12.1 MP', 'Canon', 'Camera', 12000);
    // Its title says "Canon Camera" side by side because it starts with the brand and is for one.
    const cable = product(
      'Canon Camera interface cable IFC-200U camera cable',
      'Canon',
      'Camera cable',
      1500,
    );
    index.replaceAll([camera, cable]);
    expect(index.search(q({ q: 'canon camera' })).hits.map((h) => h.id)).toEqual([camera.id, cable.id]);
  });

  it('counts a rare completion of a word the catalog knows no more than the word', () => {
    const index = new ProductIndex();
    const cables = Array.from({ length: 30 }, (_, i) =>
      product(`Acme C${i} USB 2.0 A/B cable 2 m shielded braided black`, 'Acme', 'Cable', 900),
    );
    const saver = product('Kensington CableSaver', 'Kensington', 'Other', 900);
    index.replaceAll([...cables, saver]);
    // Typed partway ("cabl", the stem of "cable"), the prefix finds the CableSaver too; it comes
    // after what says "cable".
    const hits = index.search(q({ q: 'cabl', pageSize: 50 })).hits;
    expect(hits.map((h) => h.id)).toContain(saver.id);
    expect(hits[hits.length - 1]!.id).toBe(saver.id);
    // The word itself, which titles say, is searched as a word: no CableSaver.
    expect(index.search(q({ q: 'cable', pageSize: 50 })).hits.map((h) => h.id)).not.toContain(saver.id);
  });

  it('completes a last word only when titles do not say it as it is, and never a number', () => {
    const index = new ProductIndex();
    const printers = Array.from({ length: 12 }, (_, i) =>
      product(`Acme P${i} printer inkjet printer Colour A4`, 'Acme', 'Inkjet printer', 9000),
    );
    const inks = [
      product('Acme 12 ink cartridge Black', 'Acme', 'Ink cartridge', 1500),
      product('Zed 14 ink cartridge Cyan for printer', 'Zed', 'Ink cartridge', 1500),
    ];
    const laser = product('Hype LaserJet 3055 printer', 'Hype', 'Printer', 30000);
    const toner = product('Hype 305 toner cartridge Black', 'Hype', 'Toner cartridge', 5000);
    index.replaceAll([...printers, ...inks, laser, toner]);
    const ids = (query: string) => index.search(q({ q: query, pageSize: 50 })).hits.map((h) => h.id);
    // "ink" is a word of the titles: not the start of "inkjet", so the printers do not say every word.
    expect(ids('printer ink').slice(0, 1)).toEqual([inks[1]!.id]);
    expect(ids('printer ink')).not.toContain(printers[0]!.id);
    // A number is a model number, not the start of a longer one.
    expect(ids('hype 305')[0]).toBe(toner.id);
    // A prefix no title says as it is is still completed, as typed: "ink" as "inkj".
    expect(ids('printer inkj')).toContain(printers[0]!.id);
  });

  it("ranks a product of another query word's type below the type the head names", () => {
    const index = new ProductIndex();
    const printers = Array.from({ length: 10 }, (_, i) =>
      product(`Acme L${i} laser printer with printer paper tray`, 'Acme', 'Printer', 20000),
    );
    const papers = Array.from({ length: 10 }, (_, i) =>
      product(`Zed A4 photo paper ${i + 1}0 sheets for printer`, 'Zed', 'Paper', 900),
    );
    index.replaceAll([...printers, ...papers]);
    // "printer paper" asks for paper: a printer is its context, however well its title matches.
    const hits = index.search(q({ q: 'printer paper', pageSize: 20 })).hits;
    expect(hits.slice(0, 10).map((h) => h.category)).toEqual(Array(10).fill('Paper'));
  });

  it('reads a title that says the head word before its own type word as an accessory', () => {
    const index = new ProductIndex();
    const ups = Array.from({ length: 6 }, (_, i) =>
      product(
        `Acme Smart-UPS ${i + 5}00 VA uninterruptible power supply (UPS) ${i + 3}00 W`,
        'Acme',
        'Power supply',
        30000,
      ),
    );
    const cards = Array.from({ length: 10 }, (_, i) =>
      product(`Acme UPS Network Management Card ${i}`, 'Acme', 'Card', 20000),
    );
    const desktops = Array.from({ length: 3 }, (_, i) =>
      product(`Acme D${i} Desktop PC`, 'Acme', 'PC', 50000),
    );
    index.replaceAll([...cards, ...ups, ...desktops]);
    // A card for a UPS, not a UPS: the UPSes first.
    const hits = index.search(q({ q: 'acme ups', pageSize: 20 })).hits;
    expect(hits.slice(0, 6).map((h) => h.category)).toEqual(Array(6).fill('Power supply'));
    // Right before its type word, the head names a kind of it: a Desktop PC is a desktop.
    expect(index.search(q({ q: 'desktop' })).hits.map((h) => h.category)).toEqual(Array(3).fill('PC'));
  });

  it('completes what was typed, not its stem', () => {
    const index = new ProductIndex();
    const appliance = product('APC NetBotz 420 Rack Appliance', 'APC', 'Rack appliance', 90000);
    const cable = product('Philips Apple 30-pin cable', 'Philips', 'Cable', 900);
    index.replaceAll([appliance, cable]);
    // "apple" is stemmed "appl", the start of "applianc": the word typed in full is no prefix of it.
    expect(index.search(q({ q: 'apple' })).hits.map((h) => h.id)).toEqual([cable.id]);
    // As the word is typed, its start completes to both.
    expect(
      index
        .search(q({ q: 'appl' }))
        .hits.map((h) => h.id)
        .sort(),
    ).toEqual([appliance.id, cable.id].sort());
  });

  it('counts a word once, not again through its completions', () => {
    const index = new ProductIndex();
    const plain = product('Zed 8 port network switch', 'Zed', 'Switch', 5000);
    // Says the word and a longer word that starts with it: one match, not two.
    const both = product('Acme SwitchView 8 port KVM switch', 'Acme', 'Switch', 5000);
    const completed = product('Orbit Switchable power strip', 'Orbit', 'Power strip', 2000);
    index.replaceAll([both, completed, plain]);
    const ids = index.search(q({ q: 'switch' })).hits.map((h) => h.id);
    expect(ids.indexOf(plain.id)).toBeLessThan(ids.indexOf(both.id));
    // A word titles say is searched as it is, not also as the start of "switchable".
    expect(ids).not.toContain(completed.id);
    // A prefix still matches through its completions.
    expect(index.search(q({ q: 'swi' })).total).toBe(3);
  });

  it('filters by brand, category, price and stock, with facets over the whole match set', () => {
    const { index } = catalog();
    const all = index.search(q({ q: 'speaker', pageSize: 1 }));
    expect(all.total).toBe(2);
    expect(all.hits).toHaveLength(1);
    expect(all.facets.brand).toEqual([
      { value: 'JBL', count: 1 },
      { value: 'Sony', count: 1 },
    ]);
    const sony = index.search(q({ q: 'speaker', brand: 'Sony' }));
    expect(sony.hits.map((h) => h.brand)).toEqual(['Sony']);
    // A facet ignores its own filter, so the other brands stay visible to switch to.
    expect(sony.facets.brand.map((b) => b.value).sort()).toEqual(['JBL', 'Sony']);
    expect(index.search(q({ q: '', category: 'Headphones' })).total).toBe(2);
    expect(
      index
        .search(q({ q: '', minPrice: '5000', maxPrice: '30000' }))
        .hits.map((h) => h.price.amount)
        .sort((a, b) => a - b),
    ).toEqual([9900, 27900]);
    expect(index.search(q({ q: 'speaker', inStock: 'true' })).total).toBe(1);
    const price = index.search(q({ q: '' })).facets.price;
    expect(price.reduce((s, b) => s + b.count, 0)).toBe(6);
    // The price ranges, too, ignore the price filter: a shopper can switch to another range.
    const ranged = index.search(q({ q: '', minPrice: '5000', maxPrice: '30000' }));
    expect(ranged.total).toBe(2);
    expect(ranged.facets.price).toEqual(price);
    // They count what the other filters keep.
    const sonyRanged = index.search(q({ q: '', brand: 'Sony', minPrice: '5000', maxPrice: '30000' }));
    const sonyPrice = index.search(q({ q: '', brand: 'Sony' })).facets.price;
    expect(sonyRanged.facets.price).toEqual(sonyPrice);
    expect(sonyPrice.reduce((s, b) => s + b.count, 0)).toBe(index.search(q({ q: '', brand: 'Sony' })).total);
  });

  it('filters by a brand or category however its case and spacing are written', () => {
    const { index } = catalog();
    const exact = index.search(q({ q: 'speaker', brand: 'Sony' }));
    expect(exact.total).toBe(1);
    for (const brand of ['sony', 'SONY', ' Sony ', 'Ｓｏｎｙ']) {
      const r = index.search(q({ q: 'speaker', brand }));
      expect(r.hits.map((h) => h.brand)).toEqual(['Sony']);
      // The facets still name the brand as the catalog writes it, with the same counts.
      expect(r.facets).toEqual(exact.facets);
    }
    expect(index.search(q({ q: '', category: 'headphones' })).total).toBe(2);
    expect(index.search(q({ q: '', category: 'head  phones' })).total).toBe(0);
    expect(index.search(q({ q: 'speaker', brand: 'Son' })).total).toBe(0);
  });

  it('sorts by price and newest and pages in a stable order', () => {
    const { index } = catalog();
    const asc = index.search(q({ q: '', sort: 'price_asc' })).hits.map((h) => h.price.amount);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    const desc = index.search(q({ q: '', sort: 'price_desc' })).hits.map((h) => h.price.amount);
    expect(desc).toEqual([...asc].reverse());
    const newest = index.search(q({ q: '', sort: 'newest', pageSize: 1 }));
    expect(newest.hits[0]!.title).toMatch(/Anker/);
    const pages = [1, 2, 3].flatMap((page) =>
      index.search(q({ q: '', page, pageSize: 2 })).hits.map((h) => h.id),
    );
    expect(new Set(pages).size).toBe(6);
  });

  it('sorts newest by the day a product came out, else by when the shop added it', () => {
    const index = new ProductIndex();
    const old = product('Acme lamp 2019', 'Acme', 'Lamp', 1000, { attributes: { released: '2019-05-01' } });
    const fresh = product('Acme lamp 2024', 'Acme', 'Lamp', 1000, { attributes: { released: '2024-02-01' } });
    const undated = product('Acme lamp new', 'Acme', 'Lamp', 1000, { createdAt: Date.parse('2025-01-01') });
    const garbled = product('Acme lamp odd', 'Acme', 'Lamp', 1000, { attributes: { released: 'soon' } });
    // Added in this order: the old one last, as an import of files in any order would.
    index.replaceAll([fresh, garbled, undated, old]);
    const order = index.search(q({ q: 'lamp', sort: 'newest' })).hits.map((h) => h.id);
    expect(order).toEqual([undated.id, fresh.id, old.id, garbled.id]);
  });

  it('highlights matched words in HTML-escaped titles', () => {
    const index = new ProductIndex();
    index.replaceAll([product('Fish & Chips <Deluxe> Headphones', 'Acme', 'Headphones', 100)]);
    expect(index.search(q({ q: 'headphone' })).hits[0]!.highlights.title).toBe(
      'Fish &amp; Chips &lt;Deluxe&gt; <mark>Headphones</mark>',
    );
  });

  it('marks a number with its unit written on by the joined term as well as by its parts', () => {
    // "32gb" is how a corrected word or a completion can name it.
    expect(highlight('Kappa 32GB card', ['32gb', 'card'])).toBe('Kappa <mark>32GB</mark> <mark>card</mark>');
    expect(highlight('Kappa 32GB card', ['32', 'gb'])).toBe('Kappa <mark>32GB</mark> card');
    expect(highlight('Kappa 32GB card', ['32'])).toBe('Kappa 32GB card');
  });

  it('never passes query syntax to Lunr and never throws on odd input', () => {
    const { index } = catalog();
    for (const text of [
      'title:sony',
      'sony~2',
      'sony^10',
      'son*',
      '+sony -bose',
      '"sony',
      '🎧🎧',
      '\u0000\u001f',
      ':',
      '*',
      'a'.repeat(500),
      '- + ~ ^',
    ]) {
      expect(() => index.search(q({ q: text })), text).not.toThrow();
    }
    expect(index.search(q({ q: 'title:sony' })).hits.every((h) => h.brand === 'Sony')).toBe(true);
  });

  it('sees upserts and removals at once, through a delta segment and tombstones', () => {
    const { index, items } = catalog();
    const generation = index.generation;
    index.upsert({ ...items[0]!, title: 'Sony Studio Monitor Headphones' });
    index.upsert(product('Marshall Major IV Headphones', 'Marshall', 'Headphones', 12900));
    index.remove(items[1]!.id);
    expect(index.generation).toBeGreaterThan(generation);
    const res = index.search(q({ q: 'headphones' }));
    // Bose is gone; Lenovo matches through "headphone jack" in its description.
    expect(res.hits.map((h) => h.brand).sort()).toEqual(['Lenovo', 'Marshall', 'Sony']);
    expect(res.hits[res.hits.length - 1]!.brand).toBe('Lenovo');
    expect(index.search(q({ q: 'studio' })).hits.map((h) => h.id)).toEqual([items[0]!.id]);
    expect(index.search(q({ q: 'wireless noise' })).total).toBe(0);
    expect(index.size).toBe(6);
  });

  it('folds a large delta into a new base without losing a product', () => {
    const index = new ProductIndex({ maxDelta: 3 });
    index.replaceAll([]);
    for (let i = 0; i < 10; i++) index.upsert(product(`Widget number${i}`, 'Acme', 'Widgets', 100 + i));
    expect(index.search(q({ q: 'widget', pageSize: 50 })).total).toBe(10);
    expect(index.search(q({ q: 'number7' })).total).toBe(1);
  });

  it('serves repeated queries from its cache until something changes', () => {
    const { index, items } = catalog();
    const first = index.search(q({ q: 'speaker' }));
    expect(index.search(q({ q: 'SPEAKER!' })).hits).toBe(first.hits);
    index.upsert({ ...items[3]!, price: { amount: 100, currency: 'USD' } });
    expect(index.search(q({ q: 'speaker' })).hits).not.toBe(first.hits);
  });

  it('completes a size with what the products of that size are, not the unit with other words', () => {
    const index = new ProductIndex();
    const card = (n: number, size: number) =>
      product(`Kappa K${n} ${size} GB card SD Black`, 'Kappa', 'Memory card', 1500);
    const items = [
      ...Array.from({ length: 12 }, (_, n) => card(n, n < 6 ? 64 : 32)),
      product('Orbit 64 GB Black', 'Orbit', 'Smartphone', 20000),
      product('Orbit 64 GB Blue', 'Orbit', 'Smartphone', 20000),
      product('Orbit 32 GB Blue', 'Orbit', 'Smartphone', 20000),
      // Untyped: no completion.
      product('Thing 64 GB', 'Thing', 'Other', 100),
      // "gbit", "gbps": words a unit starts.
      ...['A', 'B'].map((m) => product(`Link ${m} 1 Gbit switch 10 Gbps`, 'Link', 'Switch', 9000)),
      // A size written as a mark: "27 inch" said as (27").
      ...[1, 2].map((m) => product(`Vista V${m} 68.6 cm (27") Full HD Black`, 'Vista', 'Monitor', 20000)),
    ];
    index.replaceAll(items);
    const texts = (typed: string) => index.suggest(typed).map((s) => s.text);
    for (const typed of ['64gb', '64 gb'])
      expect(texts(typed)).toEqual([`${typed} memory card`, `${typed} smartphone`]);
    // As typed, without its marks; the words before say which products.
    expect(texts('64GB,, ')).toEqual(['64gb memory card', '64gb smartphone']);
    expect(texts('orbit 64gb')).toEqual(['orbit 64gb smartphone']);
    // No product says them all ("kappa" is no phone maker): the size alone.
    expect(texts('blue kappa 64gb')).toEqual(['blue kappa 64gb memory card', 'blue kappa 64gb smartphone']);
    // One product says them all: too few to name a category, so the size alone again.
    expect(texts('black orbit 64gb')).toEqual([
      'black orbit 64gb memory card',
      'black orbit 64gb smartphone',
    ]);
    // A size no product has: no suggestion, rather than the unit completed ("10 gbit", "10 gbps").
    expect(texts('10 gb')).toEqual([]);
    expect(texts('27 inch')).toEqual(['27 inch monitor']);
    // Written since the base was built, and removed; one product is not enough.
    index.upsert(product('Drive D1 27 inch case', 'Drive', 'Case', 900));
    expect(texts('27 inch')).toEqual(['27 inch monitor']);
    index.upsert(product('Drive D2 27 inch case', 'Drive', 'Case', 900));
    index.remove(items.at(-1)!.id);
    index.remove(items.at(-2)!.id);
    expect(texts('27 inch')).toEqual(['27 inch case']);
  });

  it('counts the products that say two words as they are now, written or removed since the base', () => {
    const index = new ProductIndex();
    const mice = [1, 2, 3].map((n) => product(`Acme M${n} wireless mouse`, 'Acme', 'Mouse', 1500));
    index.replaceAll([...mice, product('Acme wireless keyboard', 'Acme', 'Keyboard', 2500)]);
    expect(index.together('wireless', ['mouse', 'keyboard', 'cable'])).toEqual([3, 1, 0]);
    // No search in between: the counts still read the writes.
    index.remove(mice[0]!.id);
    index.upsert({ ...mice[1]!, title: 'Acme M2 wired mouse' });
    index.upsert(product('Acme wireless cable', 'Acme', 'Cable', 500));
    expect(index.together('wireless', ['mouse', 'keyboard', 'cable'])).toEqual([1, 1, 1]);
  });

  it('suggests for a last word nothing completes what it misspells', () => {
    const index = new ProductIndex();
    index.replaceAll([
      product('Acme laptop bag 15 inch', 'Acme', 'Bag', 2000),
      product('Zed laptop stand', 'Zed', 'Stand', 3000),
      product('Zed laptop sleeve', 'Zed', 'Sleeve', 1500),
      product('Vista 27 inch monitor', 'Vista', 'Monitor', 20000),
    ]);
    const texts = (typed: string) => index.suggest(typed).map((s) => s.text);
    expect(texts('labt')).toEqual(['laptop']);
    expect(texts('lpatop')).toEqual(['laptop']);
    expect(texts('moniotr')).toEqual(['Monitor']);
    // The words before are kept, as for a completion.
    expect(texts('zed lapotp')).toEqual(['zed laptop']);
    // Two edits, a wrong first letter, or too short to tell: nothing.
    expect(texts('lapxyz')).toEqual([]);
    expect(texts('kaptop')).toEqual([]);
    expect(texts('lab')).toEqual([]);
  });

  it('reads a misspelt word before the last as the catalog spells it, and completes after that', () => {
    const index = new ProductIndex();
    index.replaceAll([
      product('Logitech M185 wireless mouse', 'Logitech', 'Mouse', 1500),
      product('Logitech K120 keyboard', 'Logitech', 'Keyboard', 1500),
      product('Acme TV wall mount', 'Acme', 'Mount', 2500),
      product('Acme monitor wall mount', 'Acme', 'Mount', 2500),
      product('Zed laptop stand', 'Zed', 'Stand', 3000),
    ]);
    const texts = (typed: string) => index.suggest(typed).map((s) => s.text);
    // "logitec" is no word of the catalog (though "logitech" starts with it): read as logitech,
    // whose titles say mouse, not mount.
    expect(texts('logitec mou')).toEqual(['logitech mouse']);
    expect(texts('lgoitech mou')).toEqual(['logitech mouse']);
    // A word the catalog has, a stop word, a model code: as typed.
    expect(texts('acme mou')[0]).toBe('acme mount');
    expect(texts('stand for lap')).toEqual(['stand for laptop']);
    expect(texts('m185 mou')).toEqual(['m185 mouse']);
    // A word no key is but some product says (a plural, a word of descriptions): as typed, not
    // respelt to a key one edit away ("mounts" is no "mount").
    expect(texts('mounts wa')).toEqual(['mounts wall']);
  });

  it('suggests brands, categories and title words by prefix', () => {
    const { index } = catalog();
    expect(index.suggest('so')).toContainEqual({ text: 'Sony', kind: 'brand' });
    expect(index.suggest('head')).toContainEqual({ text: 'Headphones', kind: 'category' });
    expect(index.suggest('blue')).toContainEqual({ text: 'bluetooth', kind: 'term' });
    expect(index.suggest('')).toEqual([]);
    // Two title words side by side (in two titles or more), and a query's words before the part
    // that is completed.
    expect(index.suggest('bluetooth s')[0]).toEqual({ text: 'bluetooth speaker', kind: 'term' });
    expect(index.suggest('portable bluetooth s')[0]).toEqual({
      text: 'portable bluetooth speaker',
      kind: 'term',
    });
    expect(index.suggest('sony headph')[0]).toEqual({ text: 'sony headphones', kind: 'term' });
    // Only when nothing completes the whole query; never the query itself.
    expect(index.suggest('bluetooth s').map((s) => s.text)).toEqual(['bluetooth speaker']);
    expect(index.suggest('bluetooth speaker').map((s) => s.text)).not.toContain('bluetooth speaker');
    // A word only one title says is suggested too ("quietcomfort").
    expect(index.suggest('quiet').map((s) => s.text)).toContain('quietcomfort');
  });

  it('keeps suggestions in step with writes, as counting the catalog again would', () => {
    const { index, items } = catalog();
    expect(index.suggest('quok')).toEqual([]);
    index.upsert({ ...product('Quokka Trail Backpack', 'Quokka', 'Backpacks', 9000), ordinal: 100 });
    expect(index.suggest('quok')).toContainEqual({ text: 'Quokka', kind: 'brand' });
    // Renamed: its old words go, its new ones come; removed: nothing of it is left.
    const sony = items.find((p) => p.brand === 'Sony')!;
    index.upsert({ ...sony, title: 'Sony Zephyr Headphones', ordinal: 0 });
    expect(index.suggest('zeph').map((s) => s.text)).toEqual(['zephyr']);
    expect(index.suggest('wh').map((s) => s.text)).not.toContain('wh');
    index.remove(sony.id);
    expect(index.suggest('zeph')).toEqual([]);
    // A change of category that leaves the indexed text alone ("Laptop bag" vs "Laptop" with a
    // type attribute "bag") is a change of what is suggested all the same.
    const bag = product('Kappa K1 carrier', 'Kappa', 'Laptop bag', 3000);
    const laptop = product('Kappa K2 computer', 'Kappa', 'Laptop', 90000);
    index.upsert({ ...bag, ordinal: 150 });
    index.upsert({ ...laptop, ordinal: 151 });
    index.upsert({ ...bag, category: 'Laptop', attributes: { type: 'bag' }, ordinal: 150 });
    index.remove(bag.id);
    expect(index.suggest('lapt')).toContainEqual({ text: 'Laptop', kind: 'category' });
    expect(index.suggest('lapt')).not.toContainEqual({ text: 'Laptop bag', kind: 'category' });
    // Many writes later, the same suggestions as an index built from scratch over the same products.
    const live = new Map([...items, laptop].filter((p) => p.id !== sony.id).map((p) => [p.id, p]));
    for (let i = 0; i < 60; i++) {
      const p = product(
        `${['Acme', 'Zed'][i % 2]} ${['mini', 'max'][i % 3 === 0 ? 0 : 1]} speaker S${i % 7}`,
        'Acme',
        'Speakers',
        100,
      );
      index.upsert({ ...p, ordinal: 200 + i });
      live.set(p.id, p);
      if (i % 4 === 0) {
        const gone = [...live.keys()][i % live.size]!;
        index.remove(gone);
        live.delete(gone);
      }
    }
    const fresh = new ProductIndex();
    fresh.replaceAll([...live.values()]);
    for (const prefix of ['a', 'acme m', 'zed', 'speaker', 's', 'sp', 'mini s', 'bose', 'head'])
      expect(index.suggest(prefix), prefix).toEqual(fresh.suggest(prefix));
  });

  it('completes a last word by the words that go with the one before it', () => {
    const index = new ProductIndex();
    index.replaceAll([
      ...Array.from({ length: 5 }, (_, i) => product(`Acme module M${i}`, 'Acme', 'Module', 100)),
      ...Array.from({ length: 2 }, (_, i) => product(`Zed mouse wireless Z${i}`, 'Zed', 'Mouse', 2000)),
    ]);
    // "module" is the commoner word, but no product says it with "wireless".
    expect(index.suggest('wireless mo')).toEqual([{ text: 'wireless mouse', kind: 'term' }]);
    expect(index.suggest('mo')[0]).toEqual({ text: 'Module', kind: 'category' });
    // The word before a stop word gives the context; a word no product says gives none.
    expect(index.suggest('wireless with mo')[0]).toEqual({ text: 'wireless with mouse', kind: 'term' });
    expect(index.suggest('wirelez mo').map((s) => s.text)).toEqual(['wirelez module', 'wirelez mouse']);
  });

  it("completes one letter after a word to the types of that word's products that start with it", () => {
    const index = new ProductIndex();
    index.replaceAll([
      ...Array.from({ length: 3 }, (_, i) =>
        product(`Samsung CLT-K40${i} toner`, 'Samsung', 'Toner cartridge', 5000),
      ),
      product('Samsung Galaxy Tab A tablet', 'Samsung', 'Tablet', 20000),
      product('Samsung QE55 television', 'Samsung', 'Television', 50000),
      ...Array.from({ length: 4 }, (_, i) => product(`Acme T${i} tripod`, 'Acme', 'Tripod', 3000)),
    ]);
    // Samsung's types, the most products first; not the commoner tripods no Samsung product is.
    expect(index.suggest('samsung t')).toEqual([
      { text: 'samsung toner cartridge', kind: 'term' },
      { text: 'samsung tablet', kind: 'term' },
      { text: 'samsung television', kind: 'term' },
    ]);
    expect(index.suggest('samsung t', 1)).toEqual([{ text: 'samsung toner cartridge', kind: 'term' }]);
    // No type of theirs starts with it: nothing, rather than any word that does.
    expect(index.suggest('samsung x')).toEqual([]);
    expect(index.suggest('acme t')).toEqual([{ text: 'acme tripod', kind: 'term' }]);
  });

  it('suggests the most popular completions of a short prefix, not the first in alphabetical order', () => {
    const index = new ProductIndex();
    // 600 words that start with "sa" and sort before "sandwich", each in two titles.
    const items = Array.from({ length: 1200 }, (_, i) =>
      product(`Acme Sa${String(i % 600).padStart(3, '0')}x gadget`, 'Acme', 'Gadget', 100),
    );
    for (let i = 0; i < 5; i++) items.push(product(`Zed Z${i} sandwich toaster`, 'Zed', 'Toaster', 3000));
    index.replaceAll(items);
    expect(index.suggest('sa', 3)[0]).toEqual({ text: 'sandwich', kind: 'term' });
  });
});

describe('Synonyms from the catalog', () => {
  const TYPES = [
    'bag',
    'case',
    'sleeve',
    'stand',
    'lock',
    'battery',
    'charger',
    'adapter',
    'keyboard',
    'backpack',
    'cooler',
    'mount',
  ];
  const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);
  function shop(): Product[] {
    const items: Product[] = [];
    for (const brand of ['Acme', 'Zed', 'Orbit'])
      for (const type of TYPES) {
        // Shoppers and some vendors say laptop; the catalog files the computers as notebooks.
        items.push(product(`${brand} Laptop ${cap(type)}`, brand, cap(type), 1000));
        items.push(product(`${brand} Notebook ${cap(type)}`, brand, `Notebook ${type}`, 1000));
      }
    for (let i = 0; i < 20; i++) items.push(product(`Acme N${i} notebook`, 'Acme', 'Notebook', 50000));
    // A product line pairs with many types, but within one brand: no synonym.
    for (const type of TYPES)
      items.push(product(`Rack Co SmartRack ${cap(type)}`, 'Rack Co', cap(type), 900));
    items.push(product('Party Gaming board game', 'Party', 'Board game', 2000));
    items.push(product('Zeta Gaming notebook 15', 'Zeta', 'Notebook', 90000));
    return items;
  }

  it('learns a shopper word for a type the catalog names otherwise, and nothing from brands or lines', () => {
    const index = new ProductIndex();
    index.replaceAll(shop());
    expect([...learnSynonyms(index.baseStatistics().types!)]).toEqual([['laptop', 'notebook']]);
  });

  it('matches a word besides the head by its learnt synonym, both ways ("notebook bag": a Laptop Bag)', () => {
    const index = new ProductIndex();
    const laptop = Array.from({ length: 12 }, (_, i) =>
      product(`Kappa L${i} Laptop Sling`, 'Kappa', 'Sling', 3000),
    );
    const notebook = Array.from({ length: 12 }, (_, i) =>
      product(`Kappa N${i} Notebook Sling`, 'Kappa', 'Sling', 3000),
    );
    const other = product('Kappa Camera Sling', 'Kappa', 'Sling', 3000);
    index.replaceAll([...shop(), ...laptop, ...notebook, other]);
    // Enough products say every word as typed that nothing is relaxed: the others match by the
    // synonym, and the word as typed comes first.
    for (const [query, typed, synonym] of [
      ['laptop sling', laptop, notebook],
      ['notebook sling', notebook, laptop],
    ] as const) {
      const hits = index.search(q({ q: query, pageSize: 50 })).hits.map((h) => h.id);
      expect(hits.sort(), query).toEqual([...typed, ...synonym].map((p) => p.id).sort());
      expect(
        index
          .search(q({ q: query, pageSize: 12 }))
          .hits.map((h) => h.id)
          .sort(),
      ).toEqual(typed.map((p) => p.id).sort());
    }
  });

  it('corrects a word no title says whose stem is another word, and a submitted last word', () => {
    const index = new ProductIndex();
    index.replaceAll([
      ...Array.from({ length: 12 }, (_, i) =>
        product(`Acme P${i} data projector`, 'Acme', 'Projector', 50000),
      ),
      ...Array.from({ length: 3 }, (_, i) => product(`Chief C${i} project mount`, 'Chief', 'Mount', 9000)),
      ...Array.from({ length: 5 }, (_, i) => product(`Acme S${i} flatbed scanner`, 'Acme', 'Scanner', 9000)),
      ...Array.from({ length: 5 }, (_, i) => product(`Zed V${i} scan converter`, 'Zed', 'Converter', 3000)),
      ...Array.from({ length: 3 }, (_, i) => product(`Orbit H${i} headphones`, 'Orbit', 'Headphones', 3000)),
    ]);
    const search = (query: string) => index.search(q({ q: query }));
    // "projecter" is stemmed "project", a title word; as typed it is a typo of "projector".
    expect(search('projecter').correctedQuery).toBe('projector');
    expect(search('projecter').hits[0]!.category).toBe('Projector');
    // A last word with a common word at its start ("scan") is not being typed once searched.
    expect(search('scaner').correctedQuery).toBe('scanner');
    // Two edits from the stem's word, counted by the word as typed (9 letters: two).
    expect(search('headfones').correctedQuery).toBe('headphones');
    expect(search('headfones').total).toBe(3);
    // Words titles say are no typos.
    expect(search('project mount').correctedQuery).toBeUndefined();
  });

  it("weighs the catalog's word for the shopper's with the shopper's word's weight", () => {
    const index = new ProductIndex();
    // An untyped accessory that says the shopper's word, rarer in the catalog than its own.
    const cooler = product('Kappa USB Laptop Cooler', 'Kappa', 'Other', 3000);
    index.replaceAll([...shop(), cooler]);
    const hits = [1, 2].flatMap((page) => index.search(q({ q: 'laptop', page, pageSize: 100 })).hits);
    const notebooks = hits.flatMap((h, i) => (h.category === 'Notebook' ? [i] : []));
    expect(notebooks).toHaveLength(21);
    expect(hits.findIndex((h) => h.id === cooler.id)).toBeGreaterThan(Math.max(...notebooks));
  });

  it('splits a word no title and at most two products say into two far commoner words ("harddrive")', () => {
    const index = new ProductIndex();
    index.replaceAll([
      // Each half 100x as common as the word (one product says it): 120 products.
      ...Array.from({ length: 120 }, (_, i) =>
        product(`Acme H${i} external hard drive 1 TB`, 'Acme', 'Hard drive', 6000),
      ),
      product('Zed Z1 drive caddy', 'Zed', 'Caddy', 1000, { description: 'Fits any 2.5 inch harddrive' }),
    ]);
    const result = index.search(q({ q: 'harddrive' }));
    expect(result.correctedQuery).toBe('hard drive');
    expect(result.hits.every((h) => h.category === 'Hard drive')).toBe(true);
  });

  it('reads two words the catalog writes as one by the learnt synonym of that one ("lap top")', () => {
    const index = new ProductIndex();
    const cooler = product('Kappa USB Laptop Cooler', 'Kappa', 'Other', 3000);
    index.replaceAll([...shop(), cooler]);
    const categories = (query: string) =>
      index.search(q({ q: query, pageSize: 10 })).hits.map((h) => h.category);
    // As "laptop": notebooks, the catalog's word for it, not only what says "laptop".
    expect(categories('lap top')).toEqual(categories('laptop'));
    expect(categories('lap top')[0]).toBe('Notebook');
  });

  it('reads the head before a brand, a number or a unit after it ("laptop zed", "notebook 512 gb")', () => {
    const index = new ProductIndex();
    const zed = product('Zed Z1 notebook 43.9 cm (17.3") 512 GB', 'Zed', 'Notebook', 60000);
    index.replaceAll([...shop(), zed]);
    expect(index.search(q({ q: 'laptop zed' })).hits[0]!.id).toBe(zed.id);
    expect(index.search(q({ q: 'laptop 17 inch' })).hits[0]!.id).toBe(zed.id);
    expect(index.search(q({ q: 'notebook 1024 gb' })).hits[0]!.category).toBe('Notebook');
    // A brand that is the last word, with no type before it, is what the shopper asked for.
    expect(index.search(q({ q: 'gaming zeta' })).hits[0]!.brand).toBe('Zeta');
  });

  it('reads a misspelt word as the catalog word it misspells, in every pass and in the reading', () => {
    const index = new ProductIndex();
    const items = [
      ...shop(),
      product('Acme M1 Wireless mouse', 'Acme', 'Mouse', 2000),
      product('Zed M2 mouse with wire', 'Zed', 'Mouse', 1500),
      product('Orbit Cartridge Black', 'Orbit', 'Cartridge', 3000, { description: 'Original cartrige' }),
      ...Array.from({ length: 60 }, (_, i) => product(`Orbit Cartridge C${i}`, 'Orbit', 'Cartridge', 3000)),
      product('Quux Xbox controller', 'Quux', 'Controller', 4000),
      product('Acme LCD monitor', 'Acme', 'Monitor', 10000),
      product('Sony S1 speaker', 'Sony', 'Speaker', 5000),
      product('Sony S2 speaker', 'Sony', 'Speaker', 5000),
      product('Zed Z9 speaker for Sony TVs', 'Zed', 'Speaker', 5000),
      ...Array.from({ length: 3 }, (_, i) => product(`Volt V${i} power bank`, 'Volt', 'Power bank', 2000)),
      ...Array.from({ length: 3 }, (_, i) => product(`Acme P${i} printing paper`, 'Acme', 'Paper', 900)),
    ];
    index.replaceAll(items);
    const titles = (query: string) => index.search(q({ q: query })).hits.map((h) => h.title);
    // "labtop": laptop, and so notebooks (the learnt synonym), as for "laptop".
    expect(titles('labtop')[0]).toBe(titles('laptop')[0]);
    expect(index.search(q({ q: 'labtop' })).hits[0]!.category).toBe('Notebook');
    // Stemmed "wirel" is an edit from "wire"; as typed, "wireles" is one from "wireless".
    expect(titles('wireles mouse')[0]).toBe('Acme M1 Wireless mouse');
    // A word one description misspells, where a word 100x as common is an edit away, is no word
    // of the catalog: every cartridge, not the one.
    expect(index.search(q({ q: 'cartrige' })).total).toBe(61);
    // A word a title says is the product's own, however rare ("xbox", not "box").
    expect(titles('xbox')).toEqual(['Quux Xbox controller']);
    // A last word that starts a catalog word is being typed: "moni" is no typo of "sony".
    expect(titles('moni')[0]).toBe('Acme LCD monitor');
    expect(titles('moniter')).toEqual(['Acme LCD monitor']);
    // The result says what was searched, and marks the corrected word in titles.
    const moniter = index.search(q({ q: 'moniter' }));
    expect(moniter.correctedQuery).toBe('monitor');
    expect(moniter.hits[0]!.highlights.title).toContain('<mark>monitor</mark>');
    expect(index.search(q({ q: 'powerbank' })).correctedQuery).toBe('power bank');
    // Shown as titles write it, also where the stem ends otherwise ("batteri": battery).
    index.upsert({ ...product('Volt AA battery 4 pack', 'Volt', 'Battery', 500), ordinal: 500 });
    expect(index.search(q({ q: 'batery' })).correctedQuery).toBe('battery');
    expect(index.search(q({ q: 'monitor' })).correctedQuery).toBeUndefined();
    // As typed ("Search instead for moniter"): no correction, and no match a typo away.
    const asTyped = index.search(q({ q: 'moniter', exact: '1' }));
    expect(asTyped.correctedQuery).toBeUndefined();
    expect(asTyped.total).toBe(0);
    expect(index.search(q({ q: 'moniter lcd', exact: 'true' })).hits.map((h) => h.title)).toEqual([
      'Acme LCD monitor',
    ]);
    expect(index.search(q({ q: 'moniter lcd', exact: 'true' })).correctedQuery).toBeUndefined();
    // Typed past its stem ("printing" is indexed as "print"): completed as printing, not corrected.
    expect(titles('printin')[0]).toMatch(/printing paper/);
    // Two words written as one, when both are catalog words: "powerbank" is a power bank.
    expect(titles('powerbank')).toHaveLength(3);
    expect(titles('powerbank')[0]).toMatch(/power bank/);
    // A corrected word is no brand the shopper named: "sonny speaker" (read "sony speaker") does
    // not score other brands x0.6, as "sony speaker" does.
    const score = (brand: string) => (query: string) =>
      index.search(q({ q: query })).hits.find((h) => h.brand === brand && h.category === 'Speaker')!.score;
    const [zed, sony] = [score('Zed'), score('Sony')];
    expect(zed('sonny speaker') / sony('sonny speaker')).toBeCloseTo(
      zed('sony speaker') / sony('sony speaker') / 0.6,
    );
  });

  it('ranks the brand a query names above other brands that only mention it', () => {
    const index = new ProductIndex();
    const items: Product[] = [];
    for (let i = 0; i < 4; i++) {
      // Compatibles say the brand in short titles; the brand's own titles list their specs.
      items.push(product(`Xeno toner T${i} as Acme A${i} (Acme)`, 'Xeno', 'Toner', 3000));
      const specs = 'Original Black, high capacity, 10000 pages, office laser';
      items.push(product(`Acme A${i} toner ${specs}`, 'Acme', 'Toner', 6000));
    }
    index.replaceAll(items);
    const brands = (query: string) => index.search(q({ q: query })).hits.map((h) => h.brand);
    expect(brands('acme toner').slice(0, 4)).toEqual(['Acme', 'Acme', 'Acme', 'Acme']);
    // Without the brand word the compatibles' shorter titles come first.
    expect(brands('toner')[0]).toBe('Xeno');
  });

  it("relaxes a brand, a number and a type to the brand's products of the type, not to the number's", () => {
    const index = new ProductIndex();
    const items: Product[] = [];
    for (let i = 0; i < 10; i++)
      items.push(product(`Acme A${i} toner Original Black`, 'Acme', 'Toner', 3000));
    for (let i = 0; i < 2; i++) {
      // Another brand's model 301: a toner, and a camera case.
      items.push(product(`Zed ZT-301 toner ${i} Black`, 'Zed', 'Toner', 3000));
      items.push(product(`Casey CC-301 ${i} Gray`, 'Casey', 'Case', 1500));
    }
    // A size is no brand's: another brand's 27 inch monitor is still one.
    for (let i = 0; i < 10; i++) items.push(product(`Acme M${i} monitor 24 inch`, 'Acme', 'Monitor', 9000));
    items.push(product('Zed Z27 monitor 27 inch', 'Zed', 'Monitor', 9000));
    index.replaceAll(items);
    const hits = (query: string) => index.search(q({ q: query, pageSize: 100 })).hits;
    // No product says all three words: Acme's own toners, not Zed's 301 toner nor Casey's 301 case.
    const toners = hits('acme 301 toner');
    expect(toners.slice(0, 10).map((h) => h.brand)).toEqual(Array(10).fill('Acme'));
    expect(toners.some((h) => h.brand === 'Casey')).toBe(false);
    expect(toners.findIndex((h) => h.brand === 'Zed')).toBeGreaterThanOrEqual(10);
    // Without a brand named, the number counts for every product.
    expect(hits('301 toner')[0]!.brand).toBe('Zed');
    expect(hits('acme 27 inch monitor').some((h) => h.title === 'Zed Z27 monitor 27 inch')).toBe(true);
  });

  it('reads a brand and a number alone as the brand and its model number ("canon 540")', () => {
    const index = new ProductIndex();
    const items: Product[] = [];
    // Another brand's model 540, in short titles, and the brand's own products without it.
    for (let i = 0; i < 3; i++) items.push(product(`Intelo ${i} 540 processor`, 'Intelo', 'Processor', 9000));
    items.push(product('Herma labels 540 pcs', 'Herma', 'Labels', 500));
    for (let i = 0; i < 4; i++)
      items.push(product(`Canon PIXMA M${i} inkjet printer Colour A4`, 'Canon', 'Inkjet printer', 9000));
    items.push(product('Canon PG-545 ink cartridge Black', 'Canon', 'Ink cartridge', 1500));
    index.replaceAll(items);
    const brands = (query: string) => index.search(q({ q: query, pageSize: 50 })).hits.map((h) => h.brand);
    // No Canon product says 540: Canon's products, not Intelo's processors nor Herma's labels.
    expect(brands('canon 540').length).toBeGreaterThan(0);
    expect(brands('canon 540').every((b) => b === 'Canon')).toBe(true);
    // The model that says it comes first.
    items.push(product('Canon PG-540 ink cartridge Black', 'Canon', 'Ink cartridge', 1500));
    index.replaceAll(items);
    expect(index.search(q({ q: 'canon 540' })).hits[0]!.title).toBe('Canon PG-540 ink cartridge Black');
    expect(brands('canon 540').every((b) => b === 'Canon')).toBe(true);
    // Without a brand named, the number counts for every product.
    expect(brands('540')).toContain('Intelo');
  });

  it('reads a model code typed joined as the words titles write it ("pg510": PG-510)', () => {
    const index = new ProductIndex();
    const items = [
      product('Canon PG-510 Original Photo black', 'Canon', 'Ink cartridge', 1500),
      product('Canon PG-40 Original Black', 'Canon', 'Ink cartridge', 1500),
      product('Canon CLI-521 BK Original Black', 'Canon', 'Ink cartridge', 1500),
      product('Canon CLI-521 C Original Cyan', 'Canon', 'Ink cartridge', 1500),
      product('D-Link DCS-8325LH security camera Indoor', 'D-Link', 'Security camera', 9900),
      product('Asus Dual GeForce RTX 2060 graphics card 6 GB', 'Asus', 'Graphics card', 29900),
      product('Asus Dual GeForce RTX 2070 graphics card 8 GB', 'Asus', 'Graphics card', 39900),
      product('DELL UltraSharp U2720Q monitor 68.6 cm (27")', 'DELL', 'Monitor', 59900),
      // "29" and "XL" said by other brands; no Epson product says 29XL.
      product('Philips SmartTouch-XL electric shaver', 'Philips', 'Shaver', 9900),
      product('Zeta Z-29 USB cable', 'Zeta', 'Cable', 500),
      product('Epson T488 ink cartridge Colour', 'Epson', 'Ink cartridge', 1500),
      product('Epson GT-1500 scanner A4', 'Epson', 'Scanner', 19900),
    ];
    index.replaceAll(items);
    const first = (query: string) => index.search(q({ q: query })).hits[0]?.title;
    // A brand and a code: the code's pieces are the brand's model, as a number is ("canon 540").
    const epson = index.search(q({ q: 'epson 29xl' })).hits.map((h) => h.brand);
    expect(epson.length).toBeGreaterThan(0);
    expect(epson.every((b) => b === 'Epson')).toBe(true);
    expect(first('pg510')).toBe('Canon PG-510 Original Photo black');
    expect(first('canon pg510')).toBe('Canon PG-510 Original Photo black');
    expect(first('cli521bk')).toBe('Canon CLI-521 BK Original Black');
    expect(first('dcs8325lh')).toBe('D-Link DCS-8325LH security camera Indoor');
    expect(first('rtx2060')).toBe('Asus Dual GeForce RTX 2060 graphics card 6 GB');
    // A code a title says joined is kept, and so is a last word being typed.
    expect(first('u2720q')).toBe('DELL UltraSharp U2720Q monitor 68.6 cm (27")');
    expect(first('u272')).toBe('DELL UltraSharp U2720Q monitor 68.6 cm (27")');
  });

  it('lists every brand and category of the matches asked for, up to 200, and says how many there are', () => {
    const index = new ProductIndex();
    // 44 brands make cables ("cable" on Icecat: 44 brands, of which 30 were listed), the commonest
    // first; 250 make lamps, each one (a brand past the 200th is still chosen and shown).
    const items: Product[] = [];
    for (let b = 0; b < 44; b++)
      for (let i = 0; i <= b % 3; i++)
        items.push(product(`Brand${b} C${i} cable`, `Brand${b}`, `Cable ${b}`, 900));
    for (let b = 0; b < 250; b++)
      items.push(
        product(
          `Lumen${String(b).padStart(3, '0')} L lamp`,
          `Lumen${String(b).padStart(3, '0')}`,
          'Lamp',
          900,
        ),
      );
    index.replaceAll(items);
    // Unasked, the 30 commonest, as before (the home page's departments read them); and how many.
    const plain = index.search(q({ q: 'cable' }));
    expect(plain.facets.brand).toHaveLength(30);
    expect(plain.facetCounts).toEqual({ brand: 44, category: 44 });
    const cables = index.search(q({ q: 'cable', facetLimit: '200' }));
    expect(cables.facets.brand).toHaveLength(44);
    expect(cables.facets.category).toHaveLength(44);
    expect(cables.facetCounts).toEqual({ brand: 44, category: 44 });
    expect(cables.facets.brand.slice(0, 3).every((f) => f.count === 3)).toBe(true);
    const lamps = index.search(q({ q: 'lamp', facetLimit: '200' }));
    expect(lamps.facets.brand).toHaveLength(200);
    expect(lamps.facetCounts).toEqual({ brand: 250, category: 1 });
    // A brand chosen past the 200 listed is listed too, however the filter writes it.
    const chosen = index.search(q({ q: 'lamp', brand: 'lumen249 ', facetLimit: '200' }));
    expect(chosen.total).toBe(1);
    expect(chosen.facets.brand).toHaveLength(201);
    expect(chosen.facets.brand.at(-1)).toEqual({ value: 'Lumen249', count: 1 });
    // No more than 200 may be asked for.
    expect(Params.safeParse({ facetLimit: '201' }).success).toBe(false);
  });

  it('finds a product by its barcode first, and only it (EAN, GTIN-14, UPC-12, as printed)', () => {
    const index = new ProductIndex();
    const items = [
      product('Xerox 006R90321 toner cartridge Original Black', 'Xerox', 'Toner cartridge', 4995, {
        attributes: { model: '006R90321', EAN: '0095205603217' },
      }),
      product('Intel E10G41BFLR networking card', 'Intel', 'Network card', 19900, {
        attributes: { EAN: '5032037041478, 00735858205177' },
      }),
      product('Philips Stereo adapter SWA2550W/10', 'Philips', 'Adapter', 900, {
        attributes: { 'ean upc gtin': '87 10895 99464 4' },
      }),
      // Says the number in its text: no barcode of its own.
      product('Acme toner for Xerox', 'Acme', 'Toner cartridge', 1900, {
        description: 'Replaces 0095205603217 and 5032037041478',
      }),
    ];
    index.replaceAll(items);
    const ids = (query: string) => index.search(q({ q: query })).hits.map((h) => h.id);
    expect(ids('0095205603217')).toEqual([items[0]!.id]);
    // The UPC-12 of the same code, and the code as printed under the bars.
    expect(ids('095205603217')).toEqual([items[0]!.id]);
    expect(ids('0 095205 603217')).toEqual([items[0]!.id]);
    // Any of a product's codes; a GTIN-14 is its EAN-13 with a zero before it.
    expect(ids('5032037041478')).toEqual([items[1]!.id]);
    expect(ids('0735858205177')).toEqual([items[1]!.id]);
    expect(ids('8710895994644')).toEqual([items[2]!.id]);
    // A number that is no product's barcode is searched as words.
    expect(ids('1234567890123')).toEqual([]);
    // Writes: a new code is found at once, an old one no more.
    index.upsert({ ...items[0]!, attributes: { EAN: '4006381333931' } });
    expect(ids('4006381333931')).toEqual([items[0]!.id]);
    expect(ids('0095205603217')).toEqual([items[3]!.id]);
    index.remove(items[1]!.id);
    expect(ids('5032037041478')).toEqual([items[3]!.id]);
  });

  it('finds a model code written in parts when typed joined ("smg770f": SM-G770F)', () => {
    const index = new ProductIndex();
    const items = [
      product('Samsung Galaxy S10 Lite SM-G770F 17 cm (6.7") 128 GB White', 'Samsung', 'Smartphone', 49900),
      product('Sony Cyber-shot DSC-T700 Compact camera 10.1 MP Silver', 'Sony', 'Camera', 19900),
      product('Samsung CLT-M4072S toner cartridge Original Magenta', 'Samsung', 'Toner cartridge', 5900),
      product('CHERRY G83-6104 keyboard USB QWERTY US English Black', 'CHERRY', 'Keyboard', 2900),
      product('Brother TN-8000 toner cartridge Original Black', 'Brother', 'Toner cartridge', 3900),
      product('Xerox Black toner cartridge. Equivalent to Brother TN8000', 'Xerox', 'Toner cartridge', 2900),
      product('Acer EC.K1700.001 projector lamp 230 W', 'Acer', 'Projector lamp', 9900),
      product('HyperX FURY HX424C15FB3K4/128 memory module 128 GB DDR4', 'HyperX', 'Memory module', 59900),
      product('Acme 2.5 inch drive enclosure USB 3.0', 'Acme', 'Enclosure', 1900),
    ];
    index.replaceAll(items);
    const titles = (query: string) => index.search(q({ q: query })).hits.map((h) => h.title);
    expect(titles('smg770f')[0]).toBe(items[0]!.title);
    expect(titles('SMG770F')[0]).toBe(items[0]!.title);
    expect(titles('dsct700')[0]).toBe(items[1]!.title);
    expect(titles('cltm4072s')[0]).toBe(items[2]!.title);
    expect(titles('g836104')[0]).toBe(items[3]!.title);
    // Brother's own TN-8000, not only the compatible toner that writes it joined.
    expect(titles('tn8000')).toEqual(expect.arrayContaining([items[4]!.title, items[5]!.title]));
    expect(titles('eck1700001')[0]).toBe(items[6]!.title);
    expect(titles('hx424c15fb3k4128')[0]).toBe(items[7]!.title);
    // As written and with spaces, as before.
    expect(titles('SM-G770F')[0]).toBe(items[0]!.title);
    expect(titles('dsc t700')[0]).toBe(items[1]!.title);
    // The highlight marks the code as the title writes it.
    expect(index.search(q({ q: 'smg770f' })).hits[0]!.highlights.title).toContain('<mark>SM-G770F</mark>');
    // A decimal is no code: "2.5" and "3.0" are numbers, not 25 and 30.
    expect(titles('25')).toEqual([]);
    expect(titles('usb30')).toEqual([]);
    // A product written later (the delta) is found joined at once.
    index.upsert(product('Canon BG-E8 battery grip', 'Canon', 'Battery grip', 14900));
    expect(titles('bge8')).toEqual(['Canon BG-E8 battery grip']);
  });

  it('does not count a joined model code in the field length: other words weigh the same', () => {
    const doc = (title: string) => toIndexedDoc(product(title, 'Samsung', 'Smartphone', 1));
    const hyphen = measure([doc('Samsung Galaxy SM-G770F smartphone')]);
    const spaced = measure([doc('Samsung Galaxy SM G770F smartphone')]);
    expect(hyphen.lengths.title).toBe(spaced.lengths.title);
    expect(hyphen.frequency.get('smg770f')).toBe(1);
    expect(spaced.frequency.has('smg770f')).toBe(false);
    // Lunr's own lengths agree with `measure`: the built segment's average is the same.
    const built = new SearchSegment([doc('Samsung Galaxy SM-G770F smartphone')]);
    expect(built.averageFieldLength.title).toBe(spaced.lengths.title);
  });

  it('reads a number before a learnt unit as a quantity, not a model number ("3000 Pages")', () => {
    const index = new ProductIndex();
    const items: Product[] = [];
    // "pages" follows a number in every title that says it: a unit, learnt from the titles.
    for (let i = 0; i < 12; i++)
      items.push(
        product(`Acme Toner Cartridge T${i}, ${(i + 1) * 1000} Pages`, 'Acme', 'Toner cartridge', 3000),
      );
    for (let i = 0; i < 10; i++) items.push(product(`Acme M${i} monitor 24 inch`, 'Acme', 'Monitor', 9000));
    for (let i = 0; i < 10; i++) items.push(product(`Zed Z${i} monitor 27 inch`, 'Zed', 'Monitor', 9000));
    // A model number after a word that is no unit.
    items.push(product('Acme UltraView 3000 Series', 'Acme', 'Other', 9000));
    index.replaceAll(items);
    const hits = index.search(q({ q: 'acme 3000 monitor', pageSize: 100 })).hits;
    const toner = hits.findIndex((h) => h.title.includes('3000 Pages'));
    // Acme's model 3000, then its monitors; the toner's "3000 Pages" matched no model number, and
    // a product that matched only the brand is no match.
    expect(hits[0]!.title).toBe('Acme UltraView 3000 Series');
    expect(hits.slice(1, 11).every((h) => h.category === 'Monitor' && h.brand === 'Acme')).toBe(true);
    expect(toner).toBe(-1);
    // Without a brand named the number counts for every product, quantities too.
    expect(
      index.search(q({ q: '3000 monitor', pageSize: 100 })).hits.some((h) => h.title.includes('3000 Pages')),
    ).toBe(true);
  });

  it('matches the brand field of a brand of several words only for all of them ("RAM Mounts")', () => {
    const index = new ProductIndex();
    const items: Product[] = [];
    for (let i = 0; i < 5; i++)
      items.push(product(`Acme A${i} RAM module 2 GB`, 'Acme', 'Memory module', 2000));
    for (let i = 0; i < 5; i++)
      items.push(product(`RAM Mounts M${i} tablet holder`, 'RAM Mounts', 'Holder', 3000));
    index.replaceAll(items);
    const brands = (query: string) => index.search(q({ q: query, pageSize: 10 })).hits.map((h) => h.brand);
    // "ram" is a word the brand's title says too, but not the brand named.
    expect(brands('ram').slice(0, 5)).toEqual(Array(5).fill('Acme'));
    // The whole brand named: its products first.
    expect(brands('ram mounts').slice(0, 5)).toEqual(Array(5).fill('RAM Mounts'));
  });

  it('prefers products whose titles say the size asked for as a size ("27 inch", "32gb")', () => {
    const index = new ProductIndex();
    const items: Product[] = [];
    // A 22 inch monitor whose model code ends in /27, with a long title that says "monitor" twice.
    items.push(product('Pholips 225B1/27 monitor LCD monitor 22 inch', 'Pholips', 'Monitor', 9000));
    for (let i = 0; i < 3; i++)
      items.push(product(`Acme A${i} wide display monitor 27 inch Full HD LED`, 'Acme', 'Monitor', 9000));
    for (let i = 0; i < 8; i++) items.push(product(`Zed Z${i} monitor 24 inch`, 'Zed', 'Monitor', 9000));
    // A notebook that says every word, but 32 as its bits, and a card that says "32GB" but not "sd".
    items.push(
      product('Hepa Book 12 notebook 2 GB card reader', 'Hepa', 'Notebook', 50000, {
        description: 'SD card slot, 320 GB drive, Windows 7 32 bit, 4 GB',
      }),
    );
    items.push(product('Verbo Premium SDHC Card 32GB memory card', 'Verbo', 'Memory card', 1000));
    items.push(product('Kingo Canvas memory card 32 GB SD Class 10', 'Kingo', 'Memory card', 1000));
    for (const gb of [1, 2, 4, 8, 16, 64, 128, 256])
      items.push(product(`Kingo K${gb} memory card ${gb} GB SD`, 'Kingo', 'Memory card', 1000));
    index.replaceAll(items);
    const titles = (query: string) => index.search(q({ q: query, pageSize: 100 })).hits.map((h) => h.title);
    const monitors = titles('27 inch monitor');
    // Every 27 inch monitor before the 22 inch one.
    expect(monitors.slice(0, 3).every((t) => t.includes('27 inch'))).toBe(true);
    const cards = titles('32gb sd card');
    expect(cards[0]).toBe('Kingo Canvas memory card 32 GB SD Class 10');
    // The card that says 32GB before the notebook that says "32" only as its bits.
    expect(cards.indexOf('Verbo Premium SDHC Card 32GB memory card')).toBeLessThan(
      cards.indexOf('Hepa Book 12 notebook 2 GB card reader'),
    );
  });

  it('reads a query\'s inch mark and decimal as the size a title says ("13.3"", "2m")', () => {
    const index = new ProductIndex();
    const items = [
      product('Orbit N1 notebook 33.8 cm (13.3") Black', 'Orbit', 'Notebook', 90000),
      product('Orbit N2 notebook 39.6 cm (15.6") Black', 'Orbit', 'Notebook', 80000),
      product('Orbit N3 notebook 43.9 cm (17.3") Black', 'Orbit', 'Notebook', 95000),
      product('Zed Z3 phone 7.62 cm (3") Silver', 'Zed', 'Mobile phone', 9900),
      // "13" and "3" of 13.3 written together are another number: a memory module's 133 MHz.
      ...['A', 'B', 'C'].map((m) =>
        product(`Kappa ${m} 64MB SDRAM 133 MHz memory module`, 'Kappa', 'Memory module', 900),
      ),
      product('Cabo C1 HDMI cable 2.0 m Black', 'Cabo', 'Cable', 1500),
      product('Cabo C2 HDMI cable 1.2 m Black', 'Cabo', 'Cable', 1200),
    ];
    index.replaceAll(items);
    const titles = (query: string) => index.search(q({ q: query, pageSize: 50 })).hits.map((h) => h.title);
    for (const query of ['13.3"', '13.3 inch', "13.3''", 'notebook 13.3"', '13.3in notebook']) {
      const hits = titles(query);
      expect(hits[0], query).toBe(items[0]!.title);
      expect(
        hits.some((t) => t.includes('133 MHz')),
        query,
      ).toBe(false);
    }
    // A 13.3" or 17.3" notebook is no 3" phone.
    for (const query of ['3 inch', '3"']) expect(titles(query), query).toEqual([items[3]!.title]);
    // "2.0 m" is 2 m; "1.2 m" is not.
    expect(titles('hdmi cable 2m')[0]).toBe('Cabo C1 HDMI cable 2.0 m Black');
    // A quote closed after a number is no inch mark.
    expect(titles('"orbit n1"')[0]).toBe(items[0]!.title);
    // Highlights mark the decimal's digits.
    expect(index.search(q({ q: '13.3"' })).hits[0]!.highlights.title).toContain(
      '<mark>13</mark>.<mark>3</mark>',
    );
  });

  it('reads a head word said only in what a product comes with or fits as an accessory\'s ("w/ Fan")', () => {
    const index = new ProductIndex();
    const items: Product[] = [];
    for (let i = 0; i < 12; i++) items.push(product(`Zed Z${i} keyboard USB`, 'Zed', 'Keyboard', 2000));
    items.push(product('Acme USB Enclosure w/ Fan', 'Acme', 'Other', 3000));
    items.push(
      product('Vent USB Powered Desk Fan Black Large Quiet Breeze Series Two', 'Vent', 'Other', 1500),
    );
    index.replaceAll(items);
    const titles = index.search(q({ q: 'usb fan' })).hits.map((h) => h.title);
    expect(titles.slice(0, 2)).toEqual([
      'Vent USB Powered Desk Fan Black Large Quiet Breeze Series Two',
      'Acme USB Enclosure w/ Fan',
    ]);
    const stems = ['acm', 'usb', 'enclosur', 'w', 'fan'];
    const title = { titleStems: stems, titleBits: stems.reduce((bits, s) => bits | stemBit(s), 0) };
    expect(comesWith(title, 3, 'fan', stemBit('fan'))).toBe(true);
    expect(comesWith(title, 3, 'usb', stemBit('usb'))).toBe(false);
    expect(comesWith(title, Number.POSITIVE_INFINITY, 'fan', stemBit('fan'))).toBe(false);
  });

  it('scores a product whose title says the head word only after its type word as an attribute', () => {
    const index = new ProductIndex();
    index.replaceAll([
      product('Casio FX-82 calculator Desktop Financial Black', 'Casio', 'Calculator', 1500),
      product('Zeta Z1 Desktop PC Black Large Tower Edition', 'Zeta', 'Other', 50000),
      product('Philips 22PFL3504D 22" class digital TV LCD TV', 'Philips', 'Digital', 20000),
    ]);
    expect(index.search(q({ q: 'desktop' })).hits.map((h) => h.title)).toEqual([
      'Zeta Z1 Desktop PC Black Large Tower Edition',
      'Casio FX-82 calculator Desktop Financial Black',
    ]);
    const stems = ['casio', 'fx', '82', 'calcul', 'desktop', 'financi', 'black'];
    const title = { titleStems: stems, titleBits: stems.reduce((bits, s) => bits | stemBit(s), 0) };
    expect(saysAfterType(title, 'calcul', 'desktop', stemBit('desktop'))).toBe(true);
    expect(saysAfterType(title, 'calcul', 'casio', stemBit('casio'))).toBe(false);
    expect(saysAfterType(title, null, 'desktop', stemBit('desktop'))).toBe(false);
    // The title's last word names the product, as English names end in their head noun.
    const tv = ['philip', '22pfl3504d', '22', 'inch', 'class', 'digit', 'tv', 'lcd', 'tv'];
    const tvTitle = { titleStems: tv, titleBits: tv.reduce((bits, s) => bits | stemBit(s), 0) };
    expect(saysAfterType(tvTitle, 'digit', 'tv', stemBit('tv'))).toBe(false);
  });

  it('reads a word whose learnt kinds type 10+ products as a type in the relaxed pass ("ink")', () => {
    const index = new ProductIndex();
    // "Toner cartridge" is learnt as a kind of toner, so "ink cartridge" is one of ink.
    const items: Product[] = Array.from({ length: 6 }, (_, i) => toners(i)).flat();
    for (let i = 0; i < 10; i++)
      items.push(product(`Acme C${i} ink cartridge Original Cyan`, 'Acme', 'Ink cartridge', 2000));
    for (let i = 0; i < 40; i++) items.push(product(`Zed Z${i} keyboard USB`, 'Zed', 'Keyboard', 2000));
    for (let i = 0; i < 2; i++) items.push(product(`Casey CC-301 ${i} Gray`, 'Casey', 'Case', 1500));
    index.replaceAll(items);
    // No product says both: ink cartridges, which are ink, before the cases that say the rare "301".
    const hits = index.search(q({ q: '301 ink', pageSize: 100 })).hits;
    expect(hits[0]!.category).toBe('Ink cartridge');
    expect(hits.findIndex((h) => h.brand === 'Casey')).toBe(10);
  });

  it('learns which compound types are kinds of their first word ("toner cartridge": toner)', () => {
    const index = new ProductIndex();
    const items: Product[] = [];
    for (let i = 0; i < 6; i++) {
      items.push(...toners(i));
      items.push(product(`Acme B${i} toner collection box`, 'Acme', 'Toner collection box', 900));
      // Keyboards never call themselves keyboard covers: a cover stays an accessory.
      items.push(product(`Acme K${i} keyboard USB`, 'Acme', 'Keyboard', 2000));
      items.push(product(`Zed Z${i} keyboard cover`, 'Zed', 'Keyboard cover', 2500));
    }
    for (let i = 0; i < 3; i++) {
      // Hardly a product is typed plain "Ink": "ink cartridge" is a kind of ink by its head, the
      // form a learnt kind comes in; an ink roller stays an accessory.
      items.push(
        product(
          `Acme C${i} ink cartridge Original Cyan, 300 pages, standard yield`,
          'Acme',
          'Ink cartridge',
          2000,
        ),
      );
      items.push(product(`Acme R${i} ink roller`, 'Acme', 'Ink roller', 800));
    }
    index.replaceAll(items);
    const categories = (query: string) =>
      index.search(q({ q: query, pageSize: 100 })).hits.map((h) => h.category);
    expect([...learnKinds(index.baseStatistics().types!)]).toEqual(['toner cartridg', 'ink cartridg']);
    const inks = categories('ink');
    expect(inks.lastIndexOf('Ink cartridge')).toBeLessThan(inks.indexOf('Ink roller'));
    const toner = categories('acme toner');
    expect(toner.lastIndexOf('Toner cartridge')).toBeLessThan(toner.indexOf('Toner collection box'));
    const keyboard = categories('keyboard');
    expect(keyboard.lastIndexOf('Keyboard')).toBeLessThan(keyboard.indexOf('Keyboard cover'));
  });

  it('reads a product line\'s name as its own type ("zenpad": Zenpad notebooks before their batteries)', async () => {
    const spec =
      'Black 35.6 cm (14") 1920 x 1080 pixels Intel Core i5 8 GB DDR4-SDRAM 256 GB SSD Wi-Fi 6 Windows 10 Pro';
    const items: Product[] = [];
    for (let i = 0; i < 4; i++) {
      // The line's own products: its name, a model code, their type; long titles that list specs.
      items.push(product(`Qua Zenpad Z${i}4 Notebook ${spec}`, 'Qua', 'Notebook', 99900));
      // Named for it, short titles: the line's name right before their type, or a code and "Series".
      items.push(product(`Qua Zenpad Battery ${i}`, 'Qua', 'Battery', 5900));
      items.push(product(`Qua Zenpad X${i}0 Series Battery`, 'Qua', 'Battery', 5900));
      items.push(product(`Qua Zenpad Mini Dock ${i}`, 'Qua', 'Docking station', 12900));
    }
    // A word that three brands write before a type is a shopper's word, not one brand's line.
    for (const brand of ['Xa', 'Yb', 'Zc']) {
      items.push(product(`${brand} Gigafast G10 Switch 8-port`, brand, 'Switch', 3900));
      items.push(product(`${brand} Gigafast Switch 16-port`, brand, 'Switch', 5900));
    }
    for (let i = 0; i < 10; i++) {
      items.push(product(`Omega N${i} Notebook ${spec}`, 'Omega', 'Notebook', 89900));
      items.push(product(`Omega B${i} Battery`, 'Omega', 'Battery', 4900));
    }
    const index = new ProductIndex();
    index.replaceAll(items);
    const types = index.baseStatistics().types!;
    expect(
      learnLines(
        types,
        () => true,
        () => 1,
      ),
    ).toEqual(new Map([['zenpad', ['notebook']]]));
    const categories = async (
      search: { search: ProductIndex['search'] | ShardedIndex['search'] },
      query: string,
    ) => (await search.search(q({ q: query, pageSize: 100 }))).hits.map((h) => h.category);
    const line = await categories(index, 'zenpad');
    expect(line.slice(0, 4)).toEqual(['Notebook', 'Notebook', 'Notebook', 'Notebook']);
    expect(line).toHaveLength(16);
    // Asked for by type, the line's batteries are what the shopper wants.
    expect((await categories(index, 'zenpad battery')).slice(0, 8).every((c) => c === 'Battery')).toBe(true);
    // A type's name and a brand are no line.
    expect(
      learnLines(
        types,
        (w) => w !== 'zenpad',
        () => 1,
      ).size,
    ).toBe(0);
    expect((await categories(index, 'battery')).slice(0, 10).every((c) => c === 'Battery')).toBe(true);
    // Shards learn it from their summed vocabularies.
    const sharded = new ShardedIndex({ shards: 2 });
    try {
      await sharded.open(items, []);
      expect((await categories(sharded, 'zenpad')).slice(0, 4)).toEqual([
        'Notebook',
        'Notebook',
        'Notebook',
        'Notebook',
      ]);
    } finally {
      await sharded.close();
    }
  });

  it('knows an accessory for the type it stands for as one for the word itself', () => {
    const index = new ProductIndex();
    // Alike but in type: one filed as a notebook accessory ("Notebook stand"), one untyped.
    const accessory = product('Kappa Laptop Riser Stand', 'Kappa', 'Notebook stand', 3000);
    const untyped = product('Lambda Laptop Riser Stand', 'Lambda', 'Other', 3000);
    index.replaceAll([...shop(), accessory, untyped]);
    const ids = index.search(q({ q: 'laptop', pageSize: 100 })).hits.map((h) => h.id);
    expect(ids.indexOf(untyped.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(accessory.id)).toBeGreaterThan(ids.indexOf(untyped.id));
  });

  it('knows a product whose title names another type after the wanted one as an accessory', () => {
    const index = new ProductIndex();
    // Enough cable locks for "lock" to be a type an untyped title can name.
    const locks = Array.from({ length: 10 }, (_, i) =>
      product(`Omega L${i} cable lock`, 'Omega', 'Cable lock', 2000),
    );
    // Pairs alike in text. In the first of each, the title names the product's own type after
    // "Laptop": a lock (read from the title of an untyped product), a backpack (its category).
    // The second names no type after it (an unknown "Riser", a category its title does not say).
    const lock = product('Kensington MicroSaver Laptop Lock', 'Kensington', 'Other', 3000);
    const riser = product('Kensington MicroSaver Laptop Riser', 'Kensington', 'Other', 3000);
    const backpack = product('Kensington Saddlebag Laptop Backpack', 'Kensington', 'Backpack', 6000);
    const carrier = product('Kensington Saddlebag Laptop Carrier', 'Kensington', 'Backpack', 6000);
    index.replaceAll([...shop(), ...locks, lock, riser, backpack, carrier]);
    const ids = index.search(q({ q: 'laptops', pageSize: 100 })).hits.map((h) => h.id);
    expect(ids.indexOf(riser.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(carrier.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(lock.id)).toBeGreaterThan(ids.indexOf(riser.id));
    expect(ids.indexOf(backpack.id)).toBeGreaterThan(ids.indexOf(carrier.id));
    // Asked for by its own type, it is what the shopper wants.
    const backpacks = index.search(q({ q: 'laptop backpack', pageSize: 5 })).hits;
    expect(backpacks.map((h) => h.id)).toContain(backpack.id);
    // Backpacks all, "Notebook backpack"s among them (notebook: the learnt word for laptop).
    expect(backpacks.every((h) => /backpack$/i.test(h.category))).toBe(true);
  });

  it('reads no type in an untyped title after "w/" or "with"', () => {
    const index = new ProductIndex();
    const fans = Array.from({ length: 10 }, (_, i) => product(`Omega F${i} fan`, 'Omega', 'Fan', 2000));
    const enclosures = Array.from({ length: 10 }, (_, i) =>
      product(`Omega E${i} drive enclosure`, 'Omega', 'Drive enclosure', 2000),
    );
    // Alike in text: an enclosure that comes with a fan, and one whose title ends with its type.
    const withFan = product('Nu Drive Enclosure w/ Fan', 'Nu', 'Other', 3000);
    const fan = product('Nu Drive Enclosure x Fan', 'Nu', 'Other', 3000);
    index.replaceAll([withFan, fan, ...fans, ...enclosures]);
    const ids = index.search(q({ q: 'fan', pageSize: 100 })).hits.map((h) => h.id);
    expect(ids.indexOf(fan.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(withFan.id)).toBeGreaterThan(ids.indexOf(fan.id));
  });

  it('reads the query head through it ("gaming laptop": a gaming notebook, not a game)', async () => {
    const index = new ProductIndex();
    index.replaceAll(shop());
    expect(index.search(q({ q: 'gaming laptop' })).hits[0]!.title).toBe('Zeta Gaming notebook 15');
    // Only the head word: "laptop bag" is still about bags that say laptop first.
    expect(index.search(q({ q: 'laptop bag' })).hits[0]!.title).toBe('Acme Laptop Bag');
    // Shards learn it from their summed vocabularies.
    const sharded = new ShardedIndex({ shards: 2 });
    try {
      await sharded.open(shop(), []);
      expect((await sharded.search(q({ q: 'gaming laptop' }))).hits[0]!.title).toBe(
        'Zeta Gaming notebook 15',
      );
    } finally {
      await sharded.close();
    }
  });
});

describe('Initialisms learnt from the catalog', () => {
  function catalog(): Product[] {
    const items: Product[] = [];
    for (let i = 0; i < 6; i++) {
      // Vendors name the type in full in the title and write the initialism in the description,
      // once in the plural; the last one never writes it.
      const said = i === 5 ? 'flash storage' : i === 4 ? 'Samsung SSDs' : 'SSD';
      items.push(
        product(
          `Samsung S${i} internal solid state drive 2.5" ${i + 1}00 GB`,
          'Samsung',
          'Internal solid state drive',
          9000,
          { description: `${i + 1}00GB ${said}, SATA III` },
        ),
      );
      // Says two words of the phrase, but is no solid state drive.
      items.push(
        product(
          `Samsung H${i} internal hard drive 3.5" ${i + 1} TB`,
          'Samsung',
          'Internal hard drive',
          7000,
          {
            description: 'SATA hard disk on a solid aluminium frame',
          },
        ),
      );
      // Initials nobody writes: "lmt" is no word for label making tape.
      items.push(product(`Tape Co T${i} label making tape`, 'Tape Co', 'Label making tape', 900));
    }
    // Say the initialism and two words of the phrase: hybrid drives with an SSD cache.
    for (let i = 0; i < 2; i++)
      items.push(
        product(`Samsung Y${i} hybrid hard drive 2 TB`, 'Samsung', 'Hybrid hard drive', 8000, {
          description: 'SSD cache, solid metal frame',
        }),
      );
    // Titles that say the initialism, of another type.
    items.push(product('Orbit SATA to CF SSD adapter', 'Orbit', 'Adapter', 1500));
    items.push(product('Orbit 2.5 to 3.5 SSD mounting bracket', 'Orbit', 'Mounting bracket', 700));
    return items;
  }

  it('counts the words of the phrase only together', () => {
    const doc = (id: string, title: string) => ({
      id,
      title,
      fits: '',
      brand: 'Acme',
      type: 'Widget',
      description: '',
    });
    // Alike but for one word: one says "solid" (a word of the phrase), the other "plain".
    const segment = new SearchSegment([
      doc('a', 'Acme SSD widget solid'),
      doc('b', 'Acme SSD widget plain'),
      doc('c', 'Acme widget solid state drive'),
      doc('d', 'Acme widget solid drive'),
    ]);
    const head = { phrase: ['solid', 'state', 'drive'] };
    const found = segment.search(['ssd'], true, undefined, undefined, head);
    const score = new Map(found.ids.map((id, i) => [id, found.scores[i]!]));
    // The whole phrase says the word; part of it neither matches nor adds to a match.
    expect([...score.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(score.get('a')).toBeCloseTo(score.get('b')!, 10);
  });

  it('learns an initialism the products of a type write, and none that nobody writes', () => {
    const index = new ProductIndex();
    index.replaceAll(catalog());
    const learnt = learnAcronyms(index.baseStatistics().types!);
    expect([...learnt]).toEqual([['ssd', ['solid', 'state', 'drive']]]);
  });

  it('reads the initialism as the type it names', async () => {
    const index = new ProductIndex();
    const items = catalog();
    index.replaceAll(items);
    const result = index.search(q({ q: 'ssd', pageSize: 20 }));
    // The drives first (the one that never writes "SSD" too), then what only mentions SSDs; a
    // hard drive that says "solid" and "drive" is no match at all.
    expect(result.hits.slice(0, 6).every((h) => h.category === 'Internal solid state drive')).toBe(true);
    expect(result.hits.map((h) => h.title)).toContain('Samsung S5 internal solid state drive 2.5" 600 GB');
    expect(
      result.hits
        .map((h) => h.category)
        .slice(6)
        .sort(),
    ).toEqual(['Adapter', 'Hybrid hard drive', 'Hybrid hard drive', 'Mounting bracket']);
    expect(result.total).toBe(10);
    // With another word: the brand's SSDs first; its hybrid drives (which say "SSD", "solid" and
    // "drive") after them, scored without the two words of the phrase they happen to say.
    const samsung = index.search(q({ q: 'samsung ssd', pageSize: 20 })).hits;
    expect(samsung.slice(0, 6).every((h) => h.category === 'Internal solid state drive')).toBe(true);
    expect(index.search(q({ q: 'ssds' })).hits[0]!.category).toBe('Internal solid state drive');
    // "lmt" is no word of the catalog: no label tape for it.
    expect(index.search(q({ q: 'lmt' })).hits.some((h) => h.category === 'Label making tape')).toBe(false);
    // Shards learn it from their summed vocabularies.
    const sharded = new ShardedIndex({ shards: 2 });
    try {
      await sharded.open(items, []);
      const hits = (await sharded.search(q({ q: 'ssd', pageSize: 20 }))).hits;
      expect(hits.slice(0, 6).every((h) => h.category === 'Internal solid state drive')).toBe(true);
    } finally {
      await sharded.close();
    }
  });
});

describe('Learnt abbreviations', () => {
  it('learns the letters of a word of capitals and a number that products write beside the name', () => {
    const vocabulary = emptyVocabulary();
    for (const text of [
      'Nova Quest, ZX9 video game ZoomXpress 9',
      'Nova Racer video game ZoomXpress 9 ZX9',
      'Nova Dash video game ZoomXpress 8 ZX8',
      // Split from the word itself ("RJ 45"), or with another number: not the name.
      'Orbit RJ45 cable RJ 45',
      'Orbit RJ45 cable RJ 45',
      'Orbit RJ45 cable RJ 45',
      'Nova QV9 stand QuickView 7',
      'Nova QV9 stand QuickView 7',
      'Nova QV9 stand QuickView 7',
    ])
      countAbbreviations(vocabulary, text);
    const learnt = learnAbbreviations(vocabulary);
    expect([...learnt]).toEqual([['zx', ['zoomxpress']]]);
    // Any number: what "ZX9" and "ZX8" products teach reads "zx7" too.
    expect(abbreviationOf(learnt, 'zx7')).toEqual(['zoomxpress', '7']);
    expect(abbreviationOf(learnt, 'zx')).toBeUndefined();
    expect(abbreviationOf(learnt, 'qv9')).toBeUndefined();
  });

  it('matches the abbreviation by the name the titles write', async () => {
    const items = [
      product('Nova Quest, ZX9 video game ZoomXpress 9', 'Nova', 'Video game', 6000),
      product('Nova Racer video game ZoomXpress 9', 'Nova', 'Video game', 6000, {
        description: 'Racer, ZX9',
      }),
      product('Nova Legends video game ZoomXpress 9', 'Nova', 'Video game', 6000, {
        description: 'Legends, ZX9',
      }),
      // Says the name only: no "ZX9" anywhere.
      product('Nova Saga - Special Edition ZoomXpress 9', 'Nova', 'Other', 6000),
      product('Nova Classic ZoomXpress 8 console', 'Nova', 'Console', 20000),
      ...Array.from({ length: 30 }, (_, i) => product(`Acme Party ${i} board game`, 'Acme', 'Game', 2000)),
    ];
    const index = new ProductIndex();
    index.replaceAll(items);
    const titles = (hits: { title: string }[]) => hits.map((h) => h.title);
    expect(titles(index.search(q({ q: 'zx9', pageSize: 20 })).hits)).toContain(
      'Nova Saga - Special Edition ZoomXpress 9',
    );
    // A number no product abbreviates: learnt from the others.
    expect(titles(index.search(q({ q: 'zx8', pageSize: 20 })).hits)).toEqual([
      'Nova Classic ZoomXpress 8 console',
    ]);
    // "games" is the head: the game named only by its console's name still comes before board games.
    const games = index.search(q({ q: 'zx9 games', pageSize: 20 })).hits;
    expect(titles(games.slice(0, 4))).toContain('Nova Saga - Special Edition ZoomXpress 9');
    const sharded = new ShardedIndex({ shards: 2 });
    try {
      await sharded.open(items, []);
      const hits = (await sharded.search(q({ q: 'zx9 games', pageSize: 20 }))).hits;
      expect(titles(hits.slice(0, 4))).toContain('Nova Saga - Special Edition ZoomXpress 9');
    } finally {
      await sharded.close();
    }
  });
});

describe('Segments', () => {
  const ids = (index: ProductIndex, query: string) =>
    index
      .search(q({ q: query, pageSize: 50 }))
      .hits.map((h) => h.id)
      .sort();

  it('scores products written after an empty base (a new shop filled through the API)', () => {
    const index = new ProductIndex();
    index.replaceAll([]);
    const usb = product('Acme USB cable', 'Acme', 'Cable', 900);
    const hdmi = product('Acme HDMI cable', 'Acme', 'Cable', 900);
    index.upsert(usb);
    index.upsert(hdmi);
    const hits = index.search(q({ q: 'usb cable' })).hits;
    // The empty base's field lengths (0/0 in Lunr) must not turn the delta's scores into NaN.
    expect(hits.map((h) => h.id)).toEqual([usb.id, hdmi.id]);
    for (const h of hits) expect(Number.isFinite(h.score) && h.score! > 0).toBe(true);
    // An empty segment saves and loads (it is what a shop with no products saves).
    const empty = new SearchSegment([]);
    expect(SearchSegment.deserialize(empty.serialize())).not.toBeNull();
  });

  it('round-trips a serialized segment and refuses another format or a damaged one', () => {
    const { items } = catalog();
    const docs = items.map((p) => toIndexedDoc(p));
    const built = new SearchSegment(docs);
    const text = built.serialize();
    const loaded = SearchSegment.deserialize(text)!;
    expect(loaded.ids).toEqual(built.ids);
    for (const [terms, all] of [
      [['headphones'], true],
      [['wireless', 'headph'], true],
      [['sony', 'usb'], false],
    ] as const) {
      const found = built.search([...terms], all);
      expect(found.ids.length).toBeGreaterThan(0);
      expect(loaded.search([...terms], all)).toEqual(found);
    }
    // A typo's expansion reads the terms the loaded segment rebuilt its automaton from.
    expect(loaded.search(['headphonez'], false)).toEqual(built.search(['headphonez'], false));
    expect(loaded.serialize()).toBe(text);
    const parsed = JSON.parse(text) as { format: string; segment: { docs: number[]; start: number[] } };
    expect(SearchSegment.deserialize(JSON.stringify({ ...parsed, format: 'other' }))).toBeNull();
    expect(SearchSegment.deserialize(text.slice(0, text.length / 2))).toBeNull();
    expect(SearchSegment.deserialize('null')).toBeNull();
    // Postings that point past the products, or arrays that disagree, are refused too.
    const badDoc = { ...parsed.segment, docs: parsed.segment.docs.map((d, i) => (i === 0 ? 1e6 : d)) };
    expect(SearchSegment.deserialize(JSON.stringify({ ...parsed, segment: badDoc }))).toBeNull();
    const short = { ...parsed.segment, start: parsed.segment.start.slice(1) };
    expect(SearchSegment.deserialize(JSON.stringify({ ...parsed, segment: short }))).toBeNull();
    // Parts of the wrong kind, which would fail or mislead later searches rather than the load.
    const segment = parsed.segment as Record<string, unknown[] | Record<string, unknown>>;
    const swap = (key: string, value: unknown) =>
      SearchSegment.deserialize(JSON.stringify({ ...parsed, segment: { ...segment, [key]: value } }));
    const terms = segment.terms as string[];
    const docsOf = segment.docs as number[];
    expect(swap('terms', [7, ...terms.slice(1)])).toBeNull();
    expect(swap('terms', [terms[1], ...terms.slice(1)])).toBeNull();
    expect(
      swap(
        'df',
        (segment.df as number[]).map((n, i) => (i === 0 ? String(n) : n)),
      ),
    ).toBeNull();
    expect(
      swap(
        'refs',
        (segment.refs as string[]).map((_, i) => i),
      ),
    ).toBeNull();
    expect(swap('avg', {})).toBeNull();
    // A product twice in one posting (its weight would count twice).
    const first = (segment.start as number[]).findIndex((at, n, all) => all[n + 1]! - at >= 2);
    const at = (segment.start as number[])[first]!;
    expect(
      swap(
        'docs',
        docsOf.map((d, i) => (i === at + 1 ? docsOf[at]! : d)),
      ),
    ).toBeNull();
  });

  it('restores from a saved base: gone products tombstoned, new and changed ones in the delta', async () => {
    const { index, items } = catalog();
    const saved = await index.compact();
    const renamed = { ...items[0]!, title: 'Sony Studio Monitor Headphones' };
    const added = product('Marshall Major IV Headphones', 'Marshall', 'Headphones', 12900);
    const now = [renamed, ...items.slice(2), added]; // Bose (items[1]) was deleted
    const restored = new ProductIndex();
    expect(restored.restore(now, saved, [renamed.id])).toBe(true);
    expect(restored.size).toBe(6);
    expect(ids(restored, 'headphones')).toEqual([renamed.id, items[4]!.id, added.id].sort());
    expect(ids(restored, 'studio')).toEqual([renamed.id]);
    expect(ids(restored, 'wireless noise')).toEqual([]);
    expect(ids(restored, 'quietcomfort')).toEqual([]);
    // Typo expansion reads the restored base's token set, built on first use.
    expect(ids(restored, 'speakr')).toEqual([items[2]!.id, items[3]!.id].sort());
    expect(new ProductIndex().restore(now, '{"format":"old"}')).toBe(false);
  });

  it('measures what a build counts: field lengths and document frequencies', () => {
    const docs = catalog().items.map((p) => toIndexedDoc(p));
    const built = new SearchSegment(docs);
    const measured = measure(docs);
    expect(measured.documents).toBe(docs.length);
    expect(measured.frequency).toEqual(built.statistics().frequency);
    expect(averagesOf([measured])).toEqual(built.averageFieldLength);
    // Apart and added up, as shards measure: the same averages, to the last bit.
    expect(averagesOf([measure(docs.slice(0, 2)), measure(docs.slice(2))])).toEqual(built.averageFieldLength);
  });

  it('weighs products alike in segments built apart on the same statistics (shards)', () => {
    const { items } = catalog();
    const filler = Array.from({ length: 40 }, (_, i) =>
      product(
        `Sony ${i % 2 ? 'wireless' : 'portable'} speaker ${i}`,
        i % 3 ? 'Sony' : 'JBL',
        'Speakers',
        1000 + i,
      ),
    );
    const docs = [...items, ...filler].map((p) => toIndexedDoc(p));
    const whole = new SearchSegment(docs);
    const halves = [docs.filter((_, i) => i % 2 === 0), docs.filter((_, i) => i % 2 === 1)];
    const averages = averagesOf(halves.map(measure));
    const apart = halves.map(
      (half, h) => new SearchSegment(half, { averages, others: measure(halves[1 - h]!) }),
    );
    const alone = halves.map((half) => new SearchSegment(half));
    const corpus = (t: string) => whole.idf(t);
    const scores = (segment: SearchSegment, terms: string[], idf?: (t: string) => number) => {
      const found = segment.search(terms, false, () => true, idf);
      return new Map(found.ids.map((id, i) => [id, found.scores[i]!]));
    };
    let differed = 0;
    for (const terms of [
      ['sony'],
      ['wireless', 'speaker'],
      ['headphones'],
      ['portable', 'bluetooth', 'speaker'],
    ]) {
      const want = scores(whole, terms);
      apart.forEach((segment, h) => {
        // Built on the corpus's statistics: the very weights one segment of all builds.
        for (const [id, score] of scores(segment, terms, corpus))
          expect(score, `${terms} ${id}`).toBe(want.get(id));
        // Built on their own averages and IDF, rescaled to the corpus's IDF: other weights
        // (in so small a catalog, the averages of its short fields differ by half).
        for (const [id, score] of scores(alone[h]!, terms, corpus)) if (score !== want.get(id)) differed++;
      });
    }
    expect(differed).toBeGreaterThan(0);
    // What the IDF was built on is saved: a loaded segment rescales as the built one does.
    const loaded = SearchSegment.deserialize(apart[0]!.serialize())!;
    const other = (t: string) => corpus(t) * 1.5;
    expect(loaded.averageFieldLength).toEqual(averages);
    expect(loaded.idf('sony')).toBe(apart[0]!.idf('sony'));
    expect(loaded.idf('sony')).toBe(whole.idf('sony'));
    expect(scores(loaded, ['sony', 'speaker'], other)).toEqual(scores(apart[0]!, ['sony', 'speaker'], other));
  });

  it('scores a product in the delta like the same product in the base', () => {
    const { index, items } = catalog();
    const filler = Array.from({ length: 300 }, (_, i) =>
      product(`Garden hose ${i} metres`, 'Gardena', 'Hoses', 1000 + i),
    );
    index.replaceAll([...items, ...filler]);
    const original = items[0]!; // Sony WH-1000XM4 Wireless Noise Cancelling Headphones
    const copy = { ...original, id: 'copy-of-sony' };
    index.upsert(copy);
    for (const query of ['sony headphones', 'wireless noise cancelling', 'headphones', 'sony hose']) {
      const hits = index.search(q({ q: query, pageSize: 50 })).hits;
      const score = (id: string) => hits.find((h) => h.id === id)?.score ?? 0;
      expect(score(original.id), query).toBeGreaterThan(0);
      // Equal but for the copy itself in the delta's statistics (one more product with the
      // words makes them a little less rare); with the delta's own statistics it was 0.09.
      expect(score(copy.id) / score(original.id), query).toBeGreaterThan(0.85);
      expect(score(copy.id) / score(original.id), query).toBeLessThan(1.15);
    }
  });

  it('compacts in the background: searches and writes go on, and nothing written meanwhile is lost', async () => {
    let release!: () => void;
    let builds = 0;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: SegmentBuilder = async (docs) => {
      builds++;
      await gate;
      return inProcessBuilder(docs);
    };
    const compacted: number[] = [];
    const index = new ProductIndex({
      maxDelta: 3,
      builder: slow,
      onCompacted: (_, at) => compacted.push(at),
    });
    index.replaceAll([]);
    const first = Array.from({ length: 4 }, (_, i) =>
      product(`Widget number${i}`, 'Acme', 'Widgets', 100 + i),
    );
    for (const p of first) index.upsert(p);
    index.checkpoint = 4;
    expect(builds).toBe(1); // the fourth product passed maxDelta
    // While the base builds: searches answer from the delta, writes keep landing.
    expect(index.search(q({ q: 'widget' })).total).toBe(4);
    index.upsert({ ...first[0]!, title: 'Gadget thing0' });
    const late = product('Widget latecomer', 'Acme', 'Widgets', 500);
    index.upsert(late);
    index.checkpoint = 6;
    release();
    await index.compacted();
    expect(compacted).toEqual([0]); // the checkpoint when the compaction took its snapshot
    // Every product once, with its latest text (the category still says Widgets).
    expect(ids(index, 'widget')).toEqual([...first.map((p) => p.id), late.id].sort());
    expect(ids(index, 'gadget')).toEqual([first[0]!.id]);
    // The new base holds its old text (snapshot taken before the rename): tombstoned.
    expect(ids(index, 'number0')).toEqual([]);
    expect(ids(index, 'thing0')).toEqual([first[0]!.id]);
    expect(ids(index, 'latecomer')).toEqual([late.id]);
    expect(builds).toBe(1);
  });

  it('keeps stock-only changes out of the segments but applies them to filters at once', () => {
    let builds = 0;
    const counting: SegmentBuilder = (docs) => {
      builds++;
      return inProcessBuilder(docs);
    };
    const { items } = catalog();
    const index = new ProductIndex({ maxDelta: 1, builder: counting });
    index.replaceAll(items);
    const generation = index.generation;
    const jbl = items[2]!; // stock 0
    expect(index.search(q({ q: 'speaker', inStock: 'true' })).hits.map((h) => h.id)).not.toContain(jbl.id);
    for (let i = 0; i < 5; i++)
      index.upsert({ ...jbl, stock: 10 + i, price: { amount: 9000 + i, currency: 'USD' } });
    expect(index.generation).toBeGreaterThan(generation);
    expect(builds).toBe(0);
    const hit = index.search(q({ q: 'speaker', inStock: 'true' })).hits.find((h) => h.id === jbl.id);
    expect(hit?.price.amount).toBe(9004);
  });

  it('builds a base in a worker thread', async () => {
    const { items } = catalog();
    const index = new ProductIndex({ builder: workerBuilder });
    await index.load(items);
    expect(ids(index, 'headphones')).toEqual([items[0]!.id, items[1]!.id, items[4]!.id].sort());
    expect(index.suggest('blue')).toContainEqual({ text: 'bluetooth', kind: 'term' });
  });
});

describe('titleFactor', () => {
  const title = (text: string) => {
    const titleStems = text.split(' ');
    return { titleStems, titleBits: titleStems.reduce((bits, w) => bits | stemBit(w), 0) };
  };
  const bits = (stems: string[]) => stems.map(stemBit);
  const factor = (text: string, query: string[], ...rest: [string?, { term: string; first: number }[]?]) =>
    titleFactor(title(text), query, bits(query), query.length - 1, ...rest);
  it('rewards a title that says every query word, as the catalog words it or joined', () => {
    const drive = factor('hp extern usb cd dvd drive', ['cd', 'drive']);
    const hard = factor('hp person media drive extern hard drive', ['cd', 'drive']);
    expect(drive).toBeGreaterThan(1);
    expect(hard).toBe(1);
    // The head word through its learnt synonym, two words through the word they join into.
    expect(factor('acme game notebook', ['game', 'laptop'], 'notebook')).toBe(drive);
    expect(factor('acme game notebook', ['laptop', 'game'], 'notebook')).toBe(1);
    // The head word where the query has it: "laptop hp" is a laptop, by HP.
    expect(
      titleFactor(title('hp game notebook'), ['laptop', 'hp'], bits(['laptop', 'hp']), 0, 'notebook'),
    ).toBe(drive);
    expect(
      titleFactor(title('hp game notebook'), ['laptop', 'hp'], bits(['laptop', 'hp']), 1, 'notebook'),
    ).toBe(1);
    expect(factor('logitech usb headset', ['head', 'set'], undefined, [{ term: 'headset', first: 0 }])).toBe(
      drive,
    );
    // A word no title says (bit 0) is not said, whatever the title's bits.
    expect(titleFactor(title('hp usb cd drive'), ['cd', 'drive'], [0, stemBit('drive')], 1)).toBe(1);
  });
});

describe('phraseFactor', () => {
  const title = (text: string) => {
    const titleStems = text.split(' ');
    return { titleStems, titleBits: titleStems.reduce((bits, w) => bits | stemBit(w), 0) };
  };
  it('rewards the query words side by side and in order, and reads no stems when a bit is clear', () => {
    const query = ['usb', 'hub'];
    const queryBits = query.map(stemBit);
    expect(phraseFactor(title('acme 4 port usb hub'), query, queryBits)).toBeGreaterThan(1);
    expect(phraseFactor(title('acme hub with usb'), query, queryBits)).toBe(1);
    expect(phraseFactor(title('acme usb cable'), query, queryBits)).toBe(1);
    // Whatever the stems say, a clear bit decides (the bits are the stems' own in an index).
    expect(phraseFactor({ titleStems: ['usb', 'hub'], titleBits: 0 }, query, queryBits)).toBe(1);
    expect(phraseFactor(title('acme usb hub'), ['hub'], [stemBit('hub')])).toBe(1);
  });
});

describe('firstInOrder', () => {
  it('returns the first k items of a full sort, ties and all', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const compare = (a: [number, number], b: [number, number]) => b[0] - a[0] || a[1] - b[1];
    for (const n of [0, 1, 5, 40, 1000]) {
      const items = Array.from({ length: n }, (_, i): [number, number] => [Math.floor(random() * 20), i]);
      const sorted = [...items].sort(compare);
      for (const k of [0, 1, 3, 10, 250, 2000])
        expect(firstInOrder(items, k, compare)).toEqual(sorted.slice(0, k));
    }
  });
});

describe('maxFactor', () => {
  const title = (text: string) => {
    const titleStems = text.split(' ');
    return { titleStems, titleBits: titleStems.reduce((bits, w) => bits | stemBit(w), 0) };
  };
  it('bounds the type, phrase and title factors together, and leaves out a phrase the bits rule out', () => {
    const titles = ['acme 4 port usb hub', 'usb hub', 'acme hub with usb', 'acme usb cable', 'acme notebook'];
    const queries = [['usb', 'hub'], ['hub'], ['usb', 'hub', 'acme'], ['notebook', 'usb'], ['gadget']];
    const wanted = { head: 'hub', modifiers: new Set(['usb']) };
    for (const text of titles)
      for (const query of queries) {
        const t = title(text);
        const bits = query.map(stemBit);
        const most = typeFactor(wanted, new Set(['hub', 'notebook']), query) * phraseFactor(t, query, bits);
        expect(most * titleFactor(t, query, bits, query.length - 1)).toBeLessThanOrEqual(maxFactor(t, bits));
      }
    // "usb hub" can be no phrase of a title without "hub": a lower bound than one with it.
    expect(maxFactor(title('acme usb cable'), ['usb', 'hub'].map(stemBit))).toBeLessThan(
      maxFactor(title('acme usb hub'), ['usb', 'hub'].map(stemBit)),
    );
  });
});

describe('bestWeighed', () => {
  it('finds the page that weighing every candidate finds, weighing fewer', () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const n of [0, 3, 50, 2000]) {
      // Text scores, and factors between 0.5 and each candidate's ceiling (some exactly at it),
      // rounded so that ties happen.
      const candidates = Array.from({ length: n }, (_, ordinal) => ({
        row: { ordinal },
        text: Math.round(1 + random() * 30),
        score: -1,
        most: random() < 0.5 ? 2 : 4,
        factor: 0,
      }));
      for (const c of candidates) c.factor = random() < 0.1 ? c.most : 0.5 + Math.floor(random() * 4) / 4;
      type C = (typeof candidates)[number];
      let weighed = 0;
      const weigh = (c: C) => {
        if (c.score < 0) {
          weighed++;
          c.score = c.text * c.factor;
        }
        return c.score;
      };
      const ceiling = (c: C) => c.text * c.most;
      const all = [...candidates].sort(
        (a, b) => b.text * b.factor - a.text * a.factor || a.row.ordinal - b.row.ordinal,
      );
      for (const k of [1, 10, 40]) {
        for (const c of candidates) c.score = -1;
        weighed = 0;
        // biome-ignore lint/suspicious/noExplicitAny: the test's candidates have what bestWeighed reads
        const page = bestWeighed(candidates as any, k, weigh as any, ceiling as any) as unknown as C[];
        expect(page.map((c) => c.row.ordinal)).toEqual(all.slice(0, k).map((c) => c.row.ordinal));
        if (n === 2000) expect(weighed).toBeLessThan(n / 2);
      }
    }
  });
});

describe('Icecat mapping', () => {
  it('maps a record, derives its category from the title, and rejects broken ones', () => {
    const vocabulary = CategoryVocabulary.learn(
      ['HP 250 notebook', 'Dell Vostro notebook', 'Acer Aspire notebook'].map((title) => ({
        title,
        brand: title.split(' ')[0]!,
      })),
    );
    const ok = icecatToProduct(
      {
        id: '2101957',
        title: 'HP Pavilion dv7-1211ea Notebook Silver 43.2 cm',
        supplier: 'HP',
        short_description: 'Intel Core 2 Duo',
        price: 10995,
        img_500x500: 'http://images.icecat.biz/x.jpg',
        attr_t_product_colour: 'Silver',
      },
      vocabulary,
    );
    expect(ok.ok && ok.product).toMatchObject({
      id: '2101957',
      brand: 'HP',
      price: 10995,
      category: 'Notebook',
      images: ['https://images.icecat.biz/x.jpg'],
      attributes: { 'product colour': 'Silver' },
    });
    expect(icecatToProduct({ id: '1', title: 'x', supplier: 'y' }).ok).toBe(false);
    expect(icecatToProduct('junk').ok).toBe(false);
    expect(icecatToProduct({ id: 'a b', title: 'x', supplier: 'y', price: 1 }).ok).toBe(false);
  });

  it(`reads a category's head before a trailing parenthesis ("Hybrid (2-in-1)": a hybrid)`, () => {
    const signature = (category: string) => {
      const { head, modifiers } = typeSignature(category);
      return { head, modifiers: [...modifiers].sort() };
    };
    expect(signature('Hybrid (2-in-1)')).toEqual({ head: 'hybrid', modifiers: ['1', '2', 'in'] });
    expect(signature('Mini PC (<= 3L)')).toEqual({ head: 'pc', modifiers: ['3', 'l', 'mini'] });
    expect(signature('Mini PC (<= 3L) barebone').head).toBe('barebon');
    expect(signature('Notebook case')).toEqual({ head: 'case', modifiers: ['notebook'] });
    expect(signature('Other').head).toBeNull();
  });

  it('prefers the stated product type and skips units when reading one from the title', () => {
    expect(deriveCategory('Xerox 006R90321 toner cartridge Original Black', 'Xerox')).toBe('Toner cartridge');
    expect(deriveCategory('Belkin 2 m networking cable Cat6', 'Belkin')).toBe('Networking cable');
    // The first half of a shared compound is no type ("notebook- or telephone holder": a holder).
    expect(deriveCategory('Newstar notebook- or telephone holder', 'Newstar')).toBe('Telephone holder');
    expect(deriveCategory('Acme X1 e-book reader', 'Acme')).toBe('E-book reader');
    expect(deriveCategory('Intel Core i7 processor', 'Intel', 'Processor')).toBe('Processor');
    expect(deriveCategory('ACME 123 456', 'ACME', '1')).toBe('Other');
    // Colours and units after a measurement are no product types.
    expect(deriveCategory('HP L1906 Flat Panel Monitor 48.3 cm (19") 1280 x 1024 pixels', 'HP')).toBe(
      'Other',
    );
    expect(deriveCategory('Brother LC61BK ink Original black', 'Brother')).toBe('Ink');
    expect(deriveCategory('HP 250 notebook', 'HP')).toBe('Notebook');
    // A preposition ends a type ("bolt through desk" is no desk), and a negation says none: Icecat's
    // placeholder "not categorized", "This item will not work with…".
    expect(deriveCategory('Dataflex Viewmaster bolt through desk - mount 963', 'Dataflex')).toBe('Bolt');
    expect(deriveCategory('Philips SDV5119/27 not categorized', 'Philips')).toBe('Other');
  });

  it('reads capitalized titles by their last known product type, skipping learnt colours', () => {
    const vocabulary = CategoryVocabulary.learn([
      ...['A', 'B', 'C'].map((m) => ({ title: `Acme ${m} monitor`, brand: 'Acme' })),
      ...['A', 'B', 'C'].map((m) => ({ title: `Acme ${m} mauve`, brand: 'Acme', colour: 'Mauve' })),
    ]);
    expect(
      deriveCategory('HP L1906 Flat Panel Monitor 48.3 cm (19") 1280 x 1024 pixels', 'HP', null, vocabulary),
    ).toBe('Monitor');
    expect(deriveCategory('Acme XL Mauve', 'Acme', null, vocabulary)).toBe('Other');
  });

  it('reads a known head word alone as the type of a title that names no known phrase', () => {
    const vocabulary = CategoryVocabulary.learn([
      ...['A', 'B', 'C'].map((m) => ({ title: `Acme ${m} flat screen wall mount`, brand: 'Acme' })),
      ...['A', 'B', 'C'].map((m) => ({ title: `Acme ${m} computer case fan`, brand: 'Acme' })),
      // "fan" said as an attribute after a type more often than as one: no head alone.
      ...['A', 'B', 'C', 'D'].map((m) => ({
        title: `Intel ${m} computer cooling component Fan 9.2 cm`,
        brand: 'Intel',
      })),
    ]);
    const derive = (title: string, description?: string) =>
      deriveCategory(title, title.split(' ')[0]!, null, vocabulary, description);
    expect(derive('Chief Flat Panel Fixed Wall Mount Black')).toBe('Mount');
    // A phrase wins over a later head, as does a phrase of the description.
    expect(derive('Zeta Computer Case Fan 80 mm Mount')).toBe('Computer case fan');
    expect(derive('Chief Z1 Mount Black', 'Chief Computer Case Fan')).toBe('Computer case fan');
    expect(derive('APC Condenser 2 Fan White')).toBe('Other');
  });

  it('reads the type a short description names when the title names none', () => {
    const vocabulary = CategoryVocabulary.learn(
      ['A', 'B', 'C'].map((m) => ({ title: `Acme ${m} ink cartridge`, brand: 'Acme' })),
    );
    const title = 'HP 780 Original Light magenta 1 pc(s)';
    expect(deriveCategory(title, 'HP', null, vocabulary)).toBe('Other');
    expect(
      deriveCategory(title, 'HP', null, vocabulary, 'HP 780 500-ml Light Magenta Ink Cartridge, 500 ml'),
    ).toBe('Ink cartridge');
    // Only the phrase: what follows it in a description is not part of the type.
    expect(deriveCategory(title, 'HP', null, vocabulary, 'Ink Cartridge light Magenta f Stylus Pro')).toBe(
      'Ink cartridge',
    );
    // Prose is no name.
    const prose = 'Keeps your ink cartridge fresh for longer when the printer stands idle';
    expect(deriveCategory(title, 'HP', null, vocabulary, prose)).toBe('Other');
  });

  it('takes a stated two-letter type ("PC") for its product, but does not read it into other titles', () => {
    const records = [
      { title: 'Lenovo V55t 8 GB Tower Black PC', brand: 'Lenovo', productType: 'PC' },
      ...['A', 'B', 'C'].map((m) => ({ title: `HP ${m} notebook`, brand: 'HP' })),
    ];
    const vocabulary = CategoryVocabulary.learn(records);
    expect(deriveCategory(records[0]!.title, 'Lenovo', 'PC', vocabulary)).toBe('PC');
    expect(deriveCategory('HP 530 Notebook PC', 'HP', null, vocabulary)).toBe('Notebook');
  });

  it('reads the first of alternatives as the type, and stops at "w/" but not at an aperture', () => {
    expect(deriveCategory('Canon EF 50mm f/1.8 STM lens Black', 'Canon')).toBe('Lens');
    // "F/F" and "F/M" are connector genders and "F/UTP" a shielding, not "for"; "f/ASUS" is.
    expect(deriveCategory('C2G 15ft DB9 F/F Null Modem Cable signal cable 4.57 m Black', 'C2G')).toBe(
      'Signal cable',
    );
    expect(deriveCategory('ACT FB2001 networking cable 1 m Cat5e F/UTP (FTP) Gray', 'ACT')).toBe(
      'Networking cable',
    );
    expect(deriveCategory('2-Power Li-Ion Battery OEM f/ASUS notebook', '2-Power')).toBe('Other');
    expect(deriveCategory('Canon AD-11 AC Adapter power adapter/inverter Black', 'Canon')).toBe(
      'Power adapter',
    );
    const vocabulary = CategoryVocabulary.learn(
      ['numeric keypad', 'notebook', 'mouse', 'computer case', 'connector'].flatMap((type) =>
        ['A', 'B', 'C'].map((m) => ({ title: `Acme ${m} ${type}`, brand: 'Acme' })),
      ),
    );
    const derive = (title: string) => deriveCategory(title, title.split(' ')[0]!, null, vocabulary);
    // "keypad" ends a known type; "medium" none.
    expect(derive('Kensington Wireless Notebook Keypad/Calculator With USB')).toBe('Notebook keypad');
    expect(derive('Zeta Anir Mouse Medium/Small Black')).toBe('Mouse');
    // What comes after "w/" comes with the product.
    expect(derive('StarTech.com 70x15mm Computer Case Fan w/ TX3 Connector')).toBe('Computer case fan');
    expect(derive('Supermicro Thermal Mouse w/holder')).toBe('Mouse');
  });

  it('types an untyped title by the typed products whose attribute names are most like its own', () => {
    const monitorKeys = [
      'diagonal',
      'resolution',
      'response_time',
      'pivot',
      'contrast',
      'brightness',
      'refresh',
      'vesa',
    ];
    const phoneKeys = [
      'diagonal',
      'resolution',
      'sim_type',
      'talk_time',
      'battery_mah',
      'rear_camera',
      'nfc',
      'os',
    ];
    const common = ['weight', 'width', 'depth', 'height'];
    const vocabulary = CategoryVocabulary.learn([
      ...['A', 'B', 'C'].map((m) => ({
        title: `Acme ${m} computer monitor 68.6 cm (27")`,
        brand: 'Acme',
        attributeKeys: [...monitorKeys, ...common],
      })),
      ...['D', 'E', 'F'].map((m) => ({
        title: `Acme ${m} monitor 61 cm (24")`,
        brand: 'Acme',
        attributeKeys: [...monitorKeys, ...common, 'speakers'],
      })),
      ...['A', 'B', 'C', 'D', 'E'].map((m) => ({
        title: `Zeta ${m} smartphone 17 cm (6.7")`,
        brand: 'Zeta',
        attributeKeys: [...phoneKeys, ...common],
      })),
      // An untyped record teaches nothing.
      { title: 'Omega X1 Black', brand: 'Omega', attributeKeys: [...phoneKeys, ...common] },
    ]);
    const title = 'DELL P2421D 60.5 cm (23.8") 2560 x 1440 pixels Quad HD LCD Black';
    expect(deriveCategory(title, 'DELL', null, vocabulary)).toBe('Other');
    // Its neighbours are monitors, "computer monitors" and plain ones: it is a "Monitor", as its
    // own words do not say "computer".
    expect(
      deriveCategory(title, 'DELL', null, vocabulary, null, [...monitorKeys, ...common, 'usb_hub']),
    ).toBe('Monitor');
    expect(
      deriveCategory('Zeta Q1 17 cm (6.7") 128 GB 4G', 'Zeta', null, vocabulary, null, [
        ...phoneKeys,
        ...common,
      ]),
    ).toBe('Smartphone');
    // Attributes every kind gives say nothing, and a title's own type still wins.
    expect(
      deriveCategory('Omega X2 Black', 'Omega', null, vocabulary, null, [...common, 'a', 'b', 'c', 'd']),
    ).toBe('Other');
    expect(deriveCategory('Acme Z mouse', 'Acme', null, vocabulary, null, [...monitorKeys, ...common])).toBe(
      'Mouse',
    );
  });

  it('types by attribute names only when the closest neighbours agree', () => {
    const keys = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'];
    const other = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8'];
    const vocabulary = CategoryVocabulary.learn([
      ...['A', 'B', 'C'].map((m) => ({
        title: `Acme ${m} scanner`,
        brand: 'Acme',
        attributeKeys: [...keys, 's'],
      })),
      ...['D', 'E'].map((m) => ({ title: `Acme ${m} scanner`, brand: 'Acme', attributeKeys: other })),
      ...['F', 'G', 'H'].map((m) => ({
        title: `Acme ${m} printer`,
        brand: 'Acme',
        attributeKeys: [...keys, 'p'],
      })),
      ...['I', 'J'].map((m) => ({ title: `Acme ${m} printer`, brand: 'Acme', attributeKeys: other })),
    ]);
    // Three scanners and three printers are as close: no type.
    expect(deriveCategory('Acme MFP-1 Black', 'Acme', null, vocabulary, null, [...keys, 's', 'p'])).toBe(
      'Other',
    );
    // Nor do three scanners among five neighbours make a scanner (two printers are nearly as close).
    expect(deriveCategory('Acme S-1 Black', 'Acme', null, vocabulary, null, [...keys, 's'])).toBe('Other');
  });

  it('reads no type in a word that titles mostly say after a count ("4 Port")', () => {
    const vocabulary = CategoryVocabulary.learn([
      ...['A', 'B', 'C'].map((m) => ({ title: `Acme ${m} port`, brand: 'Acme' })),
      ...['2', '4', '8', '16'].map((n) => ({ title: `Zeta ${n} Port KVM Switch`, brand: 'Zeta' })),
      ...['A', 'B', 'C'].map((m) => ({ title: `Acme ${m} switch`, brand: 'Acme' })),
    ]);
    expect(vocabulary.counted.has('port')).toBe(true);
    expect(vocabulary.counted.has('switch')).toBe(false);
    const derive = (title: string) => deriveCategory(title, title.split(' ')[0]!, null, vocabulary);
    expect(derive('StarTech.com 4 Port USB 2.0 Hub 480 Mbit/s Black')).toBe('Other');
    expect(derive('StarTech.com 4 Port KVM Switch')).toBe('Switch');
    // Not after a number, it may still name the type.
    expect(derive('Kensington USB Port')).toBe('Port');
  });

  it('reads the words after a known type as the head of a compound, unless they are attributes', () => {
    // Titles in Icecat's convention teach "monitor" as a type and "USB" as an attribute word.
    const vocabulary = CategoryVocabulary.learn(
      ['A', 'B', 'C'].map((m) => ({ title: `Acme ${m} monitor USB`, brand: 'Acme' })),
    );
    const derive = (title: string) => deriveCategory(title, title.split(' ')[0]!, null, vocabulary);
    expect(derive('Kensington SmartFit Extended Monitor Arm')).toBe('Monitor arm');
    expect(derive('StarTech.com Monitor Privacy Screen for 24 inch PC Display')).toBe(
      'Monitor privacy screen',
    );
    expect(derive('Zeta Z1 Monitor USB')).toBe('Monitor');
    expect(derive('Zeta Z1 Monitor Black')).toBe('Monitor');
    expect(derive('Zeta Z1 Monitor X200')).toBe('Monitor');
    // A type written in lowercase, Icecat's convention, ends there: the capitalized words after it
    // are attributes ("HP OfficeCalc 100 calculator Desktop Financial Black" is no "desktop").
    expect(derive('Zeta Z1 100 monitor Desktop Curved')).toBe('Monitor');
    // So a monitor arm is an accessory for "monitor", below monitors, even with a shorter title.
    const arm = 'Ergo Monitor Arm';
    const monitor = 'Zeta Z1 UltraWide Curved Gaming Monitor';
    expect(derive(arm)).toBe('Monitor arm');
    const index = new ProductIndex();
    index.replaceAll([
      product(arm, 'Ergo', derive(arm), 5000),
      product(monitor, 'Zeta', derive(monitor), 15000),
    ]);
    expect(index.search(q({ q: 'monitor' })).hits.map((h) => h.title)).toEqual([monitor, arm]);
  });
});
