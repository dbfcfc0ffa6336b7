import { escapeHtml } from '@shopsync/core/format';
import lunr from 'lunr';

const MAX_QUERY_CHARS = 500;
const MAX_QUERY_TERMS = 12;
/** No product word is longer; a longer "word" is noise, and fuzzy matching on it is costly. */
const MAX_TERM_CHARS = 40;

/**
 * A brand or category name as a filter compares it: case, width and spacing do not matter
 * ("hp", "HP ", "ＨＰ" name the brand HP).
 */
export function filterKey(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * Splits user text into lowercase word tokens. Everything that is not a letter or a digit
 * separates words, so no query syntax (`:`, `~`, `^`, `*`, `+`, `-`, quotes) survives, and
 * control characters and emoji simply vanish.
 */
export function tokenize(text: string, maxTerms = Number.POSITIVE_INFINITY): string[] {
  const out: string[] = [];
  for (const m of joinThousands(text.slice(0, MAX_QUERY_CHARS * 4).toLowerCase()).matchAll(
    /[\p{L}\p{N}]+/gu,
  )) {
    pushWord(out, m[0].slice(0, MAX_TERM_CHARS));
    if (out.length >= maxTerms) break;
  }
  return out.length > maxTerms ? out.slice(0, maxTerms) : out;
}

/**
 * Thousands written with commas ("10,000 mAh") as one number, as a shopper types it ("10000mah").
 * A comma before two digits ("30,5 m") is a decimal comma and stays a separator.
 */
function joinThousands(text: string): string {
  // Only a whole well-formed number: "10,100,1000 Mbit/s" is a list, not 101001000.
  return text.includes(',')
    ? text.replace(/(?<![\d,])\d{1,3}(?:,\d{3})+(?![\d,])/g, (n) => n.replaceAll(',', ''))
    : text;
}

/**
 * A number with its unit written on ("27in", "64GB", "1tb", "10ft", "144hz"): what it says apart.
 * Not "g" ("5g" is a network) and not "k" or "p" ("4k", "1080p" are names).
 */
const NUMBER_UNIT = /^(\d+)(inch|in|ft|gb|tb|mb|gbps|mbps|ghz|mhz|hz|mm|cm|m|w|wh|mah|va|kg|ml|l|v|mp|rpm)$/;

/** Whether a word is a unit a number is written with ("gb", "inch"; `NUMBER_UNIT`). */
export function isUnit(word: string): boolean {
  return word !== 'in' && NUMBER_UNIT.test(`1${word}`);
}

/** A number with its unit written on, as the two words it says ("27in": 27 inch); else undefined. */
function numberAndUnit(word: string): [string, string] | undefined {
  const unit = NUMBER_UNIT.exec(word);
  return unit ? [unit[1]!, unit[2] === 'in' ? 'inch' : unit[2]!] : undefined;
}

/**
 * Adds a word, or a number and its unit as two words ("64gb": 64 gb, as "64 GB" is written;
 * "27in": 27 inch), for products and queries alike.
 */
function pushWord(out: string[], word: string): void {
  const split = numberAndUnit(word);
  if (split) out.push(...split);
  else out.push(word);
}

/**
 * A product field's words as the index keeps them: split as queries are (`tokenize`), without the
 * query's length limits, stop words left out. Lunr's own tokenizer splits on spaces and hyphens
 * only and trims the ends of each piece, so "17.3\"", "3.0", "Phone/Smartphone" and
 * "StarTech.com" were indexed as one word each, which no query could ever say.
 */
export function indexTerms(text: string): string[] {
  const out: string[] = [];
  const lower = joinThousands(text.toLowerCase());
  let previous: RegExpMatchArray | undefined;
  for (const m of lower.matchAll(/[\p{L}\p{N}]+/gu)) {
    const term = m[0].slice(0, MAX_TERM_CHARS);
    // Two words of letters written with a hyphen ("Wi-Fi", "e-book") are also the word a shopper
    // writes them as ("wifi", "ebook").
    if (
      previous &&
      lower[m.index! - 1] === '-' &&
      previous.index! + previous[0].length === m.index! - 1 &&
      /^\p{L}+$/u.test(previous[0]) &&
      /^\p{L}+$/u.test(term)
    )
      out.push(previous[0] + term);
    previous = m;
    if (stopWords.has(term)) continue;
    pushWord(out, term);
    // Written joined, the word stays too: a shopper typing "32g" is completing "32gb".
    if (NUMBER_UNIT.test(term)) out.push(term);
    // Three letters are not stemmed (`stem`): "TVs" also says "tv", as "UPS" says "up" (which
    // no query of "ups" reads).
    else if (term.length === 3 && term.endsWith('s') && /^[a-z]{2}$/.test(term.slice(0, 2)))
      out.push(term.slice(0, 2));
  }
  return out;
}

export function queryTerms(q: string): string[] {
  return tokenize(q.slice(0, MAX_QUERY_CHARS), MAX_QUERY_TERMS);
}

const stopWords = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(
    ' ',
  ),
);

export function isStopWord(term: string): boolean {
  return stopWords.has(term);
}

/**
 * Stems already worked out: a page's highlights stem every title word, and the same few thousand
 * words come back (Lunr's stemmer was a fifth of a shard's search time). Bounded: emptied when full.
 */
const stems = new Map<string, string>();

/**
 * English plurals the stemmer does not bring back to their word ("mice" stayed "mice", so a
 * search for mice found MICR toner). Language, like the stop words: no catalog's own.
 */
const IRREGULAR_PLURALS = new Map([
  ['mice', 'mouse'],
  ['feet', 'foot'],
  ['teeth', 'tooth'],
  ['geese', 'goose'],
  ['children', 'child'],
  ['women', 'woman'],
  ['knives', 'knife'],
  ['shelves', 'shelf'],
  ['halves', 'half'],
  ['leaves', 'leaf'],
  ['indices', 'index'],
  ['matrices', 'matrix'],
  ['vertices', 'vertex'],
]);
const MAX_STEMS = 100_000;

/**
 * A word's stem. Words of three letters or fewer are their own: most are initialisms ("UPS",
 * "XPS", "GPS"), which the stemmer would read as plurals of others ("up", "xp"). An indexed
 * plural of two letters says its word too (`indexTerms`), and a shopper's ("tvs") is read as the
 * word when the catalog says that far more often (`ProductIndex.singular`).
 */
export function stem(term: string): string {
  if (term.length <= 3) return term;
  let stemmed = stems.get(term);
  if (stemmed === undefined) {
    stemmed = lunr.stemmer(new lunr.Token(IRREGULAR_PLURALS.get(term) ?? term, {})).toString();
    if (stems.size >= MAX_STEMS) stems.clear();
    stems.set(term, stemmed);
  }
  return stemmed;
}

/**
 * The title as safe HTML with every word that matches a query term (same stem, or the last
 * term as a prefix) wrapped in <mark>.
 */
export function highlight(title: string, terms: string[]): string {
  if (terms.length === 0) return escapeHtml(title);
  const stems = new Set(terms.map(stem));
  const prefix = terms[terms.length - 1]!;
  let out = '';
  let last = 0;
  for (const m of title.matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = m[0].toLowerCase();
    // A number with its unit written on ("64GB") is marked when its number and unit both match.
    const split = numberAndUnit(word);
    const hit =
      stems.has(stem(word)) ||
      // "TVs" says "tv" (`indexTerms`).
      (word.length === 3 && word.endsWith('s') && stems.has(word.slice(0, 2))) ||
      (prefix.length >= 3 && word.startsWith(prefix)) ||
      (split !== undefined && stems.has(split[0]) && stems.has(stem(split[1])));
    if (!hit) continue;
    out += `${escapeHtml(title.slice(last, m.index))}<mark>${escapeHtml(m[0])}</mark>`;
    last = m.index! + m[0].length;
  }
  return out + escapeHtml(title.slice(last));
}
