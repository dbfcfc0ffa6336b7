/**
 * Synonyms learnt from the catalog's own vocabulary. A shopper's word for a product type that
 * the catalog never uses as one ("laptop": Icecat files them all under "notebook") is read as the
 * type it stands in for: the type word that forms the same compounds in titles ("laptop bag,
 * laptop stand, laptop lock" beside "notebook bag, notebook stand, notebook lock"). And the
 * initialisms its vendors write for type names ("SSD" for solid state drive).
 */

import { isStopWord, stem, tokenize } from './text.js';

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
  /**
   * Initialisms of the type names, keyed "ssd solid state drive": how many products have a
   * category ending in the phrase (`phrases`), and how many of those write the initialism in
   * capitals in their title or description (`spelled`: "960GB SSD SATA"). See `learnAcronyms`.
   */
  phrases: Map<string, number>;
  spelled: Map<string, number>;
  /** Brands whose name is one word, stemmed ("hp", "samsung"), with their number of products. */
  makers: Map<string, number>;
  /**
   * For `learnKinds`: products whose type is one word M (`singles`, by M); how many of those
   * titles say M right before another word H (`kindPairs`, keyed "M H"); products whose type has
   * head H and modifier M (`compounds`, keyed "M H": "Toner cartridge").
   */
  singles: Map<string, number>;
  kindPairs: Map<string, number>;
  compounds: Map<string, number>;
  /**
   * For `learnLines`: typed products whose title says a word W (not of their brand's name) right
   * before a model code (a word with a digit) and that before a word of their type ("ThinkPad
   * X395 Notebook"), keyed "W head" (each product counts a word once).
   */
  lines: Map<string, number>;
  /**
   * For `learnUnits`: how many titles say each word (letters only, stemmed: `titled`), and how
   * many say it right after a number (`numbered`: "3000 Pages", "1920 x 1080 pixels").
   */
  titled: Map<string, number>;
  numbered: Map<string, number>;
  /**
   * For `learnAbbreviations`: products whose title or description writes a word of capitals and
   * a number ("PS4") and, elsewhere, the words it abbreviates ("PlayStation 4"), keyed
   * "ps4 playstation 4" (each product counts a pair once).
   */
  abbreviated: Map<string, number>;
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
  return {
    heads: new Map(),
    pairs: new Map(),
    brands: new Map(),
    phrases: new Map(),
    spelled: new Map(),
    makers: new Map(),
    singles: new Map(),
    kindPairs: new Map(),
    compounds: new Map(),
    lines: new Map(),
    titled: new Map(),
    numbered: new Map(),
    abbreviated: new Map(),
  };
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

/**
 * Counts what `learnKinds` reads of one product: its type (head and modifiers, stemmed) and, when
 * that is one word M, the words its title says right after M.
 */
export function countKinds(
  vocabulary: TypeVocabulary,
  signature: { head: string | null; modifiers: ReadonlySet<string> },
  titleStems: readonly string[],
): void {
  const { head, modifiers } = signature;
  if (!head) return;
  for (const modifier of modifiers) add(vocabulary.compounds, `${modifier} ${head}`);
  if (modifiers.size > 0) return;
  add(vocabulary.singles, head);
  const said = new Set<string>();
  for (let i = 0; i + 1 < titleStems.length; i++)
    if (titleStems[i] === head && titleStems[i + 1] !== head) said.add(`${head} ${titleStems[i + 1]}`);
  for (const pair of said) add(vocabulary.kindPairs, pair);
}

const HAS_DIGIT = /\d/;

/**
 * Counts what `learnLines` reads of one typed product: each title word (not of its brand's name,
 * not a number) said right before a model code that is right before a word of its type: "Lenovo
 * ThinkPad X395 Notebook …" counts "thinkpad notebook"; "Lenovo ThinkPad Battery 17+" nothing.
 */
export function countLines(
  vocabulary: TypeVocabulary,
  signature: { head: string | null; modifiers: ReadonlySet<string> },
  titleStems: readonly string[],
  brandStems: ReadonlySet<string>,
): void {
  const { head, modifiers } = signature;
  if (!head) return;
  let said: Set<string> | undefined;
  for (let i = 1; i + 2 < titleStems.length; i++) {
    const word = titleStems[i]!;
    const then = titleStems[i + 2]!;
    if (then !== head && !modifiers.has(then)) continue;
    if (!HAS_DIGIT.test(titleStems[i + 1]!) || HAS_DIGIT.test(word) || brandStems.has(word)) continue;
    said ??= new Set();
    said.add(word);
  }
  if (said) for (const word of said) add(vocabulary.lines, `${word} ${head}`);
}

/** A word of letters only (a stem): what `countUnits` counts. */
const LETTERS = /^\p{L}+$/u;
const DIGITS = /^\d+$/;

/**
 * Counts what `learnUnits` reads of one title (its stems, in order): each word of letters it
 * says, and each it says right after a number. Each title counts a word once.
 */
export function countUnits(vocabulary: TypeVocabulary, titleStems: readonly string[]): void {
  const said = new Set<string>();
  const numbered = new Set<string>();
  for (let i = 0; i < titleStems.length; i++) {
    const word = titleStems[i]!;
    if (!LETTERS.test(word)) continue;
    said.add(word);
    if (i > 0 && DIGITS.test(titleStems[i - 1]!)) numbered.add(word);
  }
  for (const word of said) add(vocabulary.titled, word);
  for (const word of numbered) add(vocabulary.numbered, word);
}

/** A unit is said after a number by this many titles, and this share of the titles that say it. */
const MIN_UNIT_TITLES = 10;
const MIN_UNIT_SHARE = 0.9;

/**
 * Units of measure, learnt from the titles: words said right after a number by 10+ titles and
 * by 90% of the titles that say them at all ("3000 Pages", "1920 x 1080 pixels", "10 pc(s)",
 * "6 ft"), and not the head of a type of 10+ products. A number
 * a title says before one is a quantity, not a model number (`ProductIndex`'s model numbers).
 */
export function learnUnits({ titled, numbered, heads }: TypeVocabulary): Set<string> {
  const units = new Set<string>();
  for (const [word, n] of numbered)
    if (
      n >= MIN_UNIT_TITLES &&
      n >= MIN_UNIT_SHARE * (titled.get(word) ?? 0) &&
      (heads.get(word) ?? 0) < MIN_UNIT_TITLES
    )
      units.add(word);
  return units;
}

/** A line's own type: this many products named so, a majority of the word's, and this share of its pairs. */
const MIN_LINE_PRODUCTS = 3;
const MIN_LINE_MAJORITY = 0.5;
const MIN_LINE_SHARE = 0.03;
/** Shorter words before model codes are the codes' prefixes ("TN-2420", "EF 50mm"), or "usb c"'s "c". */
const MIN_LINE_LETTERS = 4;
/** Another type of the line's is its own too when named so by 3+ products, half as many as the first. */
const MIN_LINE_SECOND = 0.5;

/**
 * Product lines and their own types, word -> type heads ("thinkpad" -> notebook, workstation: 5
 * "ThinkPad … Notebook"s, 3 "ThinkPad … Mobile workstation"s, 1 "ThinkPad X300 Keyboard"): a word that
 * names no type and no brand (`isWord`) but is said before the model codes of products that then
 * say their type, 3+ of them, most of one type, and those at least 3% of the (product, field)
 * pairs that say the word (`frequency`): "Black" and "White" come before model codes too, in a
 * few of thousands of titles. And fewer than 3 brands write it right before a type (`brands`;
 * a shopper's word for a synonym needs 3+): "Gigabit" (7 brands: "Gigabit Switch") and "Color"
 * (8) are said before model codes too, but describe products of many makers. Its own types are the commonest and any other said so by 3+
 * products and half as many. Batteries, docks and adapters named for the line ("ThinkPad
 * Battery 17+") say the line word before their type, not before a model code.
 */
export function learnLines(
  { lines, brands }: TypeVocabulary,
  isWord: (word: string) => boolean,
  frequency: (word: string) => number,
): Map<string, string[]> {
  const byWord = new Map<string, [string, number][]>();
  for (const [key, n] of lines) {
    const at = key.indexOf(' ');
    const word = key.slice(0, at);
    const heads = byWord.get(word) ?? [];
    heads.push([key.slice(at + 1), n]);
    byWord.set(word, heads);
  }
  // How many brands write each word right before a type head ("Gigabit Switch", "Color Printer").
  const makers = new Map<string, number>();
  for (const key of brands.keys()) {
    const word = key.slice(0, key.indexOf(' '));
    if (byWord.has(word)) add(makers, word);
  }
  const out = new Map<string, string[]>();
  for (const [word, heads] of byWord) {
    if ((makers.get(word) ?? 0) >= MIN_BRANDS) continue;
    let total = 0;
    let most = 0;
    for (const [, n] of heads) {
      total += n;
      most = Math.max(most, n);
    }
    if (most < MIN_LINE_PRODUCTS || most <= MIN_LINE_MAJORITY * total) continue;
    if (word.length < MIN_LINE_LETTERS || most < MIN_LINE_SHARE * frequency(word) || !isWord(word)) continue;
    const own = heads
      .filter(([, n]) => n >= MIN_LINE_PRODUCTS && n >= MIN_LINE_SECOND * most)
      .map(([h]) => h);
    out.set(word, own.sort());
  }
  return out;
}

/** Products of a one-word type that say "M H" of themselves, at the least and as a share. */
const MIN_KIND_TITLES = 3;
const MIN_KIND_SHARE = 0.2;

/**
 * Compound types that are kinds of their first word, keyed "M H": a "Toner cartridge" is toner,
 * where a "Keyboard cover" is an accessory of keyboards. Learnt from titles: a fifth or more of
 * the products typed plain M name themselves "M H" (Xerox "Toner" products are "Black toner
 * cartridge"s), and "M H" is a type of its own. Keyboards do not call themselves keyboard covers.
 */
export function learnKinds({ singles, kindPairs, compounds, heads }: TypeVocabulary): Set<string> {
  const kinds = new Set<string>();
  for (const [pair, n] of kindPairs) {
    const single = singles.get(pair.slice(0, pair.indexOf(' '))) ?? 0;
    if (n >= MIN_KIND_TITLES && n >= MIN_KIND_SHARE * single && (compounds.get(pair) ?? 0) >= MIN_KIND_TITLES)
      kinds.add(pair);
  }
  // The head of a kind is a form things come in ("cartridge"): a type "M cartridge" (3+ products)
  // is a kind of M too ("ink cartridge", though hardly a product is typed plain "Ink"), unless M
  // is a type of its own (10+ products: a "Printer cleaning cartridge" is no printer).
  const forms = new Set([...kinds].map((pair) => pair.slice(pair.indexOf(' ') + 1)));
  for (const [pair, n] of compounds) {
    const at = pair.indexOf(' ');
    if (n >= MIN_KIND_TITLES && forms.has(pair.slice(at + 1)) && (heads.get(pair.slice(0, at)) ?? 0) < 10)
      kinds.add(pair);
  }
  return kinds;
}

function add(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** A phrase needs this many words for its initials to be a name (two letters say too little). */
const MIN_PHRASE_WORDS = 3;
/** Longer phrases are descriptions, not names (and each word takes a bit of a search's mask). */
const MAX_PHRASE_WORDS = 5;

/**
 * A phrase that ends a category, keyed "ssd solid state drive", with its initials in capitals and
 * the pattern that finds them written as a word ("SSD", "SSDs").
 */
export interface NamePhrase {
  key: string;
  upper: string;
  spelled: RegExp;
}

/**
 * The phrases of 3+ words that end a category ("solid state drive" and "internal solid state
 * drive" in "Internal solid state drive"), each with its initials.
 */
export function namePhrases(category: string): NamePhrase[] {
  const words = tokenize(category);
  const out: NamePhrase[] = [];
  for (let k = MIN_PHRASE_WORDS; k <= Math.min(words.length, MAX_PHRASE_WORDS); k++) {
    const phrase = words.slice(-k);
    if (!phrase.every((w) => /^[a-z]/.test(w))) break;
    // The index drops stop words, so a phrase with one could never be matched word by word.
    if (phrase.some(isStopWord)) break;
    const initials = phrase.map((w) => w[0]).join('');
    // Initials of lowercase letters only (checked above): safe to put in a pattern as they are.
    const upper = initials.toUpperCase();
    const spelled = new RegExp(`(?<![\\p{L}\\p{N}])${upper}s?(?![\\p{L}\\p{N}])`, 'u');
    out.push({ key: `${initials} ${phrase.join(' ')}`, upper, spelled });
  }
  return out;
}

/**
 * Counts one product's type name for initialisms (`namePhrases` of its category): whether its
 * title or description writes each phrase's initials in capitals as a word.
 */
export function countInitialisms(
  vocabulary: TypeVocabulary,
  phrases: readonly NamePhrase[],
  text: string,
): void {
  for (const { key, upper, spelled } of phrases) {
    add(vocabulary.phrases, key);
    if (text.includes(upper) && spelled.test(text)) add(vocabulary.spelled, key);
  }
}

/** Adds `from` into `into` (shards' vocabularies sum to the catalog's). */
export function addVocabulary(into: TypeVocabulary, from: TypeVocabulary): void {
  for (const key of [
    'heads',
    'pairs',
    'brands',
    'phrases',
    'spelled',
    'makers',
    'singles',
    'kindPairs',
    'compounds',
    'lines',
    'titled',
    'numbered',
    'abbreviated',
  ] as const)
    for (const [k, n] of from[key]) into[key].set(k, (into[key].get(k) ?? 0) + n);
}

/** A type name needs this many products, and this share of them spelling its initials. */
const MIN_NAMED_PRODUCTS = 5;
const MIN_SPELLED_SHARE = 0.25;

/**
 * Initialisms the catalog uses for its type names, learnt from how its products write them: the
 * initialism as written, in lower case -> the type's phrase, stemmed ("ssd" -> solid state drive),
 * where a quarter of the products of that type write it in capitals. Keyed by the letters, not
 * their stem: "ups" stems to "up", which "pop up" ends with. Initials no product writes ("lmt" for
 * label making tape) are no word at all. One the catalog already uses as a type head ("UPS",
 * "PDU") is left to plain matching; of two phrases with one initialism, the one written more often.
 */
export function learnAcronyms({ heads, phrases, spelled }: TypeVocabulary): Map<string, string[]> {
  const best = new Map<string, { phrase: string[]; spelled: number }>();
  for (const [key, total] of phrases) {
    const times = spelled.get(key) ?? 0;
    if (total < MIN_NAMED_PRODUCTS || times < MIN_SPELLED_SHARE * total) continue;
    const [initials, ...phrase] = key.split(' ');
    if (heads.has(stem(initials!))) continue;
    const current = best.get(initials!);
    if (!current || times > current.spelled)
      best.set(initials!, { phrase: phrase.map(stem), spelled: times });
  }
  return new Map([...best].map(([initials, { phrase }]) => [initials, phrase]));
}

/** The phrase a query word is the initialism of, as written or in the plural ("ssds"). */
export function initialismOf(acronyms: ReadonlyMap<string, string[]>, word: string): string[] | undefined {
  return acronyms.get(word) ?? (word.endsWith('s') ? acronyms.get(word.slice(0, -1)) : undefined);
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

/** A word of capitals then a number, as vendors abbreviate a name with a model number ("PS4"). */
const ABBREVIATION = /(?<![\p{L}\p{N}])(\p{Lu}{2,4})(\d{1,2})(?![\p{L}\p{N}])/gu;
/** The letters and digits runs of a text, case kept. */
const RUNS = /[\p{L}\p{N}]+/gu;
/** A word of letters that starts with a capital and is not all capitals ("PlayStation", "Battery"). */
const NAME_WORD = /^\p{Lu}\p{L}*$/u;

/** The capitals a word stands for in an abbreviation: its first letter, and any capital inside it ("PlayStation": PS). */
function capitalsOf(word: string): string {
  let out = word[0]!;
  for (let i = 1; i < word.length; i++) if (word[i] !== word[i]!.toLowerCase()) out += word[i];
  return out;
}

/**
 * Counts what `learnAbbreviations` reads of one product's text (title and description, case
 * kept): each word of capitals and a number ("PS4") whose text also writes, elsewhere, words whose
 * capitals spell its letters followed by the same number ("PlayStation 4"), keyed by the letters
 * and the words ("ps playstation"): the number is the model's, the letters abbreviate the name.
 * The words must be written in lower case past their capitals: "RJ 45" and "PS/2" are the word
 * itself split, not a name it abbreviates.
 */
export function countAbbreviations(vocabulary: TypeVocabulary, text: string): void {
  // What every abbreviation has: two capitals and then a digit (a text without is skipped at once).
  if (!/\p{Lu}{2}\d/u.test(text)) return;
  let words: string[] | undefined;
  const said = new Set<string>();
  for (const [, letters, number] of text.matchAll(ABBREVIATION)) {
    words ??= text.match(RUNS) ?? [];
    for (let i = 0; i < words.length; i++) {
      if (words[i]![0] !== letters![0]) continue;
      let capitals = '';
      let j = i;
      for (; j < words.length && capitals.length < letters!.length; j++) {
        const word = words[j]!;
        if (!NAME_WORD.test(word) || word === word.toUpperCase()) break;
        capitals += capitalsOf(word);
        if (!letters!.startsWith(capitals)) break;
      }
      if (capitals === letters && words[j] === number)
        said.add(`${letters!.toLowerCase()} ${words.slice(i, j).join(' ').toLowerCase()}`);
    }
  }
  for (const pair of said) add(vocabulary.abbreviated, pair);
}

/** An abbreviation is learnt from this many products that write one of it and its name. */
const MIN_ABBREVIATED = 3;

/**
 * Abbreviations of names that go with a model number, learnt from products that write both in
 * their text ("Sony Dreams, PS4 video game PlayStation 4"), 3+ of them: the letters in lower case
 * -> the stems of the name ("ps" -> playstation). Counted over every number, so that what is
 * learnt from "PS4" products reads "ps3" too, as "PlayStation 3". Of two names, the one written
 * more often. See `abbreviationOf`.
 */
export function learnAbbreviations({ abbreviated }: TypeVocabulary): Map<string, string[]> {
  const best = new Map<string, { name: string[]; n: number }>();
  for (const [key, n] of abbreviated) {
    if (n < MIN_ABBREVIATED) continue;
    const [letters, ...name] = key.split(' ');
    const current = best.get(letters!);
    if (!current || n > current.n) best.set(letters!, { name: name.map(stem), n });
  }
  return new Map([...best].map(([letters, { name }]) => [letters, name]));
}

const ABBREVIATED_WORD = /^([a-z]{2,4})(\d{1,2})$/;

/** The stemmed name a query word abbreviates ("ps4": playstation 4), if the catalog learnt its letters. */
export function abbreviationOf(
  abbreviations: ReadonlyMap<string, string[]>,
  word: string,
): string[] | undefined {
  const parts = ABBREVIATED_WORD.exec(word);
  const name = parts ? abbreviations.get(parts[1]!) : undefined;
  return name ? [...name, parts![2]!] : undefined;
}
