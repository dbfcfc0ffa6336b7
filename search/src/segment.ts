import lunr from 'lunr';
import type { IndexedDoc } from './document.js';
import type { TypeVocabulary } from './synonyms.js';
import { indexedWords, isStopWord, stem } from './text.js';

export type { IndexedDoc } from './document.js';

/**
 * Field boosts: a word in the title says more about the product than one in its description. The
 * type field is weighted little more than the description: the category it holds is derived, and the
 * type factor (ranking.ts) already rewards a product of the type the query names.
 */
const FIELDS: [Exclude<keyof IndexedDoc, 'id'>, number][] = [
  ['title', 10],
  ['type', 1.5],
  ['brand', 6],
  ['fits', 1.5],
  ['description', 1],
];

/** As-you-type completes the last term to at most this many index terms, the most common first. */
const MAX_EXPANSIONS = 30;
const EXACT_BOOST = 3;
/** A learnt synonym of a query word counts a little less than the word itself. */
const SYNONYM_BOOST = 0.8;

/** Less length normalization than Lunr's 0.75: long Icecat titles list specs, not other products. */
const LENGTH_NORMALIZATION = 0.5;

/**
 * BM25 k1, later term-frequency saturation than Lunr's 1.2: a product that says the word again
 * (title and description, or a category that repeats its title's type) is more surely about it.
 * NDCG@10 on the dev judgments rose on both halves of the queries, flat from 2 to 3.
 */
const SATURATION = 2;

/**
 * What a serialized segment was built with: a segment saved by another field model is rebuilt,
 * never loaded (its scores would silently disagree with fresh segments).
 */
export const SEGMENT_FORMAT = JSON.stringify({
  // The version of the indexed text (document.ts) and of the saved form: 4 read "1 pc(s)" as
  // pieces; 5 saves postings, not Lunr's index; 6 splits words as queries do (text.ts); 7 reads
  // an inch mark as "inch" and a number's unit written on ("64gb") as a word of its own; 8 keeps
  // the joined word too ("64gb", for as-you-type) and a space after "inch"; 9 leaves words of
  // three letters unstemmed ("ups"), joins thousands ("10,000") and splits more units ("10ft");
  // 10 stems irregular plurals ("mice"); 11 also indexes hyphenated words joined ("wifi"); 12
  // joins a chain of them whole ("plugandplay"), not in pairs; 13 indexes what a product is for
  // (`USAGE_ATTRIBUTES`) in the fits field; 14 saves the IDF a segment was built on, and a
  // shard's bases are built on the corpus's averages and IDF (older ones on their own: they
  // would disagree with the other shards'); 15 indexes a brand of several words as one
  // joined word ("caselogic"); 16 also indexes a model code written in parts joined ("SM-G770F":
  // smg770f), not counted in the field's length.
  v: 16,
  lunr: lunr.version,
  b: LENGTH_NORMALIZATION,
  k1: SATURATION,
  FIELDS,
});

/**
 * Corpus statistics that scores can be put on (`SearchSegment.search`'s `idf`): the products of
 * several segments, and how many (product, field) pairs of them have each term.
 */
export interface CorpusStatistics {
  documents: number;
  frequency: Map<string, number>;
  /** How title words pair with product types (synonyms are learnt from it); see synonyms.ts. */
  types?: TypeVocabulary;
  /** The stems some product's title says (a rare word a title says is no typo). */
  titled?: ReadonlySet<string>;
}

/**
 * What a segment's weights are built with besides its own products (Lunr bakes IDF and the
 * average field lengths into them). Plain data, so that it crosses to a build thread.
 */
export interface BuildStatistics {
  /** Average field lengths to build with instead of the segment's own products' (`measure`). */
  averages?: Readonly<Record<string, number>>;
  /** The other products scores are put on: IDF is built over them and the segment's own. */
  others?: CorpusStatistics;
}

/**
 * What Lunr would count of some products when building: how many, the sum of each field's length
 * (its terms, as Lunr's tokenizer and pipeline yield them) and each term's document frequency,
 * as `SearchSegment.frequency` counts it.
 */
export interface Measure extends CorpusStatistics {
  lengths: Record<string, number>;
}

/** The products' `Measure`, without building a segment (a tokenizer pass: the stems are cached). */
export function measure(docs: readonly IndexedDoc[]): Measure {
  const lengths: Record<string, number> = Object.fromEntries(FIELDS.map(([field]) => [field, 0]));
  const frequency = new Map<string, number>();
  for (const doc of docs)
    for (const [field] of FIELDS) {
      const words = fieldWords(doc[field]);
      const terms = words.terms.map(stem);
      lengths[field]! += terms.length - words.codes;
      for (const term of new Set(terms)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
    }
  return { documents: docs.length, frequency, lengths };
}

/** The average field lengths over products measured apart (a shard's each): total length per product. */
export function averagesOf(
  measures: readonly Pick<Measure, 'documents' | 'lengths'>[],
): Record<string, number> {
  const documents = measures.reduce((n, m) => n + m.documents, 0);
  return Object.fromEntries(
    FIELDS.map(([field]) => {
      const total = measures.reduce((n, m) => n + m.lengths[field]!, 0);
      // Lunr averages no products' lengths to 0/0; there are none, so 0.
      return [field, documents > 0 ? total / documents : 0];
    }),
  );
}

/**
 * A corpus's statistics without a part of it (document counts and frequencies): the products a
 * shard's build weighs its own against, the other shards'.
 */
export function withoutPart(corpus: CorpusStatistics, part: CorpusStatistics): CorpusStatistics {
  const frequency = new Map(corpus.frequency);
  for (const [term, n] of part.frequency) {
    const left = (frequency.get(term) ?? 0) - n;
    if (left > 0) frequency.set(term, left);
    else frequency.delete(term);
  }
  return { documents: Math.max(0, corpus.documents - part.documents), frequency };
}

/** Lunr's BM25 IDF (lunr.idf) from a document count and the term's document frequency. */
export function idfOf(documents: number, withTerm: number): number {
  return Math.log(1 + Math.abs((documents - withTerm + 0.5) / (withTerm + 0.5)));
}

/** The products a search matched (ids, each once) and their scores, in no particular order. */
export interface Matches {
  ids: string[];
  /** The products' ordinals in the segment (its `ids` values), in the same order. */
  docs: number[];
  scores: number[];
}

/**
 * Per-product accumulators of one search: the score without completions, the query words matched
 * (bits), the last word's own score and its best completion's (which counts where the word does not).
 */
interface Scratch {
  scores: Float64Array;
  masks: Uint32Array;
  lastWord: Float64Array;
  completed: Float64Array;
  /**
   * The words of an initialism's phrase or of an abbreviation's name, one array per phrase of a
   * query: they count only once all of them matched.
   */
  phrases: Float64Array[];
  /** The model numbers' part of the score (`ModelNumbers`). */
  coded: Float64Array;
}

/**
 * A query's model numbers and the products of other brands than the query names ("hp 301 ink":
 * "301", and every product not HP's). A model number is its brand's: in any-term matching, in
 * another brand's product ("Case Logic DCB-301", "Canon PFI-301M") it is a coincidence and counts
 * as no word matched, neither in the score nor in the words matched (a product that matched
 * nothing else is no match).
 */
export interface ModelNumbers {
  /** The query terms that are model numbers, as passed to `search`. */
  terms: ReadonlySet<string>;
  /** Whether the product (by ordinal) is of another brand than the query names. */
  offBrand: (doc: number) => boolean;
}

interface Posting {
  docs: Int32Array;
  weights: Float64Array;
}

const EMPTY_POSTING: Posting = { docs: new Int32Array(0), weights: new Float64Array(0) };

/**
 * Stemmed joins of adjacent query words that `known` knows, with the position of the first
 * word: "head set" -> "headset" when some product says "headset". Stop words are not joined.
 */
export function joinedTerms(
  words: string[],
  known: (term: string) => boolean,
): { term: string; first: number }[] {
  const out: { term: string; first: number }[] = [];
  for (let i = 0; i + 1 < words.length; i++) {
    // Two numbers are one only as thousands ("10 000"): "13.3" (13, 3) is no 133, "2.0" no 20.
    if (DIGITS.test(words[i]!) && DIGITS.test(words[i + 1]!) && !THOUSANDS_GROUP.test(words[i + 1]!))
      continue;
    const term = stem(words[i]! + words[i + 1]!);
    if (known(term)) out.push({ term, first: i });
  }
  return out;
}

const NONE: ReadonlySet<string> = new Set();
const DIGITS = /^\d+$/;
const THOUSANDS_GROUP = /^\d{3}$/;

/** Endings a word may be typed partway into ("printin" of printing, "protectio" of protection). */
const ENDINGS = ['ing', 'ion', 'able', 'ed', 'er', 'es', 'ers'];

/**
 * The stems of the words `typed` is the start of by an ending it is partway into ("gamin":
 * gaming, stemmed "game"), each once.
 */
export function inflections(typed: string): string[] {
  const out = new Set<string>();
  for (const ending of ENDINGS)
    for (let j = 1; j < ending.length; j++)
      if (typed.endsWith(ending.slice(0, j))) out.add(stem(typed + ending.slice(j)));
  return [...out];
}

/** How many typos a word of this length may have: none up to 3 characters, 2 from 8, none over 20. */
export function typoDistance(word: string): number {
  return word.length > 20 ? 0 : word.length >= 8 ? 2 : word.length >= 4 ? 1 : 0;
}

/** Lunr's automaton of sorted terms, for typo expansion (`fuzzy`). */
export function tokenSetOf(sortedTerms: string[]): lunr.TokenSet {
  return (lunr.TokenSet as unknown as { fromArray(terms: string[]): lunr.TokenSet }).fromArray(sortedTerms);
}

/** The index terms within `distance` edits of `term` (Lunr's token set automaton). */
export function fuzzy(tokens: lunr.TokenSet, term: string, distance: number): string[] {
  const automaton = (
    lunr.TokenSet as unknown as { fromFuzzyString(term: string, distance: number): lunr.TokenSet }
  ).fromFuzzyString(term, distance);
  return tokens.intersect(automaton).toArray();
}

/**
 * What the query's head word also stands for: the catalog's word for it (`synonym`, "laptop":
 * notebook), the stemmed type name it is an initialism of (`phrase`, "ssd": solid state drive).
 */
export interface HeadExpansion {
  /**
   * The head word (stemmed) when it is not the last ("toner hp"): the expansions and the type
   * test below go to its last occurrence among the terms. Unset or absent: the last term.
   */
  word?: string | undefined;
  synonym?: string | undefined;
  phrase?: readonly string[] | undefined;
  /**
   * Query words (stemmed, any of them) -> the stemmed name they abbreviate ("ps4": playstation 4,
   * synonyms.ts `learnAbbreviations`): a product matches the word by every word of the name too.
   */
  names?: ReadonlyMap<string, readonly string[]>;
  /**
   * Other words of the query (stemmed) -> the word products say for them instead: a learnt
   * synonym, or the type one stands for ("notebook bag": a "Laptop Bag").
   */
  others?: ReadonlyMap<string, string>;
  /**
   * Two query words the catalog spells as one (`joinedTerms`) -> the catalog's learnt word for
   * that one ("lap top": laptop, notebook): it matches both words too.
   */
  joinedSynonyms?: ReadonlyMap<string, string>;
  /**
   * The head word names a product type ("usb fan": a fan). In any-term matching a product that
   * matched other words only ("USB" cables, "Games" for "gaming keyboard") is not one: its score
   * is multiplied by OFF_TYPE.
   */
  type?: boolean;
}

/** See `HeadExpansion.type`. */
const OFF_TYPE = 0.5;

/**
 * In any-term matching a product's score is multiplied by the share of the query's IDF that
 * its matched words carry, to this power: a rare word matched (in the description even) beats a
 * common one matched in the title. For "ps4 pro" the PS4 games that do not say "pro" rank above
 * "HP Pro" PCs that do not say "ps4"; with the words' count alone they came hundreds below. Not
 * when the head word names a type (OFF_TYPE decides then): for "gaming keyboard" a keyboard is
 * wanted before board games, however rare "gaming" is.
 */
const COVERAGE_POWER = 2;

/**
 * The share of the query words' IDF (`wordIdf`, by word bit; empty: every word was required)
 * that the matched `words` carry, to COVERAGE_POWER.
 */
function coverage(words: number, wordIdf: readonly number[], total: number): number {
  if (wordIdf.length === 0 || !(total > 0)) return 1;
  let matched = 0;
  for (let i = 0; i < wordIdf.length; i++) if (words & (1 << i)) matched += wordIdf[i]!;
  return (matched / total) ** COVERAGE_POWER;
}

/** See `SearchSegment.search`: the least share of a query's IDF an any-term match carries. */
const MIN_RELAXED_SHARE = 0.2;

/** The IDF (`wordIdf`, by word bit) the matched `words` carry. */
function share(words: number, wordIdf: readonly number[]): number {
  let matched = 0;
  for (let i = 0; i < wordIdf.length; i++) if (words & (1 << i)) matched += wordIdf[i]!;
  return matched;
}

const NO_WORDS = { terms: [], codes: 0 };

/**
 * A field's words as the builder's tokenizer yields them (`measure` counts them alike), and how
 * many are model codes joined, which its length does not count (`indexedWords`).
 */
function fieldWords(value: unknown): { terms: string[]; codes: number } {
  return value === null || value === undefined ? NO_WORDS : indexedWords(String(value));
}

/**
 * The model codes joined in each field of the product being added (`lunrTokens` sets them; the
 * build takes them off the field's length once the product is added).
 */
const joinedCodes = new Map<string, number>();

/** A field's words for Lunr's builder (`indexedWords`): the builder's tokenizer. */
function lunrTokens(value: unknown, metadata?: { fields?: string[] }): lunr.Token[] {
  const words = fieldWords(value);
  const field = metadata?.fields?.[0];
  if (field !== undefined && words.codes > 0) joinedCodes.set(field, words.codes);
  return words.terms.map((term) => new lunr.Token(term, {}));
}

/** Lunr's stemmer through the stem cache queries use (text.ts), as a pipeline function. */
function stemToken(token: lunr.Token): lunr.Token {
  return token.update((word) => stem(word));
}
lunr.Pipeline.registerFunction(stemToken, 'shopsyncStem');

type Builder = lunr.Builder & {
  fieldLengths: Record<string, number>;
  invertedIndex: Record<string, Record<string, object>>;
  fieldVectors: Record<string, { elements: number[] }>;
  documentCount: number;
  averageFieldLength: Record<string, number>;
  calculateAverageFieldLengths(): void;
};

/**
 * An immutable index over some products: Lunr builds it (tokenizer, stemmer, BM25 weights per
 * field), and the segment keeps what searches read, each term's postings (its products and its
 * weight in each, summed over fields) in flat typed arrays. Lunr's own index object is dropped:
 * its inverted index holds an object per (term, field, product), which was most of a saved
 * base's text, of the time to load it and of the heap.
 *
 * Scores are comparable across segments: Lunr bakes BM25 weights (IDF and the average field
 * length) into each document's vectors at build time, from that build's documents alone. A small
 * delta's own statistics would make its rare words look very rare, so a segment can be built
 * with `BuildStatistics`: IDF over the other products too (a delta's base; a shard's, the
 * corpus's), and average field lengths given rather than its own (a delta's base's; a shard's,
 * the corpus's). Given statistics are what make a product's weights the same whichever segment
 * holds it: Lunr rounds each weight to 3 decimals, so weights built on one IDF and rescaled to
 * another (`search`'s `idf`) are near but not equal, and near-ties turn. The statistics a
 * segment was built with are saved with it. `search` returns Lunr's dot products without Lunr's
 * division by the query vector's length, which differs between segments that know different
 * query words.
 */
export class SearchSegment {
  /** The segment's products, each with its ordinal (postings and scratch arrays are indexed by it). */
  readonly ids = new Map<string, number>();
  /**
   * The average length of each field that the weights were built with (BM25's length
   * normalization): over the segment's products, or as given (`BuildStatistics.averages`).
   */
  readonly averageFieldLength: Record<string, number>;
  /** Products by ordinal. */
  private readonly refs: string[];
  /** Terms by number (Lunr's term index); a term's postings are its number's. */
  private readonly termList: string[];
  private readonly termNumbers = new Map<string, number>();
  /** The terms in order, for prefix completion by binary search and for the typo automaton. */
  private readonly terms: string[];
  private tokens: lunr.TokenSet | undefined;
  private readonly documentFrequency = new Map<string, number>();
  /**
   * Postings: term n's products are `postingDocs[postingStart[n] .. postingStart[n + 1]]`, in
   * ordinal order, with their weights at the same places in `postingWeights`.
   */
  private readonly postingStart: Int32Array;
  private readonly postingDocs: Int32Array;
  private readonly postingWeights: Float64Array;
  private scratchArrays: Scratch | undefined;
  /** The other products this segment's IDF was built over (`BuildStatistics.others`), if any. */
  private readonly others: CorpusStatistics | undefined;
  /**
   * What the IDF was built on when other products counted (`others`): the document count, and
   * each term's document frequency by term number, the segment's own and the others' together.
   */
  private readonly built: { documents: number; df: ArrayLike<number> } | undefined;

  /** Builds a segment over the documents (with the statistics given, else their own). */
  constructor(docs: IndexedDoc[], statistics?: BuildStatistics);
  /** A saved segment's parts (`deserialize`). */
  constructor(saved: SavedSegment);
  constructor(source: IndexedDoc[] | SavedSegment, statistics: BuildStatistics = {}) {
    const { others } = statistics;
    this.others = others;
    let saved: SavedSegment;
    if (Array.isArray(source)) {
      let averages: Record<string, number> = {};
      const given = statistics.averages;
      const index = lunr(function build() {
        // Words as queries have them (text.ts): the same split, stop words and stemmer.
        this.tokenizer = lunrTokens as typeof lunr.tokenizer;
        this.pipeline.reset();
        this.pipeline.add(stemToken);
        this.ref('id');
        this.b(LENGTH_NORMALIZATION);
        this.k1(SATURATION);
        for (const [field, boost] of FIELDS) this.field(field, { boost });
        const builder = this as Builder;
        for (const d of source) {
          joinedCodes.clear();
          this.add(d);
          // A model code joined ("smg770f") is another spelling of words counted already: the
          // field is no longer for it, so no other word of the product weighs less (`measure`).
          for (const [field, codes] of joinedCodes) builder.fieldLengths[`${field}/${d.id}`]! -= codes;
        }
        const own = builder.calculateAverageFieldLengths;
        builder.calculateAverageFieldLengths = function calculate() {
          if (given) this.averageFieldLength = { ...given };
          else own.call(this);
          averages = this.averageFieldLength;
        };
        if (others) withSharedIdf(builder, others);
      }) as unknown as Pick<Builder, 'invertedIndex' | 'fieldVectors'>;
      // Lunr averages an empty segment's field lengths to 0/0; there are none, so 0.
      const avg = Object.fromEntries(
        FIELDS.map(([field]) => [field, Number.isFinite(averages[field]) ? averages[field]! : 0]),
      );
      const fresh = fromLunr(
        source.map((d) => d.id),
        index,
        avg,
      );
      if (others)
        fresh.idf = {
          documents: source.length + others.documents,
          df: fresh.terms.map((term, n) => fresh.df[n]! + (others.frequency.get(term) ?? 0)),
        };
      saved = fresh;
    } else saved = source;
    this.built = saved.idf;
    this.refs = saved.refs;
    this.refs.forEach((ref, ordinal) => {
      this.ids.set(ref, ordinal);
    });
    this.averageFieldLength = saved.avg;
    this.termList = saved.terms;
    this.termList.forEach((term, n) => {
      this.termNumbers.set(term, n);
      this.documentFrequency.set(term, saved.df[n]!);
    });
    this.terms = [...this.termList].sort();
    this.postingStart = Int32Array.from(saved.start);
    this.postingDocs = Int32Array.from(saved.docs);
    this.postingWeights = Float64Array.from(saved.weights);
  }

  /**
   * Scores for the query terms (never parsed as Lunr query syntax): Lunr's BM25 dot product
   * of the query's boosts and each product's field vectors, computed over cached postings
   * (`posting`) rather than with `lunr.Index.query`, which builds match data for every matching
   * field of every product and spent most of a query's time in it and in garbage collection.
   * `all`: every term must match (the last also as a prefix of 3+ characters, for as-you-type:
   * any of a bounded set of completions). Otherwise any term may match, and terms no segment
   * knows (`known`) match with typos. `idf`: the IDF to score with instead of the one the
   * segment was built with (each term's weights are rescaled by their ratio), so that segments
   * built apart (shards) score on the same corpus statistics. `head`: what the head word also
   * stands for; a product matches it by the synonym, or by every word of the phrase. `stemmed`:
   * terms that are index terms already (a typo's correction), not to be stemmed again. `models`:
   * the query's model numbers, which count in any-term matching only for the brand it names.
   * `typos`: whether a word the index does not know matches the words a typo away from it.
   * `complete`: whether the last word may be a prefix (`all`), which the caller decides: a word
   * searched as it is ("ink", "305") is not the start of another ("inkjet", "3055").
   */
  search(
    terms: string[],
    all: boolean,
    known: (term: string) => boolean = (t) => this.knows(t),
    idf?: (term: string) => number,
    head: HeadExpansion = {},
    stemmed: ReadonlySet<string> = NONE,
    models?: ModelNumbers,
    typos = true,
    complete = true,
  ): Matches {
    const usable = terms.filter((t) => !isStopWord(t));
    const out: Matches = { ids: [], docs: [], scores: [] };
    if (usable.length === 0) return out;
    const alternatives = usable.map((term, i) => {
      const exact = stemmed.has(term) ? term : stem(term);
      const last = i === usable.length - 1;
      // Any-term matching of several words completes none of them: "ps4 pro" relaxed to every
      // product, professional and program would bury the few that say "ps4".
      const completes = complete && last && term.length >= 3 && (all || usable.length === 1);
      // Completions of what was typed, not of its stem: "apple" (stemmed "appl") is not the
      // start of "appliance" (indexed "applianc"). A word typed past its stem ("printin", whose
      // word "printing" is indexed as "print") starts no index term: it is completed as the
      // inflection it is the start of.
      let completions = completes ? this.complete(term) : [];
      if (completes && completions.length === 0) completions = inflections(term).filter((t) => this.knows(t));
      return { exact, completions };
    });
    // Clauses as Lunr would score them: every (term, boost) of the query, with the bits of the
    // query words it stands for. Boosts of a term named twice add up, as in Lunr's query vector.
    // `completion`: a completion of the last word, which counts only for products without the word
    // itself ("switch" in "SwitchView KVM switch" is one word matched, not two), the best one.
    const clauses: { term: string; boost: number; bits: number; completion?: boolean; group?: number }[] = [];
    // Phrases that stand for one query word (`bit`) once all their words (`bits`) matched.
    const groups: { bit: number; bits: number }[] = [];
    let free = usable.length;
    const group = (bit: number, terms: readonly string[], boost: number) => {
      // A word's bit each in a mask of 32 (the 32nd is the sign): a phrase that does not fit is left out.
      if (free + terms.length > 31) return;
      const at = groups.length;
      groups.push({ bit, bits: ((2 ** terms.length - 1) * 2 ** free) >>> 0 });
      for (const term of terms) clauses.push({ term, boost, bits: (1 << free++) >>> 0, group: at });
    };
    const named =
      head.word === undefined ? -1 : alternatives.findLastIndex(({ exact }) => exact === head.word);
    const headAt = named === -1 ? alternatives.length - 1 : named;
    const scoreIdf = (t: string) => (idf ? idf(t) : this.idf(t));
    alternatives.forEach(({ exact, completions }, alternative) => {
      const bits = 1 << alternative;
      clauses.push({ term: exact, boost: EXACT_BOOST, bits });
      const other = alternative === headAt ? undefined : head.others?.get(exact);
      if (other) {
        const same = scoreIdf(other) > 0 ? scoreIdf(exact) / scoreIdf(other) : 1;
        clauses.push({ term: other, boost: EXACT_BOOST * SYNONYM_BOOST * same, bits });
      }
      if (alternative === headAt) {
        // The type a shopper's word stands for ("laptop": notebook), for the query's head word,
        // weighed with the word's IDF: it is the same word spelled the catalog's way, and the
        // commoner spelling ("notebook", 5x as many products) would otherwise count for half as
        // much, so that "Laptop Cooler" and "Laptop Sleeve" ranked above every notebook.
        if (head.synonym) {
          const same = scoreIdf(head.synonym) > 0 ? scoreIdf(exact) / scoreIdf(head.synonym) : 1;
          clauses.push({ term: head.synonym, boost: EXACT_BOOST * SYNONYM_BOOST * same, bits });
        }
        // The words of the name an initialism stands for, each with a bit of its own: together
        // they count as the word ("ssd" in "internal solid state drive").
        if (head.phrase) group(bits, head.phrase, EXACT_BOOST * SYNONYM_BOOST);
      }
      // The name a word abbreviates ("ps4": "PlayStation 4"), its words together, as the word.
      const name = head.names?.get(exact);
      if (name && !(alternative === headAt && head.phrase)) group(bits, name, EXACT_BOOST * SYNONYM_BOOST);
      // A completion stands for the word being typed: once that is a word of the catalog, a rare
      // completion counts no more than it ("cable" typed: "CableSaver", a rare word, came before
      // every product that says "cable", a common one).
      const typed = known(exact) ? scoreIdf(exact) : 0;
      for (const c of completions)
        if (c !== exact) {
          const rarer = typed > 0 ? Math.min(1, typed / scoreIdf(c)) : 1;
          clauses.push({ term: c, boost: rarer, bits, completion: true });
        }
      // Typo tolerance by length, only for words the index does not know (expansion is costly).
      if (typos && !all && !known(exact))
        for (const term of this.near(exact, typoDistance(exact))) clauses.push({ term, boost: 1, bits });
    });
    // Two query words the catalog spells as one ("head set", "power bank") match it as both,
    // with the boost of both.
    for (const { term, first } of joinedTerms(usable, (t) => this.knows(t))) {
      const bits = (1 << first) | (1 << (first + 1));
      clauses.push({ term, boost: 2 * EXACT_BOOST, bits });
      const synonym = head.joinedSynonyms?.get(term);
      if (synonym) {
        const same = scoreIdf(synonym) > 0 ? scoreIdf(term) / scoreIdf(synonym) : 1;
        clauses.push({ term: synonym, boost: 2 * EXACT_BOOST * SYNONYM_BOOST * same, bits });
      }
    }
    const { scores, masks, lastWord, completed, coded } = this.scratch;
    const { phrases } = this.scratch;
    while (phrases.length < groups.length) phrases.push(new Float64Array(this.refs.length));
    // The model numbers' bits (any-term matching of several words only).
    let codeBits = 0;
    if (!all && models && usable.length > 1)
      usable.forEach((term, i) => {
        if (models.terms.has(term)) codeBits |= 1 << i;
      });
    const lastBit = 1 << (alternatives.length - 1);
    const headBit = 1 << headAt;
    const every = (1 << alternatives.length) - 1;
    const touched: number[] = [];
    // Any-term matching of several words: each word's IDF (on the corpus statistics when given,
    // as scores are). Not with a word no segment knows (a typo): as typed it would have the highest
    // IDF of all and hand it to whatever its typo expansions happen to match. A product that
    // matched neither the head nor words carrying MIN_RELAXED_SHARE of the query's IDF is no match
    // ("hp" alone of "hp elitebook 840": 2,998 results, and the cheapest HP part first when sorted
    // by price). When no word names a type, the share also weighs the score (COVERAGE_POWER).
    const shareIdf =
      !all && alternatives.length > 1 && alternatives.every(({ exact }) => known(exact))
        ? alternatives.map(({ exact }) => scoreIdf(exact))
        : [];
    const shareTotal = shareIdf.reduce((sum, w) => sum + w, 0);
    const wordIdf = head.type ? [] : shareIdf;
    const idfTotal = head.type ? 0 : shareTotal;
    for (const { term, boost: queryBoost, bits: bit, completion, group: inGroup } of clauses) {
      const { docs, weights } = this.posting(term);
      if (docs.length === 0) continue;
      // Rescaled only when the IDF differs: weights built on the IDF scored with are kept as
      // they are, so that a product scores alike in every segment built on the same statistics.
      const wanted = idf ? idf(term) : 0;
      const built = idf ? this.idf(term) : 0;
      const boost = built > 0 && wanted !== built ? (queryBoost * wanted) / built : queryBoost;
      for (let k = 0; k < docs.length; k++) {
        const doc = docs[k]!;
        if (masks[doc] === 0) touched.push(doc);
        masks[doc]! |= bit;
        const score = boost * weights[k]!;
        if (completion) completed[doc] = Math.max(completed[doc]!, score);
        else if (inGroup !== undefined) phrases[inGroup]![doc]! += score;
        else {
          scores[doc]! += score;
          if ((bit & codeBits) === bit) coded[doc]! += score;
          if (bit === lastBit) lastWord[doc]! += score;
        }
      }
    }
    for (const doc of touched) {
      let words = masks[doc]! & every;
      // The whole phrase says the word; some of its words ("solid" in a hard drive's text) say
      // nothing, and neither score nor stand in for the word's completions.
      for (let g = 0; g < groups.length; g++) {
        const { bit, bits } = groups[g]!;
        if ((masks[doc]! & bits) >>> 0 !== bits) continue;
        const score = phrases[g]![doc]!;
        words |= bit;
        scores[doc]! += score;
        if (bit === lastBit) lastWord[doc]! += score;
      }
      // Another brand's model number is not the query's: the product did not match it.
      if (words & codeBits && models!.offBrand(doc)) {
        words &= ~codeBits;
        scores[doc]! -= coded[doc]!;
      }
      const slight =
        shareTotal > 0 && (words & headBit) === 0 && share(words, shareIdf) < MIN_RELAXED_SHARE * shareTotal;
      if (all ? words === every : words !== 0 && !slight) {
        out.ids.push(this.refs[doc]!);
        out.docs.push(doc);
        const score = scores[doc]! + (lastWord[doc]! > 0 ? 0 : completed[doc]!);
        const offType = !all && head.type && every > 1 && (words & headBit) === 0;
        out.scores.push((offType ? score * OFF_TYPE : score) * coverage(words, wordIdf, idfTotal));
      }
      masks[doc] = 0;
      scores[doc] = 0;
      lastWord[doc] = 0;
      completed[doc] = 0;
      for (let g = 0; g < groups.length; g++) phrases[g]![doc] = 0;
      coded[doc] = 0;
    }
    return out;
  }

  /** The segment as text, for `deserialize` (in another thread, or after a restart). */
  serialize(): string {
    const saved: SavedSegment = {
      refs: this.refs,
      avg: this.averageFieldLength,
      terms: this.termList,
      df: this.termList.map((term) => this.documentFrequency.get(term) ?? 0),
      start: [...this.postingStart],
      docs: [...this.postingDocs],
      weights: [...this.postingWeights],
      ...(this.built ? { idf: { documents: this.built.documents, df: Array.from(this.built.df) } } : {}),
    };
    return `{"format":${JSON.stringify(SEGMENT_FORMAT)},"segment":${JSON.stringify(saved)}}`;
  }

  /** The segment `serialize` wrote, or null when it was built with another format (or is not one). */
  static deserialize(text: string): SearchSegment | null {
    try {
      const parsed = JSON.parse(text) as { format?: unknown; segment?: unknown };
      if (parsed?.format !== SEGMENT_FORMAT) return null;
      const saved = parsed.segment as SavedSegment;
      return isSavedSegment(saved) ? new SearchSegment(saved) : null;
    } catch {
      return null; // truncated or hand-edited: the caller rebuilds
    }
  }

  /** Per-product accumulators of one search, all zero between searches (searches are synchronous). */
  private get scratch(): Scratch {
    this.scratchArrays ??= {
      scores: new Float64Array(this.refs.length),
      masks: new Uint32Array(this.refs.length),
      lastWord: new Float64Array(this.refs.length),
      completed: new Float64Array(this.refs.length),
      phrases: [],
      coded: new Float64Array(this.refs.length),
    };
    return this.scratchArrays;
  }

  /**
   * The products with the term and the term's weight in each (the sum over fields of the BM25
   * weight Lunr stored in the field vector, boost included): views of the segment's postings.
   */
  private posting(term: string): Posting {
    const n = this.termNumbers.get(term);
    if (n === undefined) return EMPTY_POSTING;
    const from = this.postingStart[n]!;
    const to = this.postingStart[n + 1]!;
    return { docs: this.postingDocs.subarray(from, to), weights: this.postingWeights.subarray(from, to) };
  }

  /**
   * How many of the segment's products have both (stemmed) terms: their postings' overlap. With
   * `dropped` (tombstones by ordinal), products marked 1 there are not counted.
   */
  together(a: string, b: string, dropped?: Uint8Array): number {
    const x = this.posting(a).docs;
    const y = this.posting(b).docs;
    let n = 0;
    for (let i = 0, j = 0; i < x.length && j < y.length; ) {
      if (x[i]! < y[j]!) i++;
      else if (x[i]! > y[j]!) j++;
      else {
        if (dropped?.[x[i]!] !== 1) n++;
        i++;
        j++;
      }
    }
    return n;
  }

  /** The segment's products (ordinals) that have every one of the (stemmed) terms, in order. */
  withAll(terms: readonly string[]): ArrayLike<number> {
    if (terms.length === 0) return [];
    const postings = terms.map((t) => this.posting(t).docs).sort((a, b) => a.length - b.length);
    let docs: ArrayLike<number> = postings[0]!;
    for (const other of postings.slice(1)) {
      const both: number[] = [];
      for (let i = 0, j = 0; i < docs.length && j < other.length; ) {
        if (docs[i]! < other[j]!) i++;
        else if (docs[i]! > other[j]!) j++;
        else {
          both.push(docs[i]!);
          i++;
          j++;
        }
      }
      docs = both;
    }
    return docs;
  }

  /** Lunr's automaton of every term, for typo expansion: built on first use (a third of a load). */
  private get tokenSet(): lunr.TokenSet {
    this.tokens ??= tokenSetOf(this.terms);
    return this.tokens;
  }

  /** The segment's terms within `distance` edits of `word` (typed or stemmed). */
  near(word: string, distance: number): string[] {
    return distance > 0 && this.terms.length > 0 ? fuzzy(this.tokenSet, word, distance) : [];
  }

  /** How many (product, field) pairs of this segment have the (stemmed) term, as Lunr counts for IDF. */
  frequency(term: string): number {
    return this.documentFrequency.get(term) ?? 0;
  }

  /**
   * The IDF the segment's weights for the term were built with (with the other products'
   * statistics it was built with, saved with it); for a term it lacks, the IDF it would have had.
   */
  idf(term: string): number {
    const { built, others } = this;
    if (!built) return idfOf(this.ids.size, this.frequency(term));
    const n = this.termNumbers.get(term);
    return idfOf(built.documents, n !== undefined ? built.df[n]! : (others?.frequency.get(term) ?? 0));
  }

  /** The segment's own statistics (a shard's share of the corpus's). */
  statistics(): CorpusStatistics {
    return { documents: this.ids.size, frequency: this.documentFrequency };
  }

  /** Whether some product of this segment has the (stemmed) term. */
  knows(term: string): boolean {
    return this.documentFrequency.has(term);
  }

  /** Whether some index term starts with `prefix` (a word being typed may be one's start). */
  begins(prefix: string): boolean {
    return this.terms[this.firstFrom(prefix)]?.startsWith(prefix) ?? false;
  }

  /** Where the first term at or after `prefix` is in the sorted terms (binary search). */
  private firstFrom(prefix: string): number {
    let lo = 0;
    let hi = this.terms.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.terms[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The most common index terms starting with the prefix. */
  private complete(prefix: string): string[] {
    const lo = this.firstFrom(prefix);
    const found: string[] = [];
    for (let i = lo; i < this.terms.length && this.terms[i]!.startsWith(prefix); i++)
      found.push(this.terms[i]!);
    if (found.length <= MAX_EXPANSIONS) return found;
    return found
      .sort((a, b) => (this.documentFrequency.get(b) ?? 0) - (this.documentFrequency.get(a) ?? 0))
      .slice(0, MAX_EXPANSIONS);
  }
}

/** A segment as saved: what the constructor makes its arrays of. */
interface SavedSegment {
  refs: string[];
  avg: Record<string, number>;
  /** Terms by number; `df[n]`: how many (product, field) pairs have term n. */
  terms: string[];
  df: number[];
  /** Postings by term number (see SearchSegment.postingStart). */
  start: number[];
  docs: number[];
  weights: number[];
  /** What the IDF was built on, when other products counted (see SearchSegment.built). */
  idf?: { documents: number; df: number[] };
}

function isSavedSegment(s: SavedSegment | undefined): s is SavedSegment {
  if (typeof s !== 'object' || s === null || typeof s.avg !== 'object' || s.avg === null) return false;
  const { refs, terms, df, start, docs, weights, avg } = s;
  if (![refs, terms, df, start, docs, weights].every(Array.isArray)) return false;
  if (df.length !== terms.length || start.length !== terms.length + 1) return false;
  if (docs.length !== weights.length || start[0] !== 0 || start[terms.length] !== docs.length) return false;
  const distinct = (list: unknown[]) =>
    list.every((x) => typeof x === 'string') && new Set(list).size === list.length;
  if (!distinct(refs) || !distinct(terms)) return false;
  if (!FIELDS.every(([field]) => Number.isFinite(avg[field]))) return false;
  if (!df.every((n) => Number.isInteger(n) && n >= 0) || !weights.every(Number.isFinite)) return false;
  if (s.idf !== undefined) {
    const { documents, df: built } = s.idf;
    if (!Number.isInteger(documents) || documents < refs.length || !Array.isArray(built)) return false;
    if (built.length !== terms.length || !built.every((n, i) => Number.isInteger(n) && n >= df[i]!))
      return false;
  }
  // Each posting within the arrays, naming products of the segment once each, in order.
  for (let n = 0; n < terms.length; n++) {
    const from = start[n]!;
    const to = start[n + 1]!;
    if (!Number.isInteger(to) || !(from <= to)) return false;
    for (let k = from; k < to; k++) {
      const doc = docs[k]!;
      if (!Number.isInteger(doc) || doc < 0 || doc >= refs.length || (k > from && doc <= docs[k - 1]!))
        return false;
    }
  }
  return true;
}

/**
 * A built Lunr index's postings: for each product (in `refs` order) and each of its fields in
 * FIELDS order, the (term number, weight) pairs of its field vector, summed per product. In two
 * passes over the vectors (count, then fill), so the arrays are allocated once.
 */
function fromLunr(
  refs: string[],
  index: Pick<Builder, 'invertedIndex' | 'fieldVectors'>,
  avg: Record<string, number>,
): SavedSegment {
  const terms: string[] = [];
  for (const term in index.invertedIndex)
    terms[(index.invertedIndex[term] as unknown as { _index: number })._index] = term;
  const vectors = FIELDS.map(([field]) => refs.map((ref) => index.fieldVectors[`${field}/${ref}`]?.elements));
  // Every (product, term number, weight) of the vectors, product by product, fields in order.
  const eachWeight = (visit: (d: number, t: number, w: number) => void) => {
    for (let d = 0; d < refs.length; d++)
      for (const byDoc of vectors) {
        const elements = byDoc[d];
        if (elements) for (let i = 0; i < elements.length; i += 2) visit(d, elements[i]!, elements[i + 1]!);
      }
  };
  const df = new Array<number>(terms.length).fill(0);
  const count = new Int32Array(terms.length);
  const last = new Int32Array(terms.length).fill(-1);
  eachWeight((d, t) => {
    df[t]!++;
    if (last[t] !== d) {
      last[t] = d;
      count[t]!++;
    }
  });
  const start = new Array<number>(terms.length + 1);
  start[0] = 0;
  for (let t = 0; t < terms.length; t++) start[t + 1] = start[t]! + count[t]!;
  const docs = new Array<number>(start[terms.length]!);
  const weights = new Array<number>(start[terms.length]!);
  const next = Int32Array.from(start.slice(0, -1));
  last.fill(-1);
  eachWeight((d, t, w) => {
    if (last[t] !== d) {
      last[t] = d;
      docs[next[t]!] = d;
      weights[next[t]!] = w;
      next[t]!++;
    } else weights[next[t]! - 1]! += w;
  });
  return { refs, avg, terms, df, start, docs, weights };
}

const lunrIdf = lunr as unknown as { idf: (posting: object, documentCount: number) => number };

/**
 * Builds with IDF over the segment's products and the others. Lunr computes each term's IDF with
 * the global `lunr.idf` while `build` runs (synchronously), from the posting alone; the posting
 * is mapped back to its term to add the others' document frequency.
 */
function withSharedIdf(builder: Builder, others: CorpusStatistics): void {
  const build = builder.build;
  builder.build = function sharedIdf() {
    const termOf = new Map<object, string>();
    for (const [term, posting] of Object.entries(this.invertedIndex)) termOf.set(posting, term);
    const documents = this.documentCount + others.documents;
    const idf = lunrIdf.idf;
    lunrIdf.idf = (posting: object, count: number) => {
      const term = termOf.get(posting);
      if (term === undefined) return idf(posting, count);
      let withTerm = others.frequency.get(term) ?? 0;
      for (const field in posting)
        if (field !== '_index') withTerm += Object.keys((posting as Record<string, object>)[field]!).length;
      return idfOf(documents, withTerm);
    };
    try {
      return build.call(this);
    } finally {
      lunrIdf.idf = idf;
    }
  };
}
