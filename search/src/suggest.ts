import type { Suggestion } from '@shopsync/core';
import { isStopWord, isUnit, tokenize } from './text.js';

/** What a product gives the suggestions. */
export interface SuggestRow {
  brand: string;
  category: string;
  title: string;
}

interface Entry {
  key: string;
  text: string;
  kind: Suggestion['kind'];
  weight: number;
}

/** Completions of a last word weighed by the word before it (`SuggestContext.together`). */
const CONTEXT_CANDIDATES = 30;

/**
 * What suggestions ask of the index they complete for, a batch at a time (a sharded index asks
 * its threads once per question).
 */
export interface SuggestContext {
  /** For each of `others`, how many products say it and `word`. */
  together(word: string, others: readonly string[]): number[];
  /**
   * The categories of the products that say every one of `words`, with their number of products,
   * the most first (untyped products left out).
   */
  categoriesSaying(words: readonly string[]): [string, number][];
}

/** `SuggestContext` answered later (by other threads). */
export type AsyncSuggestContext = {
  [K in keyof SuggestContext]: (
    ...args: Parameters<SuggestContext[K]>
  ) => Promise<ReturnType<SuggestContext[K]>>;
};

/** A question of `SuggestContext` a suggestion's plan asks. */
type Ask = { op: 'together'; word: string; others: string[] } | { op: 'categoriesSaying'; words: string[] };
type Answer = number[] | [string, number][];
type Plan = Generator<Ask, Suggestion[], Answer>;
/** Two title words side by side are suggested once this many titles say them. */
const MIN_PAIR_TITLES = 2;

/**
 * As-you-type completions from the catalog's own vocabulary: brands, categories, title words,
 * and title words two by two ("hp ton": hp toner cartridge). A query of several words is
 * completed as a whole ("western dig": Western Digital), else by its last two words, else by its
 * last word, with the words before kept ("sony headph": sony headphones).
 *
 * Counted per product, so a product written or removed updates the counts in microseconds
 * (`add`, `remove`); only a whole new catalog (`stale`) is counted again, from `rows`, when
 * next read.
 */
export class Suggester {
  /** Every key with something to suggest, sorted: a prefix's completions are a range of it. */
  private keys: string[] = [];
  /** Lowercased brand -> its spellings and their products. */
  private readonly brands = new Map<string, Map<string, number>>();
  private readonly categories = new Map<string, Map<string, number>>();
  /** Products per brand and category key (the sums of the spellings' counts). */
  private readonly brandTotals = new Map<string, number>();
  private readonly categoryTotals = new Map<string, number>();
  /** Title word (3+ characters) -> titles that say it. */
  private readonly words = new Map<string, number>();
  /** "word next" -> titles that say the two side by side. */
  private readonly pairs = new Map<string, number>();
  /** Counts are not of the current rows: they are counted again when next read. */
  stale = true;

  /** `rows`: the products as they are now, counted when the counts are stale. */
  constructor(private readonly rows: () => Iterable<SuggestRow>) {}

  /** Counts the rows again if a new catalog made the counts stale. */
  private counted(): void {
    if (this.stale) this.rebuild(this.rows());
  }

  private rebuild(rows: Iterable<SuggestRow>): void {
    this.brands.clear();
    this.categories.clear();
    this.brandTotals.clear();
    this.categoryTotals.clear();
    this.words.clear();
    this.pairs.clear();
    for (const row of rows) this.count(row, 1, undefined);
    const keys = new Set<string>([...this.brands.keys(), ...this.categories.keys(), ...this.words.keys()]);
    for (const [pair, n] of this.pairs) if (n >= MIN_PAIR_TITLES) keys.add(pair);
    this.keys = [...keys].sort();
    this.stale = false;
  }

  /** A product written (or written again: `remove` its previous row first). */
  add(row: SuggestRow): void {
    if (!this.stale) this.count(row, 1, this.keyChanges());
  }

  remove(row: SuggestRow): void {
    if (!this.stale) this.count(row, -1, this.keyChanges());
  }

  /**
   * Completions of `q`. With a `context`, a last word completed after others is completed by the
   * words that go with the one before it ("wireless mo": mouse before module), the most common of
   * those first, and a size by what products of that size are (`afterSize`).
   */
  suggest(q: string, limit: number, context?: SuggestContext): Suggestion[] {
    const plan = this.plan(q, limit, context !== undefined);
    let step = plan.next();
    while (!step.done)
      step = plan.next(
        step.value.op === 'together'
          ? context!.together(step.value.word, step.value.others)
          : context!.categoriesSaying(step.value.words),
      );
    return step.value;
  }

  /** `suggest` with a context that answers later. */
  async suggestAsync(q: string, limit: number, context: AsyncSuggestContext): Promise<Suggestion[]> {
    const plan = this.plan(q, limit, true);
    let step = plan.next();
    while (!step.done)
      step = plan.next(
        step.value.op === 'together'
          ? await context.together(step.value.word, step.value.others)
          : await context.categoriesSaying(step.value.words),
      );
    return step.value;
  }

  /** How `q` is completed; yields what it asks of the context (only `withContext`). */
  private *plan(q: string, limit: number, withContext: boolean): Plan {
    this.counted();
    // The words before the last are complete: one that no product says, in any field or form
    // (the context knows; "mice" and "lamps" are said), is read as the catalog's word it misspells
    // ("lenvo lap": lenovo laptop, not "lenvo laptop"), which also lets it choose what comes after.
    const words = tokenize(q, 8);
    for (let i = 0; withContext && i < words.length - 1; i++) {
      const near = this.respelling(words[i]!);
      if (near === undefined) continue;
      const [says] = (yield { op: 'together', word: words[i]!, others: [words[i]!] }) as number[];
      if (says === 0) words[i] = near;
    }
    if (words.length === 0 || limit < 1) return [];
    const out: Suggestion[] = [];
    const seen = new Set<string>();
    const unit = words.at(-1)!;
    const size = words.at(-2);
    if (size !== undefined && /^\d+$/.test(size) && isUnit(unit)) {
      // Even when no category is said often enough: the unit completed ("64 gbit") is no answer.
      if (withContext) return yield* this.afterSize(q, words, limit);
    }
    // The whole query completed; if nothing completes it, its last two words; if nothing
    // completes those, its last word, to one word. What comes before the completed part is kept
    // as typed (a brand or category found so is just text then). The query itself is no
    // suggestion.
    seen.add(words.join(' '));
    for (let from = 0; from < words.length && out.length === 0; from++) {
      if (from > 0 && from < words.length - 2) continue;
      const before = words.slice(0, from).join(' ');
      const rest = words.slice(from).join(' ');
      const oneWord = from > 0 && from === words.length - 1;
      // The nearest word before that is no stop word ("case for ip": case).
      const previous = words.slice(0, from).findLast((w) => !isStopWord(w));
      const weighed = oneWord && withContext && previous !== undefined;
      let entries: Entry[];
      if (from > 0 && rest.length < 2) {
        // One letter after other words says too little as a word ("wireless m": music, magenta),
        // but enough for a product type of the word before's products ("samsung t": samsung
        // toner cartridge, samsung tablet), the most products first.
        if (!weighed) continue;
        const types = (yield { op: 'categoriesSaying', words: [previous] }) as [string, number][];
        entries = types
          .filter(([type]) => type.toLowerCase().startsWith(rest))
          .slice(0, limit)
          .map(([type, n]) => ({ key: type.toLowerCase(), text: type, kind: 'category', weight: n }));
      } else {
        entries = this.best(rest, oneWord && withContext ? CONTEXT_CANDIDATES : limit, oneWord);
        if (weighed) {
          const counts = (yield {
            op: 'together',
            word: previous,
            others: entries.map((e) => e.key),
          }) as number[];
          // Those said with it first; when none is (a typo before), popularity alone.
          entries = saidWith(entries, counts) ?? entries.slice(0, limit);
        }
      }
      for (const entry of entries) {
        const text = before ? `${before} ${entry.text.toLowerCase()}` : entry.text;
        const key = text.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ text, kind: before ? 'term' : entry.kind });
        if (out.length === limit) break;
      }
    }
    if (out.length > 0) return out;
    // Nothing completes it: its last word misspelt ("labt", "dell lapot")?
    const before = words.slice(0, -1).join(' ');
    for (const entry of this.nearBest(words.at(-1)!, limit)) {
      const text = before ? `${before} ${entry.text.toLowerCase()}` : entry.text;
      if (!seen.has(text.toLowerCase())) out.push({ text, kind: before ? 'term' : entry.kind });
    }
    return out;
  }

  /**
   * The catalog's word a whole word may misspell: none when it is a key (a title word, a brand
   * or category name), short, a stop word, or has a digit (a model code); else the weightiest
   * one-word key one edit from it, if any ("logitec": logitech, though a key starts with it).
   */
  private respelling(word: string): string | undefined {
    if (word.length < 4 || /\d/.test(word) || isStopWord(word) || this.has(word)) return undefined;
    return this.heaviest(
      word[0]!,
      1,
      (key) => !key.includes(' ') && !/\d/.test(key) && withinOneEdit(key, word),
    )[0]?.key;
  }

  /**
   * For a word that nothing completes, the weightiest one-word keys whose start is one edit
   * (a letter wrong, missing, extra, or two swapped) from it: "labt" laptop, "moniotr" monitor.
   * From 4 letters, first letter kept (few typos are there, and the scan stays a range of keys).
   */
  private nearBest(word: string, limit: number): Entry[] {
    if (word.length < 4 || /\d/.test(word)) return [];
    return this.heaviest(word[0]!, limit, (key) => {
      if (key.includes(' ') || /\d/.test(key)) return false;
      return (
        withinOneEdit(key.slice(0, word.length), word) ||
        withinOneEdit(key.slice(0, word.length - 1), word) ||
        withinOneEdit(key.slice(0, word.length + 1), word)
      );
    });
  }

  /**
   * A query that ends in a size ("64gb", "1 tb", "27 inch") has said its last word: it is
   * completed by what the products that say the size are: their categories the commonest first,
   * said by two products or more ("27 inch computer monitor", "1 tb internal solid state drive"),
   * after the query as typed. Completing the unit instead gave "64 gbit" and "64 gbps"; the words
   * titles write after the unit, "27 inch cable" (monitors write "68.6 cm (27\")") and nothing
   * for "1 tb".
   */
  private *afterSize(q: string, words: string[], limit: number): Plan {
    const [size, unit] = words.slice(-2) as [string, string];
    const typed = asTyped(q);
    // Of the words before too ("samsung 27in"), when some product says them all.
    const said = words.filter((w) => !isStopWord(w));
    const common = (counts: [string, number][]) => counts.filter(([, n]) => n >= MIN_PAIR_TITLES);
    let categories = common((yield { op: 'categoriesSaying', words: said }) as [string, number][]);
    if (categories.length === 0 && said.length > 2)
      categories = common((yield { op: 'categoriesSaying', words: [size, unit] }) as [string, number][]);
    return categories.slice(0, limit).map(([category]) => ({
      text: `${typed} ${category.toLowerCase()}`,
      kind: 'term' as const,
    }));
  }

  /**
   * The `limit` weightiest suggestions whose key (of one word, with `oneWord`) starts with
   * `prefix`. The range is scanned whole,
   * so a short prefix ("s") finds its most popular completions, not the first ones in
   * alphabetical order. Brands and categories outrank loose words of the same popularity.
   */
  private best(prefix: string, limit: number, oneWord = false): Entry[] {
    // After other words, a word: no pair, and no model code ("toner hp": hpdb68).
    return this.heaviest(prefix, limit, (key) => !oneWord || !(key.includes(' ') || /\d/.test(key)));
  }

  /** The `limit` weightiest suggestions of the keys that start with `prefix` and `accept` takes. */
  private heaviest(prefix: string, limit: number, accept: (key: string) => boolean): Entry[] {
    const top: { key: string; weight: number }[] = [];
    for (let i = this.firstFrom(prefix); i < this.keys.length && this.keys[i]!.startsWith(prefix); i++) {
      const key = this.keys[i]!;
      if (!accept(key)) continue;
      const weight = this.weight(key);
      if (weight === 0 || (top.length === limit && weight <= top[limit - 1]!.weight)) continue;
      let at = top.length;
      while (at > 0 && top[at - 1]!.weight < weight) at--;
      top.splice(at, 0, { key, weight });
      if (top.length > limit) top.pop();
    }
    return top.map(({ key, weight }) => this.entry(key, weight));
  }

  /** The weight of a key's heaviest suggestion (0: none): as a brand, a category, title words. */
  private weight(key: string): number {
    const pair = this.pairs.get(key) ?? 0;
    return Math.max(
      (this.brandTotals.get(key) ?? 0) * 3,
      (this.categoryTotals.get(key) ?? 0) * 2,
      this.words.get(key) ?? 0,
      pair >= MIN_PAIR_TITLES ? pair : 0,
    );
  }

  /** The suggestion of that weight a key makes. */
  private entry(key: string, weight: number): Entry {
    if ((this.brandTotals.get(key) ?? 0) * 3 === weight)
      return { key, text: commonest(this.brands.get(key)!), kind: 'brand', weight };
    if ((this.categoryTotals.get(key) ?? 0) * 2 === weight)
      return { key, text: commonest(this.categories.get(key)!), kind: 'category', weight };
    return { key, text: key, kind: 'term', weight };
  }

  /**
   * Adds `sign` to the counts of what the row says. `changes`, when given, is told of keys that
   * start or stop having something to suggest.
   */
  private count(row: SuggestRow, sign: 1 | -1, changes: KeyChanges | undefined): void {
    tally(this.brands, this.brandTotals, row.brand, sign, changes);
    tally(this.categories, this.categoryTotals, row.category, sign, changes);
    const words = tokenize(row.title);
    const said = new Set<string>();
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      if (!wordOfNote(word)) continue;
      if (word.length >= 3) said.add(word);
      const next = words[i + 1];
      // Pairs of words of two letters or more: "headphones m" says nothing.
      if (next !== undefined && word.length > 1 && next.length > 1 && wordOfNote(next))
        said.add(`${word} ${next}`);
    }
    for (const key of said) {
      const isPair = key.includes(' ');
      const counts = isPair ? this.pairs : this.words;
      const before = counts.get(key) ?? 0;
      const after = before + sign;
      if (after > 0) counts.set(key, after);
      else counts.delete(key);
      const min = isPair ? MIN_PAIR_TITLES : 1;
      if (before < min && after >= min) changes?.gained(key);
      else if (before >= min && after < min) changes?.lost(key);
    }
  }

  /** Keeps the sorted keys in step with counts as they change one product at a time. */
  private keyChanges(): KeyChanges {
    return {
      gained: (key) => {
        const at = this.firstFrom(key);
        if (this.keys[at] !== key) this.keys.splice(at, 0, key);
      },
      lost: (key) => {
        if (this.has(key)) return;
        const at = this.firstFrom(key);
        if (this.keys[at] === key) this.keys.splice(at, 1);
      },
    };
  }

  /** Whether a key still has something to suggest. */
  private has(key: string): boolean {
    return (
      this.brands.has(key) ||
      this.categories.has(key) ||
      this.words.has(key) ||
      (this.pairs.get(key) ?? 0) >= MIN_PAIR_TITLES
    );
  }

  /** The title word starting with `prefix` that the most titles say and `accept` takes. */
  commonestWith(prefix: string, accept: (word: string) => boolean): string | undefined {
    if (prefix.length === 0) return undefined;
    this.counted();
    let best: string | undefined;
    let most = 0;
    for (let i = this.firstFrom(prefix); i < this.keys.length && this.keys[i]!.startsWith(prefix); i++) {
      const key = this.keys[i]!;
      const n = this.words.get(key) ?? 0;
      if (n > most && accept(key)) {
        best = key;
        most = n;
      }
    }
    return best;
  }

  /** How many titles say the word (3+ characters), as written. */
  titles(word: string): number {
    this.counted();
    return this.words.get(word) ?? 0;
  }

  /** Whether some key (a title word, two, a brand or category name) starts with `prefix`. */
  begins(prefix: string): boolean {
    this.counted();
    return this.keys[this.firstFrom(prefix)]?.startsWith(prefix) ?? false;
  }

  /** Where the first key at or after `prefix` is (binary search). */
  private firstFrom(prefix: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

interface KeyChanges {
  gained(key: string): void;
  lost(key: string): void;
}

/** Counts a brand's or category's spelling under its lowercased key, and the key's total. */
function tally(
  counts: Map<string, Map<string, number>>,
  totals: Map<string, number>,
  text: string,
  sign: 1 | -1,
  changes: KeyChanges | undefined,
): void {
  const key = text.toLowerCase();
  if (!key) return;
  let spellings = counts.get(key);
  // A removal of what was never counted changes nothing (the counts stay those of the rows).
  if (sign < 0 && !spellings?.has(text)) return;
  if (!spellings) {
    spellings = new Map();
    counts.set(key, spellings);
    changes?.gained(key);
  }
  const n = (spellings.get(text) ?? 0) + sign;
  if (n > 0) spellings.set(text, n);
  else spellings.delete(text);
  const sum = (totals.get(key) ?? 0) + sign;
  if (spellings.size === 0) {
    counts.delete(key);
    totals.delete(key);
    changes?.lost(key);
  } else totals.set(key, sum);
}

function commonest(spellings: Map<string, number>): string {
  let best = '';
  let most = 0;
  for (const [text, n] of spellings)
    if (n > most) {
      best = text;
      most = n;
    }
  return best;
}

/** Whether `a` and `b` differ by one edit at most: a letter changed, added, dropped, or two swapped. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length > b.length) return a.slice(i + 1) === b.slice(i);
  if (a.length < b.length) return a.slice(i) === b.slice(i + 1);
  if (a.slice(i + 1) === b.slice(i + 1)) return true;
  return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/** The items some product says together with a word (`counts`, by item), most first; undefined when none is. */
function saidWith<T>(items: T[], counts: number[]): T[] | undefined {
  if (!counts.some((n) => n > 0)) return undefined;
  return items
    .map((item, i) => ({ item, n: counts[i]! }))
    .filter(({ n }) => n > 0)
    .sort((a, b) => b.n - a.n)
    .map(({ item }) => item);
}

/** The query as typed, lowercase, one space between words, no marks after it ("64GB,, ": 64gb). */
function asTyped(q: string): string {
  return q
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+$/u, '')
    .replace(/^[^\p{L}\p{N}]+/u, '')
    .replace(/\s+/g, ' ');
}

/** A title word worth suggesting: not a stop word, not a bare number. */
function wordOfNote(word: string): boolean {
  return !isStopWord(word) && !/^\d+$/.test(word);
}
