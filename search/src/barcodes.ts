/**
 * Barcodes (EAN-13, GTIN-14, UPC-12, EAN-8) as a search finds products by them: a shopper types or
 * scans one, and expects that product, not words. Not indexed as words: a lookup by the code.
 */

/**
 * The names of the attributes that hold a product's barcodes, lower case: a name is one of them
 * in any case and without the whitespace around it ("EAN", as the Icecat import keeps them;
 * "GTIN", "ean upc gtin"…). The API hands the index every such attribute whatever the case of its
 * name (`Catalog.forIndex`), so a product is found by its barcode from the first start on.
 */
export const BARCODE_KEYS: readonly string[] = [
  'ean',
  'eans',
  'gtin',
  'upc',
  'barcode',
  'ean upc gtin',
  'ean/upc',
];

/** Whether an attribute holds barcodes (such attributes are no specifications for `specsFactor`). */
export function isBarcodeKey(key: string): boolean {
  return BARCODE_KEYS.includes(key.trim().toLowerCase());
}

/**
 * A barcode as a lookup key: its digits without leading zeros, so that a GTIN-14
 * ("00735858205177"), its EAN-13 ("0735858205177") and a UPC-12 ("095205603217" of
 * "0095205603217") are the one code they are; undefined for anything of other than 8 to 14 digits.
 */
export function barcodeKey(code: string): string | undefined {
  const digits = code.replace(/\s+/g, '');
  if (!/^\d{8,14}$/.test(digits)) return undefined;
  const key = digits.replace(/^0+/, '');
  return key.length > 0 ? key : undefined;
}

/** The lookup keys of a product's barcode attributes ("0095205603217, 0735858205177"). */
export function barcodesOf(attributes: Readonly<Record<string, string>> | undefined): string[] {
  const keys: string[] = [];
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (!isBarcodeKey(name)) continue;
    // A list of codes; one code may be written in groups ("87 10895 99464 4").
    for (const code of value.split(/[,;|]/)) {
      const key = barcodeKey(code);
      if (key && !keys.includes(key)) keys.push(key);
    }
  }
  return keys;
}

/**
 * The barcode a query is, if it is one: its words all digits, together 8 to 14 of them
 * ("0095205603217", or as printed under the bars, "0 095205 603217").
 */
export function barcodeQuery(terms: readonly string[]): string | undefined {
  if (terms.length === 0 || terms.length > 4 || !terms.every((t) => /^\d+$/.test(t))) return undefined;
  return barcodeKey(terms.join(''));
}
