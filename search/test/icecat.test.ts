import { MAX_ATTRIBUTES } from '@shopsync/core';
import { describe, expect, it } from 'vitest';
import { icecatAvailable, loadIcecat, SHARED_DATA } from '../scripts/load-icecat.js';
import { ICECAT_DEFAULT_STOCK, icecatToProduct } from '../src/icecat.js';
import { plainText } from '../src/icecat-text.js';
import { presentedValue } from '../src/icecat-units.js';
import { ProductIndex } from '../src/product-index.js';
import { PHRASES } from '../src/shoppers-words.js';
import { tokenize } from '../src/text.js';

const record = (fields: Record<string, unknown> = {}) => ({
  id: '4558542',
  title: 'Intel Core E8200 processor 2.66 GHz Box 6 MB L2',
  supplier: 'Intel',
  price: 16_300,
  ...fields,
});
function mapped(fields: Record<string, unknown> = {}) {
  const result = icecatToProduct(record(fields));
  if (!result.ok) throw new Error(result.error);
  return result.product;
}

describe('plainText (Icecat HTML to the text a shopper reads)', () => {
  it('reads C1 controls as the Windows-1252 characters they stand for, and drops other controls', () => {
    // Seven Icecat values (five products) hold such characters: dashes, trade marks, a quote.
    expect(plainText('built for performance\u0097guaranteed')).toBe('built for performance—guaranteed');
    expect(plainText('TekColor\u0099 Corrections')).toBe('TekColor™ Corrections');
    // As a browser reads a numeric reference to one.
    expect(plainText('2&#150;4 pages')).toBe('2–4 pages');
    // Controls Windows-1252 has no character for, and C0 controls, are no text.
    expect(plainText('a\u0081b\u0000c\u0007d\u007fe')).toBe('a b c d e');
    expect(plainText('one\u0000\ntwo', { lines: true })).toBe('one\ntwo');
  });

  it('breaks lines where the markup does and starts each list item with a bullet', () => {
    expect(
      plainText('<ul><li>LEXX463H11G-Lexmark X463H11G Toner</li><li>High yield</li></ul><p>Original</p>', {
        lines: true,
      }),
    ).toBe('• LEXX463H11G-Lexmark X463H11G Toner\n• High yield\nOriginal');
    expect(plainText('Processor E8200 <br />(6M Cache, 2.66 GHz)<BR>Box', { lines: true })).toBe(
      'Processor E8200\n(6M Cache, 2.66 GHz)\nBox',
    );
    expect(plainText('<div>One</div><div>Two</div>', { lines: true })).toBe('One\nTwo');
  });

  it('joins the lines with spaces where a field is one line (a title, a value)', () => {
    expect(plainText('Kit, Phaser 8550 <strong>Not for the Phaser 8500.</strong><br/>Black')).toBe(
      'Kit, Phaser 8550 Not for the Phaser 8500. Black',
    );
  });

  it('drops every other tag and its attributes, and markup with no text at all', () => {
    expect(plainText('<span class="x">Red</span> <a href="https://x.example/?a=1&b=2">pen</a>')).toBe(
      'Red pen',
    );
    expect(
      plainText(
        '<div><img src="https://ark.intel.com/diagram-5.gif" title="Block Diagram" /><img src="d.gif" /></div>',
      ),
    ).toBe('');
    expect(plainText('A<!-- note -->B<?xml version="1.0"?>C</p>D')).toBe('ABC D');
  });

  it('decodes named, Latin-1, decimal and hex character references', () => {
    expect(plainText('&#1057;artridge 701 &amp; 702')).toBe('Сartridge 701 & 702');
    expect(plainText('90&deg; cable &reg; &lt;b&gt; &quot;x&quot; &apos;y&apos;')).toBe(
      `90° cable ® <b> "x" 'y'`,
    );
    expect(plainText('Caf&eacute; &Uuml;ber &ntilde; &szlig; &#x4E2D;&#X6587; &#xe9;')).toBe(
      'Café Über ñ ß 中文 é',
    );
    // A decoded '<' is text, not a tag: "&lt;br&gt;" shows as the author wrote it.
    expect(plainText('a &lt;br&gt; b', { lines: true })).toBe('a <br> b');
  });

  it('leaves what is no reference as it is', () => {
    expect(plainText('AT&T R&D &unknown; &amp 5&#; &#0; &#x110000; &#xD800;')).toBe(
      'AT&T R&D &unknown; &amp 5&#; &#0; &#x110000; &#xD800;',
    );
  });

  it('collapses runs of white space, no-break spaces too, and drops empty lines and bullets', () => {
    expect(plainText('  a \t b&nbsp;&nbsp;c\u00a0 d  ')).toBe('a b c d');
    expect(plainText('<p>  a  </p>\n\n<p></p><li></li><p>b</p>', { lines: true })).toBe('a\nb');
  });

  it('keeps a "<" that opens no tag, and drops a tag cut off at the end rather than show half of it', () => {
    expect(plainText('Power <85 W, 2 < 3, a <= b')).toBe('Power <85 W, 2 < 3, a <= b');
    expect(plainText('Toner black <br')).toBe('Toner black');
    expect(plainText('Toner <span class="long')).toBe('Toner');
  });

  it('reads hostile input in linear time (1 MB of "<", "<a", "&", "&#", "</"…)', () => {
    const mb = 1 << 20;
    expect(plainText('<'.repeat(mb))).toBe('<'.repeat(mb));
    expect(plainText('<a'.repeat(mb / 2))).toBe('');
    expect(plainText(`x${'<a'.repeat(mb / 2)}>y`)).toBe('xy');
    expect(plainText('</'.repeat(mb / 2))).toBe('</'.repeat(mb / 2));
    expect(plainText('&'.repeat(mb))).toBe('&'.repeat(mb));
    expect(plainText('&#'.repeat(mb / 2))).toBe('&#'.repeat(mb / 2));
    expect(plainText('&#x1'.repeat(mb / 4))).toBe('&#x1'.repeat(mb / 4));
    expect(plainText('<a>'.repeat(mb / 3))).toBe('');
    expect(plainText('<li>'.repeat(mb / 4), { lines: true })).toBe('');
    expect(plainText(' \n'.repeat(mb / 2), { lines: true })).toBe('');
  });
});

describe('presentedValue (a specification with its unit)', () => {
  it('gives a number its Icecat unit', () => {
    expect(presentedValue('processor_frequency', '1.6')).toBe('1.6 GHz');
    expect(presentedValue('weight', '3460')).toBe('3460 g');
    expect(presentedValue('hdd_size', '2.5')).toBe('2.5"');
  });

  it('gives a diagonal in centimetres with the inches after, as Icecat titles do', () => {
    expect(presentedValue('display_diagonal', '13.3')).toBe('33.8 cm (13.3")');
    expect(presentedValue('display_diagonal', '17')).toBe('43.2 cm (17")');
    expect(presentedValue('display_diagonal', '15.6')).toBe('39.6 cm (15.6")');
  });

  it('gives a range its unit once', () => {
    expect(presentedValue('operating_temperature__t_t_', '-20 - 60')).toBe('-20 - 60 °C');
    expect(presentedValue('ac_input_voltage', '110-240')).toBe('110 - 240 V');
    expect(presentedValue('operating_relative_humidity__h_h_', '10 - 90')).toBe('10 - 90%');
  });

  it('tells the unit of memory and cache by their size, and shows none where the size cannot tell', () => {
    expect(presentedValue('internal_memory', '8')).toBe('8 GB');
    expect(presentedValue('internal_memory', '16384')).toBe('16384 MB');
    // A 128 GB memory kit or a printer's 128 MB: no unit rather than a wrong one.
    expect(presentedValue('internal_memory', '128')).toBe('128');
    expect(presentedValue('processor_cache', '3')).toBe('3 MB');
    expect(presentedValue('processor_cache', '6144')).toBe('6144 KB');
  });

  it("tells a long cable's unit by its title: metres or millimetres, or none when the title does not say", () => {
    expect(presentedValue('cable_length', '2')).toBe('2 m');
    expect(presentedValue('cable_length', '0.5')).toBe('0.5 m');
    expect(presentedValue('cable_length', '305', 'Equip Cat.5e U/UTP Installation Cable, 305m')).toBe(
      '305 m',
    );
    expect(presentedValue('cable_length', '304.8', 'C2G Cat5E, 1000ft networking cable 304.8 m Blue')).toBe(
      '304.8 m',
    );
    expect(
      presentedValue('cable_length', '304.9', 'StarTech.com Bulk Cat6 Ethernet Cable - 1000 ft. - Solid'),
    ).toBe('304.9 m');
    expect(presentedValue('cable_length', '152.4', 'C2G 500ft 16/2 CL2 In Wall Speaker Wire')).toBe(
      '152.4 m',
    );
    expect(
      presentedValue(
        'cable_length',
        '152.4',
        'StarTech.com 6in 20 Pin ATX Power Supply to 24 Pin Motherboard Adapter',
      ),
    ).toBe('152.4 mm');
    // Millimetres that the title does not state: no unit rather than "1800 m" for a laptop lock.
    expect(presentedValue('cable_length', '1800', 'Kensington MicroSaver® Duo Laptop Lock')).toBe('1800');
    expect(presentedValue('cable_length', '3050', 'APC RACK PDU. BASIC. ZERO U. 32A. 230V.')).toBe('3050');
    // An altitude from 100 m on is metres all the same.
    expect(presentedValue('operating_altitude', '3048')).toBe('3048 m');
  });

  it('leaves a value that is no number, or a feature of no known unit, as it is', () => {
    expect(presentedValue('headphone_connectivity', '3.5 mm')).toBe('3.5 mm');
    expect(presentedValue('processor_frequency', 'varies')).toBe('varies');
    expect(presentedValue('usb_2_0_ports_quantity', '4')).toBe('4');
    expect(presentedValue('toString', '4')).toBe('4');
  });
});

describe('icecatToProduct', () => {
  it('maps HTML text to plain text: the description in lines, the title and values on one', () => {
    const p = mapped({
      title: 'StarTech.com 6 ft 90&deg; Down Angled VGA Cable <strong>M/M</strong>',
      short_description: 'Processor E8200 <br />(6M Cache, 2.66 GHz) &amp; more',
      name: 'BX80570E8200&reg;',
      attr_t_block_diagram: '<div><img src="https://ark.intel.com/diagram-5.gif" /></div>',
      attr_t_compatibility: 'Phaser 8550 <strong>not 8500</strong>',
    });
    expect(p.title).toBe('StarTech.com 6 ft 90° Down Angled VGA Cable M/M');
    expect(p.description).toBe('Processor E8200\n(6M Cache, 2.66 GHz) & more');
    expect(p.attributes.model).toBe('BX80570E8200®');
    expect(p.attributes.compatibility).toBe('Phaser 8550 not 8500');
    expect(p.attributes).not.toHaveProperty('block diagram');
    expect(p.stock).toBe(ICECAT_DEFAULT_STOCK);
  });

  it('rejects a record whose title is nothing but markup', () => {
    const result = icecatToProduct(record({ title: '<div><img src="x.gif"></div>' }));
    expect(result.ok || result.error).toMatch(/^title:/);
  });

  it('keeps one image per photo: the 500 px one, or the nearest size there is', () => {
    const sizes = {
      img_high: 'http://images.icecat.biz/img/gallery/1_high.jpg',
      img_500x500: 'http://images.icecat.biz/img/gallery_mediums/1_medium.jpg',
      img_low: 'http://images.icecat.biz/img/gallery_lows/1_low.jpg',
      img_thumb: 'http://images.icecat.biz/img/gallery_thumbs/1_thumb.jpg',
    };
    expect(mapped(sizes).images).toEqual(['https://images.icecat.biz/img/gallery_mediums/1_medium.jpg']);
    expect(mapped({ ...sizes, img_500x500: 'not an address' }).images).toEqual([
      'https://images.icecat.biz/img/gallery/1_high.jpg',
    ]);
    expect(mapped({ img_thumb: sizes.img_thumb }).images).toEqual([
      'https://images.icecat.biz/img/gallery_thumbs/1_thumb.jpg',
    ]);
    expect(mapped().images).toEqual([]);
  });

  it('states specifications with their units', () => {
    const p = mapped({
      attr_n_display_diagonal: 13.3,
      attr_n_processor_frequency: 1.6,
      attr_n_internal_memory: 8,
      attr_t_operating_temperature__t_t_: '0 - 35',
      attr_t_processor_cores: '2',
      attr_b_bluetooth: true,
    });
    expect(p.attributes).toMatchObject({
      'display diagonal': '33.8 cm (13.3")',
      'processor frequency': '1.6 GHz',
      'internal memory': '8 GB',
      'operating temperature t t': '0 - 35 °C',
      'processor cores': '2',
      bluetooth: 'true',
    });
  });

  it("keeps the record's barcodes as the EAN a product page lists, each once", () => {
    expect(mapped({ ean: ['0095205603217'] }).attributes.EAN).toBe('0095205603217');
    expect(
      mapped({ ean: ['5032037041478', '00735858205177', '5032037041478', 'x', { a: 1 }, '12', null] })
        .attributes.EAN,
    ).toBe('5032037041478, 00735858205177');
    // One code given alone, as a string or a number.
    expect(mapped({ ean: ' 8710895994644 ' }).attributes.EAN).toBe('8710895994644');
    expect(mapped({ ean: 8710895994644 }).attributes.EAN).toBe('8710895994644');
    expect(mapped().attributes).not.toHaveProperty('EAN');
    expect(mapped({ ean: [] }).attributes).not.toHaveProperty('EAN');
    // As many as an attribute value holds (2,000 characters; the catalog's most, 127, fit).
    const many = Array.from({ length: 300 }, (_, i) => String(4_000_000_000_000 + i));
    const kept = mapped({ ean: many }).attributes.EAN!;
    expect(kept.length).toBeLessThanOrEqual(2000);
    expect(kept.split(', ')).toEqual(many.slice(0, kept.split(', ').length));
  });

  it(`keeps a notebook's 180 specifications, and at most ${MAX_ATTRIBUTES} of a hostile record`, () => {
    const specs = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`attr_t_f${i}`, 'x']));
    const notebook = mapped({ name: 'dv7', ...specs(180), attr_n_weight: 3460 });
    expect(Object.keys(notebook.attributes)).toHaveLength(182);
    expect(notebook.attributes.weight).toBe('3460 g');
    expect(Object.keys(mapped(specs(100_000)).attributes)).toHaveLength(MAX_ATTRIBUTES);
  });
});

const available = icecatAvailable();
if (!available) console.warn(`skipping the Icecat catalog checks: ${SHARED_DATA}/icecat is absent`);

describe('the Icecat catalog as imported', () => {
  it.skipIf(!available)(
    'shows no markup or character reference in any text, one image per product, every spec',
    () => {
      const { products, rejected } = loadIcecat();
      expect(rejected).toBe(0);
      const markup = /<\/?[a-z][^<>]*>|&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i;
      const marked = products.filter((p) =>
        [p.title, p.brand, p.description, ...Object.values(p.attributes)].some((t) => markup.test(t)),
      );
      expect(marked.map((p) => p.id)).toEqual([]);
      expect(products.filter((p) => p.images.length > 1).map((p) => p.id)).toEqual([]);
      // The catalog's most: 184 specifications, with model and release date (60 cut 1,148 products).
      expect(Math.max(...products.map((p) => Object.keys(p.attributes).length))).toBeLessThan(MAX_ATTRIBUTES);
    },
    60_000,
  );

  it.skipIf(!available)(
    "keeps every product's barcodes: a search for one finds its product first",
    () => {
      const { products } = loadIcecat();
      expect(products.filter((p) => !p.attributes.EAN).map((p) => p.id)).toEqual([]);
      expect(products.find((p) => p.id === '3920564')!.attributes.EAN).toBe('0095205603217');
      // The index finds a barcode by a lookup; its text is not needed for it.
      const index = new ProductIndex();
      index.replaceAll(products.map((p) => ({ ...p, title: p.id, description: '' })));
      const first = (q: string) => index.search({ q, page: 1, pageSize: 5, sort: 'relevance' }).hits[0]?.id;
      expect(first('0095205603217')).toBe('3920564');
      const missed = products.filter((p) => p.attributes.EAN!.split(', ').some((ean) => first(ean) !== p.id));
      expect(missed.map((p) => p.id)).toEqual([]);
    },
    120_000,
  );

  it.skipIf(!available)(
    "reads as the catalog's words only phrases its titles say at most once, for words they say often",
    () => {
      const titles = loadIcecat().products.map((p) => ` ${tokenize(p.title, 200).join(' ')} `);
      const says = (phrase: string) => titles.filter((t) => t.includes(` ${phrase} `)).length;
      const saysWord = (word: string) => titles.filter((t) => t.includes(` ${word} `)).length;
      for (const [said, catalog] of PHRASES) {
        // Else the rewrite loses what the titles mean by it ("mobile phone": 58 titles, cases).
        expect(says(said), said).toBeLessThanOrEqual(1);
        for (const word of catalog.split(' ')) expect(saysWord(word), `${said}: ${word}`).toBeGreaterThan(20);
      }
    },
    60_000,
  );
});
