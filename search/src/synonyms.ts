/**
 * Synonyms learnt from the catalog's own vocabulary. A shopper's word for a product type that
 * the catalog never uses as one ("laptop": Icecat files them all under "notebook") is read as the
 * type it stands in for: the type word that forms the same compounds in titles ("laptop bag,
 * laptop stand, laptop lock" beside "notebook bag, notebook stand, notebook lock").
 */

/**
 * How words pair with product types in titles: `heads`, how many products have each type head
 * (stemmed); `pairs`, how many titles have word w right before head h, keyed "w h"; `brands`,
 * how many of those titles are of each brand, keyed "w brand" (a product line's name pairs with
 * many types too, but within one brand).
 */
export interface TypeVocabulary {
  heads: Map<string, number>;
  pairs: Map<string, number>;
  brands: Map<string, number>;
}

/** A word needs this many distinct types after it in titles to be compared at all. */
const MIN_PARTNERS = 10;
/** A word must be used so by this many brands: a shopper's word, not a product line's name. */
const MIN_BRANDS = 3;
/** A type needs this many products to be a synonym's target. */
const MIN_PRODUCTS = 20;
/** Jaccard similarity of the two words' partner types. */
const MIN_SIMILARITY = 0.25;
/** The best type must be this much more similar than the second: one clear reading. */
const MARGIN = 1.5;

export function emptyVocabulary(): TypeVocabulary {
  return { heads: new Map(), pairs: new Map(), brands: new Map() };
}

/**
 * Counts one product: its type head, and the title words right before a type head but those of
 * its brand's name ("Kensington", "StarTech.com").
 */
export function countProduct(
  vocabulary: TypeVocabulary,
  product: {
    head: string | null;
    titleStems: readonly string[];
    brand: string;
    brandStems: ReadonlySet<string>;
  },
  isHead: (stem: string) => boolean,
): void {
  const { head, titleStems, brand, brandStems } = product;
  if (head) add(vocabulary.heads, head);
  for (let i = 0; i + 1 < titleStems.length; i++) {
    const word = titleStems[i]!;
    const next = titleStems[i + 1]!;
    if (word === next || brandStems.has(word) || !isHead(next)) continue;
    add(vocabulary.pairs, `${word} ${next}`);
    add(vocabulary.brands, `${word} ${brand.toLowerCase()}`);
  }
}

function add(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Adds `from` into `into` (shards' vocabularies sum to the catalog's). */
export function addVocabulary(into: TypeVocabulary, from: TypeVocabulary): void {
  for (const [k, n] of from.heads) into.heads.set(k, (into.heads.get(k) ?? 0) + n);
  for (const [k, n] of from.pairs) into.pairs.set(k, (into.pairs.get(k) ?? 0) + n);
  for (const [k, n] of from.brands) into.brands.set(k, (into.brands.get(k) ?? 0) + n);
}

/**
 * word -> the type it stands for, for words that are never a product's type but pair with the
 * same types as one (Jaccard of their partner sets), clearly more than with any other.
 */
export function learnSynonyms({ heads, pairs, brands }: TypeVocabulary): Map<string, string> {
  const partners = new Map<string, Set<string>>();
  for (const key of pairs.keys()) {
    const space = key.indexOf(' ');
    const word = key.slice(0, space);
    let set = partners.get(word);
    if (!set) {
      set = new Set();
      partners.set(word, set);
    }
    set.add(key.slice(space + 1));
  }
  const brandCount = new Map<string, number>();
  for (const key of brands.keys()) add(brandCount, key.slice(0, key.indexOf(' ')));
  const types = [...heads].filter(([, n]) => n >= MIN_PRODUCTS).map(([h]) => h);
  const out = new Map<string, string>();
  for (const [word, mine] of partners) {
    if (heads.has(word) || mine.size < MIN_PARTNERS || (brandCount.get(word) ?? 0) < MIN_BRANDS) continue;
    let best = '';
    let first = 0;
    let second = 0;
    for (const type of types) {
      const theirs = partners.get(type);
      if (!theirs) continue;
      let shared = 0;
      for (const p of mine) if (theirs.has(p)) shared++;
      const similarity = shared / (mine.size + theirs.size - shared);
      if (similarity > first) {
        second = first;
        first = similarity;
        best = type;
      } else if (similarity > second) second = similarity;
    }
    if (first >= MIN_SIMILARITY && first >= second * MARGIN) out.set(word, best);
  }
  return out;
}
