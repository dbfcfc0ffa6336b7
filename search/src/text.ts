import { spellingKey } from '@shopsync/core/catalog';
import { escapeHtml } from '@shopsync/core/format';
import lunr from 'lunr';
import { shoppersWords } from './shoppers-words.js';

const MAX_QUERY_CHARS = 500;
const MAX_QUERY_TERMS = 12;
/** No product word is longer; a longer "word" is noise, and fuzzy matching on it is costly. */
const MAX_TERM_CHARS = 40;

/**
 * A brand or category name as a filter compares it: case, width and spacing do not matter
 * ("hp", "HP ", "ＨＰ" name the brand HP). The catalog's `spellingKey`, by which it stores one
 * spelling per key, so that one key is one value in the facets too.
 */
export const filterKey: (name: string) => string = spellingKey;

/**
 * Splits user text into lowercase word tokens. Everything that is not a letter or a digit
 * separates words, so no query syntax (`:`, `~`, `^`, `*`, `+`, `-`, quotes) survives, and
 * control characters and emoji simply vanish.
 */
export function tokenize(text: string, maxTerms = Number.POSITIVE_INFINITY, decimals = false): string[] {
  const out: string[] = [];
  for (const m of joinThousands(text.slice(0, MAX_QUERY_CHARS * 4).toLowerCase()).matchAll(
    decimals ? DECIMAL_OR_WORD : WORD,
  )) {
    pushWord(out, m[0].slice(0, MAX_TERM_CHARS));
    if (out.length >= maxTerms) break;
  }
  return out.length > maxTerms ? out.slice(0, maxTerms) : out;
}

const WORD = /[\p{L}\p{N}]+/gu;
/**
 * A decimal ("13.3", "1.5" of "1.5tb", "30,5") as one word, else a run of letters and digits. Not
 * a part of a longer run of numbers and points ("192.168.1.1", "3.0.1"), nor after a letter ("v1.5").
 */
const DECIMAL_OR_WORD = /(?<![\p{L}\p{N}.,])\d+[.,]\d+(?![\p{N}]|[.,]\d)|[\p{L}\p{N}]+/gu;
const DECIMAL = /^\d+[.,]\d+$/;

/** Whether a word is a decimal (`tokenize` with decimals: "13.3"). */
export function isDecimal(word: string): boolean {
  return DECIMAL.test(word);
}

/** A decimal as the two runs of digits the index has ("13.3": 13, 3); any other word as it is. */
export function decimalParts(word: string): string[] {
  return DECIMAL.test(word) ? word.split(/[.,]/) : [word];
}

/** A decimal's value ("13.3", "30,5"); NaN for a word that is no number. */
export function numberValue(word: string): number {
  return /^\d+(?:[.,]\d+)?$/.test(word) ? Number(word.replace(',', '.')) : Number.NaN;
}

/**
 * An inch mark after a number ("13.3\"", "27''", "2.5”"), as Icecat titles give screens and
 * drives: it says "inch", which is what shoppers type. In a query, a double quote that closes one
 * opened before it ("\"hp 301\"") is a quote, no inch mark.
 */
const INCH_MARK = /(\d)\s?(?:"|''|”|″)/g;

/** Inch marks written as the word "inch" (`INCH_MARK`), for titles and queries alike. */
export function inchMarks(text: string, quotes = false): string {
  if (!/["'”″]/.test(text)) return text;
  return text.replace(INCH_MARK, (mark: string, digit: string, offset: number) =>
    quotes && (text.slice(0, offset).match(/["“]/g)?.length ?? 0) % 2 === 1 ? mark : `${digit} inch `,
  );
}

/**
 * Thousands written with commas ("10,000 mAh") as one number, as a shopper types it ("10000mah").
 * A comma before two digits ("30,5 m") is a decimal comma and stays a separator.
 */
function joinThousands(text: string): string {
  return text.includes(',') ? text.replace(THOUSANDS, (n) => n.replaceAll(',', '')) : text;
}

/** Only a whole well-formed number: "10,100,1000 Mbit/s" is a list, not 101001000. */
const THOUSANDS = /(?<![\d,])\d{1,3}(?:,\d{3})+(?![\d,])/g;

/**
 * `joinThousands`, and where each character of the joined text was written in the text (for
 * highlights: the joined text has fewer characters).
 */
function joinThousandsAt(text: string): { joined: string; at: (i: number) => number } {
  if (!text.includes(',')) return { joined: text, at: (i) => i };
  // The commas taken out, where the text had them.
  const removed: number[] = [];
  const joined = text.replace(THOUSANDS, (n, offset: number) => {
    for (let i = n.indexOf(','); i >= 0; i = n.indexOf(',', i + 1)) removed.push(offset + i);
    return n.replaceAll(',', '');
  });
  return {
    joined,
    at: (i) => {
      let at = i;
      for (const comma of removed) {
        if (comma > at) break;
        at++;
      }
      return at;
    },
  };
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
 * The plural of a two-letter word ("tvs": tv, "cds": cd) that a three-letter word of letters may
 * be; undefined for any other word. Three letters are not stemmed (`stem`): the index keeps both
 * (`indexTerms`), and a query's is read as the word when the catalog says the word far more often
 * (`ProductIndex.singular`): "ups" is no plural of "up".
 */
export function twoLetterSingular(word: string): string | undefined {
  return word.length === 3 && word.endsWith('s') && /^[a-z]{2}/.test(word) ? word.slice(0, 2) : undefined;
}

/** A word of a text as the index reads it, and where in the (thousands-joined) text it is. */
interface TextWord {
  word: string;
  start: number;
  end: number;
  /**
   * A chain of words written with hyphens, as one word: of letters ("Wi-Fi": wifi), or a model
   * code's parts ("SM-G770F": smg770f; `codeJoins`).
   */
  chain: boolean;
  /** A model code's parts joined (`chain` too): another spelling of words counted already. */
  code?: boolean;
}

const LETTERS = /^\p{L}+$/u;
const HAS_LETTER = /\p{L}/u;
const HAS_DIGIT = /\p{N}/u;
const DIGIT_CHAR = /^\p{N}$/u;

/**
 * Whether one character between two runs of letters and digits joins them into a model code
 * (`code`, the runs joined so far): a hyphen or a slash ("SM-G770F", "DGS-1210-24", "PS/2",
 * "HX424C15FB3K4/128"), or a point that is no decimal point: one after a letter ("Cat.5e") or in
 * a code that has letters ("EC.K1700.001"), not one between the digits of a number ("3.0",
 * "2.4GHz"). Alternatives joined too ("C770/C772": c770c772) are words nobody types, and cost
 * only their postings.
 */
function codeJoins(text: string, end: number, start: number, code: string): boolean {
  if (start !== end + 1) return false;
  const sep = text[end];
  if (sep === '-' || sep === '/') return true;
  return (
    sep === '.' &&
    (HAS_LETTER.test(code) || !(DIGIT_CHAR.test(text[end - 1] ?? '') && DIGIT_CHAR.test(text[start] ?? '')))
  );
}

/**
 * The words of a text, lowercase: each run of letters and digits, and each chain of two or more
 * runs of letters joined by single hyphens as the one word a shopper writes ("wi-fi": wifi,
 * "e-book": ebook, "plug-and-play": plugandplay), when it is not too long to be a word. A model
 * code written in parts with hyphens, slashes or points, letters and digits among them, is also
 * the one word a shopper types ("SM-G770F": smg770f, "DSC-T700": dsct700, "G83-6104": g836104;
 * `codeJoins`). Positions are the text's own (lowercasing may change a text's length, so it is
 * done word by word).
 */
function* textWords(text: string): Generator<TextWord> {
  let chainStart = -1;
  let chain = '';
  let parts = 0;
  let end = -1;
  let codeStart = -1;
  let code = '';
  let codeParts = 0;
  const endChain = function* (): Generator<TextWord> {
    if (parts >= 2 && chain.length <= MAX_TERM_CHARS)
      yield { word: chain, start: chainStart, end, chain: true };
    parts = 0;
    chain = '';
  };
  const endCode = function* (): Generator<TextWord> {
    if (codeParts >= 2 && code.length <= MAX_TERM_CHARS && HAS_LETTER.test(code) && HAS_DIGIT.test(code))
      yield { word: code, start: codeStart, end, chain: true, code: true };
    codeParts = 0;
    code = '';
  };
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const start = m.index!;
    const word = m[0].toLowerCase();
    const letters = LETTERS.test(word);
    const joinsChain = letters && parts > 0 && start === end + 1 && text[end] === '-';
    const joinsCode = codeParts > 0 && codeJoins(text, end, start, code);
    // A chain of letters ends first: a code it is part of is the wider span ("x1-ab-cd").
    if (!joinsChain) yield* endChain();
    if (!joinsCode) yield* endCode();
    if (joinsChain) {
      chain += word;
      parts++;
    } else if (letters) {
      chainStart = start;
      chain = word;
      parts = 1;
    }
    if (joinsCode) {
      code += word;
      codeParts++;
    } else {
      codeStart = start;
      code = word;
      codeParts = 1;
    }
    end = start + m[0].length;
    yield { word: word.slice(0, MAX_TERM_CHARS), start, end, chain: false };
  }
  yield* endChain();
  yield* endCode();
}

/**
 * A product field's words as the index keeps them: split as queries are (`tokenize`), without the
 * query's length limits, stop words left out. Lunr's own tokenizer splits on spaces and hyphens
 * only and trims the ends of each piece, so "17.3\"", "3.0", "Phone/Smartphone" and
 * "StarTech.com" were indexed as one word each, which no query could ever say.
 */
export function indexTerms(text: string): string[] {
  return indexedWords(text).terms;
}

/**
 * `indexTerms`, and how many of them are model codes joined ("SM-G770F": smg770f): another
 * spelling of words the field says already, which the field's length for BM25 does not count
 * (segment.ts), so that no other word of the product weighs less for it.
 */
export function indexedWords(text: string): { terms: string[]; codes: number } {
  const out: string[] = [];
  let codes = 0;
  for (const { word, chain, code } of textWords(joinThousands(text.toLowerCase()))) {
    if (chain) {
      out.push(word);
      if (code) codes++;
      continue;
    }
    if (stopWords.has(word)) continue;
    pushWord(out, word);
    // Written joined, the word stays too: a shopper typing "32g" is completing "32gb".
    if (NUMBER_UNIT.test(word)) out.push(word);
    else {
      // "TVs" also says "tv".
      const singular = twoLetterSingular(word);
      if (singular) out.push(singular);
    }
  }
  return { terms: out, codes };
}

/**
 * A query's words: inch marks read as "inch" ("13.3\"": 13.3 inch), as titles are indexed, and
 * decimals kept whole ("13.3"), for the size they say (product-index.ts `sizesOf`); a search
 * matches their runs of digits (`decimalParts`), which is what the index has. Shoppers' phrases
 * the catalog says otherwise are its words ("television": tv; shoppers-words.ts), unless `asTyped`
 * (a search asked for as typed).
 */
export function queryTerms(q: string, asTyped = false): string[] {
  const terms = tokenize(inchMarks(q.slice(0, MAX_QUERY_CHARS), true), MAX_QUERY_TERMS, true);
  return asTyped ? terms : shoppersWords(terms);
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
 * The title as safe HTML with every word that matches a query term wrapped in <mark>: the words
 * as the index reads them (`indexTerms`: "10,000" for 10000, "Wi-Fi" for wifi, "TVs" for tv, "64GB"
 * for 64 and gb) with the same stem, or starting with the last term (typed on).
 */
export function highlight(title: string, terms: string[]): string {
  if (terms.length === 0) return escapeHtml(title);
  terms = terms.flatMap(decimalParts);
  const stems = new Set(terms.map(stem));
  const prefix = terms[terms.length - 1]!;
  const matches = (word: string) => {
    if (stems.has(stem(word))) return true;
    // A number with its unit written on ("64GB") is marked when its number and unit both match.
    const split = numberAndUnit(word);
    if (split) return stems.has(split[0]) && stems.has(stem(split[1]));
    const singular = twoLetterSingular(word);
    return singular !== undefined && stems.has(singular);
  };
  const { joined, at } = joinThousandsAt(title);
  // Marked spans of the title, in order; a chain ("Wi-Fi") covers the words it was read from.
  const marks: [number, number][] = [];
  for (const { word, start, end, chain } of textWords(joined)) {
    if (!matches(word) && (prefix.length < 3 || !word.startsWith(prefix))) continue;
    const [from, to] = [at(start), at(end - 1) + 1];
    while (chain && marks.length > 0 && marks[marks.length - 1]![0] >= from) marks.pop();
    const last = marks[marks.length - 1];
    if (!last || last[1] <= from) marks.push([from, to]);
  }
  let out = '';
  let last = 0;
  for (const [from, to] of marks) {
    out += `${escapeHtml(title.slice(last, from))}<mark>${escapeHtml(title.slice(from, to))}</mark>`;
    last = to;
  }
  return out + escapeHtml(title.slice(last));
}

/** Where a description's first clause ends: a comma, semicolon, colon, bracket, dash or full stop. */
const CLAUSE_END = /[,;:(]|\s[-–]\s|\.\s/;

/** A description's first clause, trimmed ("Light Cyan Ink Cartridge, 500 ml…": the name). */
export function firstClause(text: string): string {
  const end = text.search(CLAUSE_END);
  return (end < 0 ? text : text.slice(0, end)).trim();
}

/** Whether titles say the query's last word (stop words aside) as typed: a word, not a prefix. */
export function lastTitled(terms: readonly string[], said: (word: string) => boolean): boolean {
  const last = terms.findLast((t) => !isStopWord(t));
  return last !== undefined && said(last);
}

/** The query words (3+ characters) that titles say as typed: words, not prefixes or typos. */
export function saidInTitles(terms: readonly string[], titles: (word: string) => number): string[] {
  return terms.filter((t) => t.length >= 3 && titles(t) > 0);
}
