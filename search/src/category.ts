/**
 * A category for products that have none (Icecat has no category field).
 *
 * Icecat titles follow "Brand Model product type attributes…" ("HP Pavilion dv7 Notebook Silver…",
 * "Xerox 006R90321 toner cartridge Original Black"): the product type is the first run of
 * lowercase words after the brand. When Icecat states `attr_t_product_type`, that wins. Units and
 * connecting words that can start such a run ("cm", "for", "with") are not a product type.
 */
const NOT_A_TYPE = new Set(
  'to for with and or of on in over by from at cm mm ft m in inch kg g ml l ppm pcs pc sheets pages dots gen series year born blank de'.split(
    ' ',
  ),
);

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function deriveCategory(title: string, brand: string, productType?: string | null): string {
  const stated = productType?.trim();
  if (stated && /[A-Za-z]{3}/.test(stated)) return capitalize(stated);
  const rest = title.startsWith(brand) ? title.slice(brand.length) : title;
  const words = rest.split(/\s+/).filter(Boolean);
  const phrase: string[] = [];
  for (const w of words) {
    if (/^[a-z][a-z-]*$/.test(w) && !(phrase.length === 0 && NOT_A_TYPE.has(w))) {
      if (NOT_A_TYPE.has(w)) break;
      phrase.push(w);
      if (phrase.length === 4) break;
    } else if (phrase.length) break;
  }
  return phrase.length ? capitalize(phrase.join(' ')) : 'Other';
}
