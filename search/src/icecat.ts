import { MAX_ATTRIBUTES, type ProductInput } from '@shopsync/core';
import { z } from 'zod';
import { CategoryVocabulary, deriveCategory } from './category.js';
import { plainText } from './icecat-text.js';
import { presentedValue } from './icecat-units.js';

const IcecatRecord = z
  .object({
    id: z.union([z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), z.number().int().nonnegative()]),
    title: z.string().trim().min(1).max(1000),
    supplier: z.string().trim().min(1).max(200),
    short_description: z.string().max(20_000).nullish(),
    price: z.number().int().min(0).max(100_000_000).nullish(),
    img_500x500: z.string().nullish(),
    img_high: z.string().nullish(),
    img_low: z.string().nullish(),
    img_thumb: z.string().nullish(),
    date_released: z.string().nullish(),
    name: z.string().nullish(),
    // A list of barcodes (EAN-13, GTIN-14, UPC-12), checked one by one (`barcodes`).
    ean: z.unknown().optional(),
    attr_t_product_type: z.unknown().optional(),
  })
  .passthrough();

export type IcecatProduct = ProductInput & { id: string; category: string };

/**
 * The stock a product an Icecat import creates starts with (the data has none); vendors set real
 * levels. Only new products take it: a re-import leaves the stock orders and vendors left alone.
 */
export const ICECAT_DEFAULT_STOCK = 25;

function url(u: string | null | undefined): string | undefined {
  if (!u) return undefined;
  // Icecat serves the same images over HTTPS; the storefront is served securely too.
  const secure = u.replace(/^http:\/\//, 'https://');
  // An image that is no web address is left out; the product is still a product.
  return secure.length <= 2000 && /^https:\/\/[^\s]+$/.test(secure) && URL.canParse(secure)
    ? secure
    : undefined;
}

/** One raw Icecat record to a product, or the reason it is not one. Never throws. */
export function icecatToProduct(
  raw: unknown,
  vocabulary?: CategoryVocabulary,
): { ok: true; product: IcecatProduct } | { ok: false; error: string } {
  const parsed = IcecatRecord.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      error: parsed.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; '),
    };
  }
  const r = parsed.data;
  if (r.price === null || r.price === undefined)
    return { ok: false, error: 'price: missing (cannot be sold)' };
  // Icecat's text is often HTML ("<br />", "&reg;"): the shop shows and indexes its text.
  const title = plainText(r.title);
  const brand = plainText(r.supplier);
  if (!title) return { ok: false, error: 'title: no text once its markup is removed' };
  if (!brand) return { ok: false, error: 'supplier: no text once its markup is removed' };
  const description = plainText(r.short_description ?? '', { lines: true });
  const attributes: Record<string, string> = {};
  const model = r.name ? plainText(r.name) : '';
  if (model) attributes.model = model;
  // Every record has its barcodes (19,406 of 19,406; 1 to 127 each): a shopper may scan or type
  // one, and the product page lists them. A search for one finds its product (product-index.ts).
  const ean = barcodes(r.ean);
  if (ean) attributes.EAN = ean;
  if (r.date_released) attributes.released = r.date_released.slice(0, 10);
  for (const [key, value] of Object.entries(r)) {
    if (!key.startsWith('attr_')) continue;
    // Icecat's values are text, numbers or flags; anything else (an object, an array) is no
    // attribute a shopper reads, and String() of one can throw ({"toString": "x"}).
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    const feature = key.replace(/^attr_[a-z]_/, '');
    const label = feature.replace(/__/g, ' ').replace(/_/g, ' ').trim();
    // A value of markup alone (Intel's block diagrams, "<div><img …></div>") says nothing.
    const text = typeof value === 'string' ? plainText(value) : String(value);
    if (!text) continue;
    attributes[label] = presentedValue(feature, text, title).slice(0, 2000);
    // A bound, as imports are untrusted files (MAX_ATTRIBUTES × 2,000 characters a product): well
    // above what the catalog states (at most 186 with model and release date; the old bound, 60,
    // cut the specifications of 1,148 products, a notebook's weight and size among them).
    if (Object.keys(attributes).length >= MAX_ATTRIBUTES) break;
  }
  const productType = typeof r.attr_t_product_type === 'string' ? r.attr_t_product_type : undefined;
  // img_500x500, img_high, img_low and img_thumb are one photo at four sizes: the gallery shows
  // it once, at the size made for a product page (500 px), or the nearest size there is.
  const image = url(r.img_500x500) ?? url(r.img_high) ?? url(r.img_low) ?? url(r.img_thumb);
  return {
    ok: true,
    product: {
      id: String(r.id),
      title,
      brand,
      description,
      price: r.price,
      stock: ICECAT_DEFAULT_STOCK,
      category: deriveCategory(title, brand, productType, vocabulary, description, attributeKeys(r)),
      images: image ? [image] : [],
      attributes,
    },
  };
}

/** The most characters an attribute value has (`Attributes` in @shopsync/core). */
const MAX_VALUE = 2000;

/**
 * A record's barcodes as one attribute value, "0095205603217, 0735858205177": Icecat's `ean` is a
 * list (a string or number is read as one). Only codes of 8 to 14 digits, each once, as many as
 * fit an attribute value; undefined when there is none.
 */
export function barcodes(value: unknown): string | undefined {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  const codes: string[] = [];
  let length = 0;
  for (const item of list) {
    if (typeof item !== 'string' && typeof item !== 'number') continue;
    const code = String(item).trim();
    if (!/^\d{8,14}$/.test(code) || codes.includes(code)) continue;
    length += code.length + (codes.length > 0 ? 2 : 0);
    if (length > MAX_VALUE) break;
    codes.push(code);
  }
  return codes.length > 0 ? codes.join(', ') : undefined;
}

/** The attribute names a record gives a value (`attr_t_display_diagonal`…), its colour aside. */
function attributeKeys(r: Record<string, unknown>): string[] {
  return Object.keys(r).filter(
    (k) =>
      k.startsWith('attr_') &&
      k !== 'attr_t_product_colour' &&
      r[k] !== null &&
      r[k] !== undefined &&
      r[k] !== '',
  );
}

/** The product-type vocabulary of a batch of raw Icecat records (see category.ts). */
export function icecatVocabulary(records: unknown[]): CategoryVocabulary {
  return CategoryVocabulary.learn(
    records.flatMap((r) => {
      if (!r || typeof r !== 'object') return [];
      try {
        const { title, supplier, attr_t_product_type, attr_t_product_colour } = r as Record<string, unknown>;
        if (typeof title !== 'string' || typeof supplier !== 'string') return [];
        return [
          {
            // As icecatToProduct reads them (the vocabulary learns the words products are named by).
            title: plainText(title),
            brand: plainText(supplier),
            productType: typeof attr_t_product_type === 'string' ? attr_t_product_type : null,
            colour: typeof attr_t_product_colour === 'string' ? attr_t_product_colour : null,
            attributeKeys: attributeKeys(r as Record<string, unknown>),
          },
        ];
      } catch {
        // A record that cannot be read teaches nothing (the import rejects it by position).
        return [];
      }
    }),
  );
}
