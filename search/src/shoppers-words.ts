/**
 * Shoppers' words for what the catalog calls otherwise, which nothing in it teaches: a query that
 * says them searches the catalog's words instead. synonyms.ts learns the words shoppers share with
 * titles ("laptop" beside "notebook" in "laptop bag", "notebook bag"); these the titles never say
 * beside the catalog's word ("television": Icecat's TVs are "LCD TV"; its few "television" titles
 * are antennas), or say of something else ("pen drive" reads as an optical "drive"; "cell phone" as
 * battery "cells"). Found by asking the catalog a shopper's everyday words; kept to words whose
 * meaning is one kind of product, so no reading is lost.
 */
const PHRASES: readonly [said: string, catalog: string][] = [
  ['television', 'tv'],
  ['televisions', 'tv'],
  ['telly', 'tv'],
  ['earphone', 'headphones'],
  ['earphones', 'headphones'],
  ['cellphone', 'smartphone'],
  ['cellphones', 'smartphone'],
  ['cell phone', 'smartphone'],
  ['cell phones', 'smartphone'],
  ['mobile phone', 'smartphone'],
  ['mobile phones', 'smartphone'],
  ['pendrive', 'flash drive'],
  ['pendrives', 'flash drive'],
  ['pen drive', 'flash drive'],
  ['pen drives', 'flash drive'],
  ['thumbdrive', 'flash drive'],
  ['thumb drive', 'flash drive'],
  ['thumb drives', 'flash drive'],
  ['hard disk drive', 'hard drive'],
  ['hard disk', 'hard drive'],
  ['hard disks', 'hard drive'],
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
