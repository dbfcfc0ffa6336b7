import { z } from 'zod';
import { CurrencyCode, Money } from './money.js';

/** Control characters (Unicode's Cc: C0, DEL and C1): never in a single-line field. */
const CONTROL = /\p{Cc}/u;
/** The control characters a description may not hold: all but its line breaks and tabs. */
const CONTROL_IN_PROSE = /[^\P{Cc}\t\n\r]/u;

/** A single-line field (title, brand, category): trimmed, not blank, no control characters. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL.test(s), 'control characters (line breaks and tabs too) are not allowed here');

/**
 * The category of a product that names none: the vendor API's and the importer's alike, and what
 * search reads as untyped (an Icecat product whose type it cannot derive is "Other" there too).
 */
export const FALLBACK_CATEGORY = 'Other';

/**
 * What makes two brands (or two categories) one: case, Unicode's compatibility forms and
 * whitespace aside ("hp", "HP ", "Ｈ Ｐ" are not one, "Hewlett  packard" and "Hewlett Packard"
 * are). Search's filterKey (search/src/text.ts) is this function: `brand=` and `category=`
 * filter by it, so one key is one spelling in the facets too. The catalog stores it (the key
 * columns of products): a change here needs a migration that sets them NULL, which the catalog
 * refills.
 */
export function spellingKey(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

export const ProductId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'product ids are letters, digits, _ and -');

/** A product's attributes as stored and returned: names of up to 100 characters, values 2,000. */
export const Attributes = z.record(z.string().max(100), z.string().max(2000));

/** The most attributes a product states (Icecat's most, 186, well within). */
export const MAX_ATTRIBUTES = 250;

/**
 * Attributes as a vendor writes them (and the importer takes them): a name is not blank, and
 * neither holds a control character. A value is one line: the product page lists them in a table.
 */
const AttributesInput = z
  .record(
    z
      .string()
      .max(100)
      .refine((name) => name.trim() !== '', 'an attribute name is not blank')
      .refine((name) => !CONTROL.test(name), 'control characters are not allowed in an attribute name'),
    z
      .string()
      .max(2000)
      .refine(
        (value) => !CONTROL.test(value),
        'control characters (line breaks and tabs too) are not allowed in an attribute value',
      ),
  )
  .refine(
    (attributes) => Object.keys(attributes).length <= MAX_ATTRIBUTES,
    `at most ${MAX_ATTRIBUTES} attributes`,
  );

/** A product as the API returns it. */
export const Product = z.object({
  id: ProductId,
  title: z.string(),
  brand: z.string(),
  description: z.string(),
  category: z.string(),
  price: Money,
  stock: z.number().int().min(0),
  images: z.array(z.string()),
  attributes: Attributes,
  version: z.number().int().min(1),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type Product = z.infer<typeof Product>;

const PriceInput = z.union([
  z.number().int().min(0).max(100_000_000),
  Money.pick({ amount: true }).extend({ currency: CurrencyCode.optional() }),
]);

/**
 * A product image: an http(s) URL. `new URL` also accepts `javascript:`, `data:` and `file:`
 * addresses, which a storefront must not put in front of every shopper.
 */
const ImageUrl = z
  .string()
  .max(2000)
  .url()
  .refine((u) => /^https?:\/\/[^/]/i.test(u), 'an image is an http or https URL');

/** The fields a vendor writes, as each is checked (no defaults: a patch names only what it changes). */
const productFields = {
  title: text(300),
  brand: text(100),
  description: z
    .string()
    .max(20_000)
    .refine(
      (s) => !CONTROL_IN_PROSE.test(s),
      'control characters other than line breaks and tabs are not allowed in a description',
    ),
  price: PriceInput,
  stock: z.number().int().min(0).max(10_000_000),
  category: text(100),
  images: z.array(ImageUrl).max(20),
  attributes: AttributesInput,
};

/** A vendor's create request (POST /api/products). Price is minor units or a Money object. */
export const ProductInput = z.object({
  ...productFields,
  // GET /api/products/popular is the best-seller list: no product may be called that.
  id: ProductId.refine((id) => id !== 'popular', 'the product id "popular" is reserved').optional(),
  description: productFields.description.default(''),
  category: productFields.category.optional(),
  images: productFields.images.default([]),
  attributes: productFields.attributes.default({}),
});
export type ProductInput = z.infer<typeof ProductInput>;

/**
 * A vendor's update request (PATCH /api/products/:id): any subset of the create fields. A field
 * left out keeps its value (the create request's defaults do not apply: they would blank the
 * description, images and attributes of every partial update). The fields the server owns
 * (`id`, `version`, `createdAt`, `updatedAt`) may be sent back as GET returned them and are not
 * written; the route refuses an `id` other than the product's, and without If-Match takes
 * `version` as the version the edit was made on (412 if the product moved since).
 */
export const ProductPatch = z
  .object({
    ...productFields,
    id: ProductId,
    version: z.number().int(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .partial()
  .strict();
export type ProductPatch = z.infer<typeof ProductPatch>;

export const StockInput = z.object({ stock: z.number().int().min(0).max(10_000_000) }).strict();

export function priceAmount(p: z.infer<typeof PriceInput>): number {
  return typeof p === 'number' ? p : p.amount;
}

export const SearchSort = z.enum(['relevance', 'price_asc', 'price_desc', 'newest']);
export type SearchSort = z.infer<typeof SearchSort>;

const optionalNumber = z.preprocess(
  (v) => (v === '' || v === undefined ? undefined : Number(v)),
  z.number().int().min(0).max(100_000_000).optional(),
);

/** A query parameter sent empty (`sort=&page=`, as a form leaves them) counts as not sent. */
const blankIsAbsent = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema);
/** A query-string switch: "true" or "1" is on, any other value off, blank or absent unset. */
const flag = z.preprocess(
  (v) => (v === undefined || v === '' ? undefined : v === 'true' || v === '1'),
  z.boolean().optional(),
);

/**
 * Brands to keep, any of them: `brand=Lenovo&brand=HP` (up to 20), or one; blank ones and
 * repeats dropped, none at all read as no filter.
 */
const brands = z.preprocess((v) => {
  const list = (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((b) => b !== '');
  return list.length === 0 ? undefined : [...new Set(list)];
}, z.array(z.string().max(200)).max(20).optional());

/**
 * How many values a brand or category facet lists unless asked (`facetLimit`): the home page's
 * departments and other callers read the commonest, and a broad query's answer stays small.
 */
export const FACET_DEFAULT = 30;
/**
 * The most a search may ask for (`facetLimit`): every value a shopper can choose from on a
 * query's results, bounded so that the broadest query's answer stays sensible (on the Icecat
 * catalog, the empty query's facets are 12 KB at 200: its 161 brands and 200 of 1,310 categories).
 */
export const FACET_LIMIT = 200;

/** GET /api/search query string. */
export const SearchParams = z.object({
  q: z.string().max(500).default(''),
  brand: brands,
  category: z.string().max(200).optional(),
  minPrice: optionalNumber,
  maxPrice: optionalNumber,
  inStock: flag,
  /**
   * The words as typed: no typo is read as the catalog's word ("lapptop" stays "lapptop"), what
   * "Search instead for …" asks after a corrected query.
   */
  exact: flag,
  sort: blankIsAbsent(SearchSort.default('relevance')),
  page: blankIsAbsent(z.coerce.number().int().min(1).max(1000).default(1)),
  pageSize: blankIsAbsent(z.coerce.number().int().min(1).max(100).default(24)),
  /** How many brand and category values to list, 1 to FACET_LIMIT; FACET_DEFAULT when absent. */
  facetLimit: blankIsAbsent(z.coerce.number().int().min(1).max(FACET_LIMIT).optional()),
});
export type SearchParams = z.infer<typeof SearchParams>;

export interface SearchHit {
  id: string;
  title: string;
  brand: string;
  category: string;
  price: Money;
  stock: number;
  image: string | null;
  score: number;
  /** Title with matched terms wrapped in <mark>…</mark> (the rest HTML-escaped). */
  highlights: { title: string };
}

export interface FacetValue {
  value: string;
  count: number;
}

export interface PriceFacet {
  value: string;
  min: number;
  max: number | null;
  count: number;
}

export interface SearchResult {
  hits: SearchHit[];
  total: number;
  page: number;
  pageSize: number;
  /** Brand and category values, most products first: `facetLimit` of each (see `facetCounts`). */
  facets: { brand: FacetValue[]; category: FacetValue[]; price: PriceFacet[] };
  /**
   * How many brands and categories the matches have in all: more than `facets` lists when a
   * facet has more values than were asked for ("Show 200 of 1,310").
   */
  facetCounts?: { brand: number; category: number };
  tookMs: number;
  /** The query as searched when a word in it was read as a typo ("moniter" -> "monitor"). */
  correctedQuery?: string;
}

export interface Suggestion {
  text: string;
  kind: 'brand' | 'category' | 'term' | 'product';
}
