/**
 * Shoppers' words for what the catalog calls otherwise, which nothing in it teaches: a query that
 * says them searches the catalog's words instead. synonyms.ts learns the words shoppers share with
 * titles ("laptop" beside "notebook" in "laptop bag", "notebook bag"); these the titles say at
 * most once ("television": Icecat's TVs are "LCD TV"; its one "television" title is an antenna),
 * so a search read them as something else ("pen drive": optical drives; "cell phone": battery
 * cells). A phrase the titles do say is no candidate, however common elsewhere: "mobile phone"
 * (58 titles, mostly cases) or "hard disk" (7, enclosures) read as "smartphone" or "hard drive"
 * lost those products (icecat.test.ts holds the list to this). Not applied to a search asked for
 * as typed (`exact`).
 */
export const PHRASES: readonly [said: string, catalog: string][] = [
  ['television', 'tv'],
  ['televisions', 'tv'],
  ['telly', 'tv'],
  ['earphone', 'headphones'],
  ['earphones', 'headphones'],
  ['cellphone', 'mobile phone'],
  ['cellphones', 'mobile phone'],
  ['cell phone', 'mobile phone'],
  ['cell phones', 'mobile phone'],
  ['pendrive', 'flash drive'],
  ['pendrives', 'flash drive'],
  ['pen drive', 'flash drive'],
  ['pen drives', 'flash drive'],
  ['thumbdrive', 'flash drive'],
  ['thumb drive', 'flash drive'],
  ['thumb drives', 'flash drive'],
  ['laptop charger', 'laptop power adapter'],
  ['notebook charger', 'notebook power adapter'],
];

/** The phrases by their first word, longest first (so "hard disk drive" wins over "hard disk"). */
const BY_FIRST = new Map<string, { said: string[]; catalog: string[] }[]>();
for (const [said, catalog] of PHRASES) {
  const words = said.split(' ');
  const list = BY_FIRST.get(words[0]!) ?? [];
  list.push({ said: words, catalog: catalog.split(' ') });
  list.sort((a, b) => b.said.length - a.said.length);
  BY_FIRST.set(words[0]!, list);
}

/** A query's words (lowercase, as queryTerms gives them) with shoppers' phrases read as the catalog's. */
export function shoppersWords(terms: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < terms.length; ) {
    const phrase = BY_FIRST.get(terms[i]!)?.find((p) => p.said.every((w, j) => terms[i + j] === w));
    if (phrase) {
      out.push(...phrase.catalog);
      i += phrase.said.length;
    } else out.push(terms[i++]!);
  }
  return out;
}
