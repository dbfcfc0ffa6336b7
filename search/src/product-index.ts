import type { Product, SearchParams, SearchResult, Suggestion } from '@shopsync/core';
import type lunr from 'lunr';
import { barcodeQuery, barcodesOf, isBarcodeKey } from './barcodes.js';
import { inProcessBuilder, type SegmentBuilder } from './builder.js';
import { QueryCache } from './cache.js';
import {
  type IndexedDoc,
  nameOf,
  type TypeSignature,
  titleParts,
  toIndexedDoc,
  typeSignature,
} from './document.js';
import {
  mergeResults,
  type PartialHit,
  type PassResult,
  PRICE_BUCKETS,
  RELAX_BELOW,
  round,
  type ShardResult,
} from './merge.js';
import {
  maxFactor,
  type ProductName,
  phraseFactor,
  stemBit,
  type TitleStems,
  titleFactor,
  typeFactor,
} from './ranking.js';
import {
  type BuildStatistics,
  type CorpusStatistics,
  fuzzy,
  idfOf,
  inflections,
  joinedTerms,
  type Measure,
  type ModelNumbers,
  measure,
  SearchSegment,
  tokenSetOf,
  typoDistance,
  withoutPart,
} from './segment.js';
import { Suggester } from './suggest.js';
import {
  abbreviationOf,
  countAbbreviations,
  countInitialisms,
  countKinds,
  countLines,
  countProduct,
  countUnits,
  emptyVocabulary,
  initialismOf,
  learnAbbreviations,
  learnAcronyms,
  learnKinds,
  learnLines,
  learnSynonyms,
  learnUnits,
  type NamePhrase,
  namePhrases,
  type TypeVocabulary,
} from './synonyms.js';
import {
  decimalParts,
  filterKey,
  isDecimal,
  isStopWord,
  isUnit,
  lastTitled,
  numberValue,
  queryTerms,
  saidInTitles,
  stem,
  tokenize,
  twoLetterSingular,
} from './text.js';

interface Row {
  id: string;
  title: string;
  brand: string;
  category: string;
  price: number;
  currency: string;
  stock: number;
  image: string | null;
  /** What "newest" sorts by: see `newSince`. */
  newSince: number;
  /** Insertion order: the stable default order of an empty query. */
  ordinal: number;
  doc: IndexedDoc;
  signature: TypeSignature;
  titleStems: string[];
  /** The sizes its title says (`sizesSaid`: "33.8 cm (13.3\")": 33.8 cm, 13.3 inch). */
  titleSizes: Size[];
  /** The bits of its title stems (`stemBit`): a stem whose bit is clear is not in the title. */
  titleBits: number;
  /** How many of `titleStems` say what the product is: those before "for …", "with …" or "w/…". */
  titleTypeEnd: number;
  /**
   * The product's name as its description gives it (document.ts `nameOf`: "E-View Laptop Stand"
   * for "DELL W009C Black"), read as the title is; undefined when the description is no name.
   * One object for every product of the same name (`names`).
   */
  name: ProductName | undefined;
  /** Its brand's and category's numbers in the index's facet values (`facetValue`). */
  brandId: number;
  categoryId: number;
  /** How many attributes it states (`specsFactor`), its barcodes aside. */
  specs: number;
  /** Its barcodes as lookup keys (barcodes.ts), which a search for one finds it by. */
  barcodes: string[];
  /** Its type as its category and title say it (`readType`), for the current set of heads. */
  readType?: { heads: ReadonlyMap<string, number>; signature: TypeSignature };
}

/**
 * A product as the index takes it. `ordinal`: its place in insertion order, the stable tie-break
 * of every sort, set by a sharded index, which hands each shard some of the products; otherwise
 * the order of arrival. `specCount`: how many attributes it states, its barcodes aside, when
 * `attributes` holds only those the index reads (`INDEXED_ATTRIBUTES` and the barcodes), so that
 * it ranks as it would with all of them (`specsFactor`); otherwise they are counted.
 */
export type OrderedProduct = Product & { ordinal?: number; specCount?: number };

export interface ProductIndexOptions {
  /** The delta segment is folded into a new base beyond this many products. */
  maxDelta?: number;
  /** Cached query results (keyed by normalized query and index generation). */
  cacheSize?: number;
  /**
   * Builds bases at compaction (`compact`). Default: on the calling thread; servers pass
   * `workerBuilder` so that searches go on while a base is built.
   */
  builder?: SegmentBuilder;
  /** Called with each base a compaction produced and the `checkpoint` its products were taken at. */
  onCompacted?: (serialized: string, checkpoint: number) => void;
  /** A background compaction failed (the delta keeps serving; the next write retries). */
  onError?: (err: unknown) => void;
  /**
   * Builds every base with the average field lengths of the first (given to `build`, or a
   * restored base's), not each with its own products': a shard's (ShardedIndex), whose first
   * base was built on the corpus's, so that its later bases weigh alike with other shards'.
   */
  pinAverages?: boolean;
}

/** A text match of one search. */
interface Candidate {
  row: Row;
  /** Its text score: BM25 over the query's terms, with the query's own factors (segment.ts). */
  text: number;
  /**
   * The text score times the product's type, phrase and title factors (ranking.ts), worked out
   * by `Matches.weigh` when first needed (-1 until then): a page of a broad query needs few of them.
   */
  score: number;
}

/** One pass's text matches, and how to weigh one of them (its `score`, worked out once). */
interface Matches {
  candidates: Candidate[];
  weigh: (candidate: Candidate) => number;
  /** The most a candidate's score can be: its text score times its `maxFactor`. */
  ceiling: (candidate: Candidate) => number;
}

/** The empty query's matches: every product, in insertion order. */
const UNWEIGHED = (candidate: Candidate) => candidate.score;

/** The orders of `ORDERS` (merge.ts) but relevance (`bestWeighed`), on candidates. */
const CANDIDATE_ORDERS: Record<
  Exclude<SearchParams['sort'], 'relevance'>,
  (a: Candidate, b: Candidate) => number
> = {
  price_asc: (a, b) => a.row.price - b.row.price || a.row.ordinal - b.row.ordinal,
  price_desc: (a, b) => b.row.price - a.row.price || a.row.ordinal - b.row.ordinal,
  newest: (a, b) => b.row.newSince - a.row.newSince || a.row.ordinal - b.row.ordinal,
};

/**
 * The product index: a large immutable base segment plus a small delta segment holding products
 * written since the base was built; their stale base entries are tombstoned. Filters, facets and
 * sort run on in-memory rows, not in Lunr.
 */
export class ProductIndex {
  private rows = new Map<string, Row>();
  /** Barcode lookup keys (barcodes.ts `barcodeKey`) -> the products that carry them. */
  private barcodes = new Map<string, string[]>();
  private base = new SearchSegment([]);
  private delta = new SearchSegment([]);
  /**
   * By segment ordinal: the base's and the delta's rows, so that a search maps its matches to
   * rows without a lookup by id per match; and the base's tombstones, 1 for an entry that is
   * stale (its product changed or was deleted since the base was built).
   */
  private baseRows: (Row | undefined)[] = [];
  private deltaRows: (Row | undefined)[] = [];
  private tombstones = new Uint8Array(0);
  private deltaIds = new Set<string>();
  private deltaDirty = false;
  /**
   * Every stem of a title or a product's name once, with its bit (`Row.titleBits`); see
   * `titleTerm`. Kept until the rows are replaced wholesale.
   */
  private titleTerms = new Map<string, TitleTerm>();
  /** Products' names by their text (`nameOf`), kept as `titleTerms` are. */
  private names = new Map<string, ProductName>();
  /**
   * Brand and category names by number, so a pass counts facets in arrays, not maps. Kept until
   * the rows are replaced wholesale, as `titleTerms`.
   */
  private facetValues: string[] = [];
  /** By facet id: the stem of a one-word name ("hp" for HP), '' for longer names. */
  private facetStems: string[] = [];
  /** By facet id: the name as a filter compares it (`filterKey`: "hp" for HP). */
  private facetKeys: string[] = [];
  private readonly facetIds = new Map<string, number>();
  private readonly brandTally = new Tally();
  private readonly categoryTally = new Tally();
  private nextOrdinal = 0;
  private readonly suggester = new Suggester(() => this.rows.values());
  private readonly cache: QueryCache;
  private readonly maxDelta: number;
  private readonly options: ProductIndexOptions;
  private compaction: Promise<string> | undefined;
  /** Bumped whenever the rows are replaced wholesale: a compaction begun before is discarded. */
  private epoch = 0;
  generation = 0;
  /** Corpus statistics to score with instead of this index's own (a shard's: the whole corpus's). */
  private corpus: CorpusStatistics | undefined;
  /** The average field lengths bases are built with (`pinAverages`); unset: each base its own. */
  private averages: Readonly<Record<string, number>> | undefined;
  /** Shoppers' words for product types the catalog names otherwise (synonyms.ts); see `learnt`. */
  private synonyms: Map<string, string> | undefined;
  /** Initialisms of type names the catalog writes (synonyms.ts); see `learntAcronyms`. */
  private acronyms: Map<string, string[]> | undefined;
  /** Abbreviations of names with a number ("ps4": playstation 4; synonyms.ts `learnAbbreviations`). */
  private abbreviations: Map<string, string[]> | undefined;
  private typeWords: Set<string> | undefined;
  private kinds: Set<string> | undefined;
  /** Product lines and their own types (synonyms.ts `learnLines`); see `learntLines`. */
  private lines: Map<string, string[]> | undefined;
  /** Units of measure the titles write after numbers (synonyms.ts `learnUnits`); see `learntUnits`. */
  private units: Set<string> | undefined;
  /** The corpus's terms as an automaton, for typo corrections every shard agrees on. */
  private corpusTokens: lunr.TokenSet | undefined;
  /** The corpus's terms sorted, for `begun` in every shard alike. */
  private corpusTerms: string[] | undefined;
  /** How the titles pair words with types, which the synonyms and `readType` read. */
  private types: TypeVocabulary | undefined;
  /**
   * An opaque position in the owner's change feed that the rows reflect (the API sets it to the
   * last change applied); handed to `onCompacted` so a saved base records what it covers.
   */
  checkpoint = 0;

  constructor(options: ProductIndexOptions = {}) {
    this.maxDelta = options.maxDelta ?? 2000;
    this.cache = new QueryCache(options.cacheSize ?? 500);
    this.options = options;
  }

  get size(): number {
    return this.rows.size;
  }

  /** Indexes exactly these products, building the base on this thread. */
  replaceAll(products: Iterable<OrderedProduct>): void {
    this.setRows(products);
    this.rebuildBase();
  }

  /**
   * Indexes exactly these products, building the base with the builder (a worker thread for
   * servers); searches find nothing until it resolves. Resolves to the serialized base.
   */
  load(products: Iterable<OrderedProduct>): Promise<string> {
    this.takeWithoutBase(products);
    return this.build();
  }

  /**
   * Takes exactly these products with no base yet (searches find nothing until `build`), and
   * returns what Lunr will count of them: a shard's share of the corpus's field lengths and
   * document frequencies, for shards to build on the corpus's (ShardedIndex.open).
   */
  stage(products: Iterable<OrderedProduct>): Measure {
    this.takeWithoutBase(products);
    return measure([...this.rows.values()].map((r) => r.doc));
  }

  /** Takes exactly these products, with an empty base until one is built. */
  private takeWithoutBase(products: Iterable<OrderedProduct>): void {
    this.setRows(products);
    this.useBase(new SearchSegment([]), [], []);
  }

  /**
   * Builds the base of the products `stage` took, with the builder, on these statistics (a
   * shard's: the corpus's averages, and the other shards' document frequencies); resolves to the
   * serialized base. With `pinAverages`, later bases are built with the same averages.
   */
  build(statistics: BuildStatistics = {}): Promise<string> {
    this.averages = statistics.averages;
    // A compaction of the replaced rows still running is discarded when it ends; then ours runs.
    const running = this.compaction?.catch(() => {}) ?? Promise.resolve();
    return running.then(() => this.compactWith(() => statistics));
  }

  /**
   * Restores the index from a base that `compact` produced earlier (no rebuild): rows come from
   * the current products; base entries of products that are gone are tombstoned, products the
   * base lacks go to the delta, and so do the products named in `changedSince` (those written
   * after the base was built: the API reads them from its change feed after the base's
   * checkpoint). Returns false, changing nothing, when the base was built with another format or
   * is damaged.
   */
  restore(
    products: Iterable<OrderedProduct>,
    serializedBase: string,
    changedSince: Iterable<string> = [],
  ): boolean {
    const base = SearchSegment.deserialize(serializedBase);
    if (!base) return false;
    this.setRows(products);
    // Its averages were the corpus's when it was built, as the other shards' bases' were.
    this.averages = this.options.pinAverages ? base.averageFieldLength : undefined;
    const changed = new Set(changedSince);
    this.useBase(
      base,
      [...base.ids.keys()].filter((id) => !this.rows.has(id) || changed.has(id)),
      [...this.rows.keys()].filter((id) => !base.ids.has(id) || changed.has(id)),
    );
    this.compactIfLarge();
    return true;
  }

  /**
   * Indexes exactly these products from a saved base (`restore`) or, when there is none or it is
   * unreadable, by building one (`load`). Waits for the compaction a restore with many changes
   * starts, rather than leave a large delta to the first search.
   */
  async open(
    products: Iterable<OrderedProduct>,
    serializedBase: string | null,
    changedSince: Iterable<string> = [],
  ): Promise<'restored' | 'built'> {
    if (serializedBase !== null && this.restore(products, serializedBase, changedSince)) {
      await this.compacted();
      return 'restored';
    }
    await this.load(products);
    return 'built';
  }

  /** The base segment's statistics: a shard's share of the corpus statistics. */
  baseStatistics(): CorpusStatistics {
    return {
      ...this.base.statistics(),
      types: this.typeVocabulary(),
      titled: new Set([...this.titleTerms.values()].filter((t) => t.titled).map((t) => t.stem)),
    };
  }

  /** The average field lengths the base segment was built with. */
  baseAverages(): Record<string, number> {
    return this.base.averageFieldLength;
  }

  /**
   * Scores with these corpus statistics (IDF) from now on, rather than this index's own: shards
   * of one catalog are given the sum of their bases' statistics, so that their scores compare.
   */
  useStatistics(corpus: CorpusStatistics | undefined): void {
    this.corpus = corpus;
    this.corpusTokens = undefined;
    this.corpusTerms = undefined;
    this.forgetLearnt();
    this.invalidate();
  }

  /** Drops what was learnt from the corpus (synonyms, types, units…), to be learnt again on use. */
  private forgetLearnt(): void {
    this.synonyms = undefined;
    this.acronyms = undefined;
    this.abbreviations = undefined;
    this.typeWords = undefined;
    this.kinds = undefined;
    this.lines = undefined;
    this.units = undefined;
    this.types = undefined;
  }

  /** The base segment serialized as `restore` reads it (the delta is not in it: `compact` first). */
  serializedBase(): string {
    return this.base.serialize();
  }

  upsert(product: OrderedProduct): void {
    const previous = this.rows.get(product.id);
    const row = this.toRow(product, previous?.ordinal ?? product.ordinal);
    this.rows.set(product.id, row);
    if (previous) this.forgetBarcodes(previous);
    this.addBarcodes(row);
    this.place(product.id, row);
    // Stock and price live in the rows, not in Lunr: a change that leaves the text alone (every
    // order moves stock) touches no segment and never brings a compaction nearer.
    // Suggestions count titles, brands and categories (not the indexed text, which can stay the
    // same when they change: "1 pc(s)" is indexed as "pieces").
    if (previous?.title !== row.title || previous.brand !== row.brand || previous.category !== row.category) {
      if (previous) this.suggester.remove(previous);
      this.suggester.add(row);
    }
    if (previous && sameText(previous.doc, row.doc)) this.invalidate();
    else this.changed(product.id, true);
  }

  remove(id: string): void {
    const row = this.rows.get(id);
    if (!row) return;
    this.rows.delete(id);
    this.forgetBarcodes(row);
    this.suggester.remove(row);
    this.place(id, undefined);
    this.changed(id, false);
  }

  private addBarcodes(row: Row): void {
    for (const key of row.barcodes) {
      const ids = this.barcodes.get(key);
      if (!ids) this.barcodes.set(key, [row.id]);
      else if (!ids.includes(row.id)) ids.push(row.id);
    }
  }

  private forgetBarcodes(row: Row): void {
    for (const key of row.barcodes) {
      const ids = this.barcodes.get(key)?.filter((id) => id !== row.id);
      if (ids && ids.length > 0) this.barcodes.set(key, ids);
      else this.barcodes.delete(key);
    }
  }

  /** Points the segments' entries for the product at its current row. */
  private place(id: string, row: Row | undefined): void {
    const inBase = this.base.ids.get(id);
    if (inBase !== undefined) this.baseRows[inBase] = row;
    const inDelta = this.delta.ids.get(id);
    if (inDelta !== undefined) this.deltaRows[inDelta] = row;
  }

  search(params: SearchParams): SearchResult {
    const started = performance.now();
    const terms = queryTerms(params.q, params.exact);
    const key = QueryCache.key(this.generation, terms, params);
    const cached = this.cache.get(key);
    if (cached) return { ...cached, tookMs: round(performance.now() - started) };
    const result = mergeResults([this.partial(terms, params)], params, terms);
    this.cache.set(key, result);
    return { ...result, tookMs: round(performance.now() - started) };
  }

  /**
   * This index's part of a search (`mergeResults` makes the result of it): all-terms matches,
   * and the relaxed any-term matches (with typos) too when the all-terms pass found fewer than
   * RELAX_BELOW products. Scores are weighted by the product's type. `alsoKnown`: query stems
   * that other shards know (a known word is not expanded to its typos). `said`: the query words
   * that titles say as typed (`saidInTitles`), from every shard's titles; else asked here.
   */
  partial(
    terms: string[],
    params: SearchParams,
    alsoKnown: readonly string[] = [],
    typing?: boolean,
    said?: readonly string[],
  ): ShardResult {
    this.refreshDelta();
    if (terms.length === 0) {
      const all: Candidate[] = [...this.rows.values()].map((row) => ({ row, text: 0, score: 0 }));
      return {
        strictMatches: all.length,
        strictFloor: 0,
        strict: this.pass({ candidates: all, weigh: UNWEIGHED, ceiling: UNWEIGHED }, params),
      };
    }
    // A barcode ("0095205603217") finds the products that carry it, and only those (`mergeResults`
    // keeps only such results of every shard).
    const barcode = barcodeQuery(terms);
    const scanned = barcode === undefined ? undefined : this.barcodes.get(barcode);
    if (scanned) {
      const found: Candidate[] = scanned.flatMap((id) => {
        const row = this.rows.get(id);
        return row ? [{ row, text: 1, score: 1 }] : [];
      });
      return {
        strictMatches: found.length,
        strictFloor: 1,
        strict: this.pass({ candidates: found, weigh: UNWEIGHED, ceiling: UNWEIGHED }, params),
        barcode: true,
      };
    }
    const others = new Set(alsoKnown);
    const known = (term: string) => others.has(term) || this.knows(term);
    // A decimal ("13.3") is one word for the size it asks for ("13.3 inch"; alone, the number:
    // `sizesOf`); the index has its runs of digits ("13", "3"), which are matched, but not as
    // numbers of their own ("iphone 11": `decimalsOnly`; model numbers) nor joined ("133").
    const spoken = terms.filter((t) => !isStopWord(t));
    const sizes = sizesOf(spoken);
    const sizeWords = spoken.flatMap((w, i) =>
      sizeAt(spoken, i) ? [...decimalParts(w), spoken[i + 1]!] : [],
    );
    const fractions = new Set(spoken.filter(isDecimal).flatMap(decimalParts));
    terms = terms.flatMap(decimalParts);
    // A model code typed joined that no product says as one word ("pg510"): the words titles
    // write it as ("PG-510"; `codeParts`).
    const lastAt = terms.length - 1;
    // Its pieces are a model code's, as numbers are ("epson 29xl": no "XL" shaver of another brand).
    const codePieces = new Set<string>();
    terms = terms.flatMap((t, i) => {
      const parts = this.codeParts(t, known, i === lastAt);
      if (!parts) return [t];
      for (const part of parts) codePieces.add(part);
      return parts;
    });
    const typed = terms;
    const inTitles = new Set(said ?? saidInTitles(typed, (word) => this.suggester.titles(word)));
    terms = terms.map((t) => this.singular(t));
    // A word no product says is read as the catalog's word it most likely misspells ("moniter"),
    // in both passes and in the reading below.
    // Unless the shopper asked for the words as typed ("Search instead for …").
    const corrected: ReturnType<ProductIndex['corrections']> = params.exact
      ? new Map()
      : this.corrections(terms, known, typing, inTitles);
    if (corrected.size > 0) terms = terms.flatMap((t) => corrected.get(t)?.terms ?? [t]);
    const stemmed = new Set([...corrected.values()].flatMap((c) => (c.stemmed ? c.terms : [])));
    const words = terms.filter((t) => !isStopWord(t));
    const stems = words.map((w) => (stemmed.has(w) ? w : stem(w)));
    // A product type named by two words joined ("head set": a headset) counts as named.
    const joined = joinedTerms(words, (t) => this.knows(t));
    // What the shopper wants is the query's head noun: its last word ("gaming laptop": a laptop,
    // not a game), or the last two joined ("head set"), but for a brand, number or unit after it
    // ("toner hp", "ssd 1tb").
    const at = this.headPosition(words, stems, codePieces);
    // Or of the head joined with the word before it ("lap top": laptop, notebook).
    const joinedSynonyms = new Map<string, string>();
    for (const { term } of joined) {
      const other = this.learnt().get(term);
      if (other) joinedSynonyms.set(term, other);
    }
    const synonym =
      this.learnt().get(stems[at] ?? '') ??
      joinedSynonyms.get(joined.find((j) => j.first === at - 1)?.term ?? '');
    // Another word of the query that is a learnt synonym's word or its type ("notebook bag", a
    // "Laptop Bag"; "laptop stand", a "Notebook stand") matches by the other too.
    const alsoSaid = this.alsoSaid(stems, at);
    // A device's name besides the head ("printer paper", "charger cable") matches the activity the
    // catalog names it by too ("printing paper", "charging cable"): X-er by X-ing, when titles say it.
    words.forEach((w, i) => {
      if (i === at || alsoSaid.has(stems[i]!) || !/^[a-z]{3,}er$/.test(w)) return;
      const activity = stem(`${w.slice(0, -2)}ing`);
      if (activity !== stems[i] && this.titleTerms.has(activity)) alsoSaid.set(stems[i]!, activity);
    });
    // A word that abbreviates a name the catalog writes ("ps4": "PlayStation 4") matches by it too.
    const names = new Map<string, string[]>();
    words.forEach((w, i) => {
      const name = abbreviationOf(this.learntAbbreviations(), w);
      if (name) names.set(stems[i]!, name);
    });
    // An initialism the catalog writes for a type ("ssd": solid state drive) stands for its name.
    const phrase = initialismOf(this.learntAcronyms(), words[at] ?? '');
    // The catalog's word for the head is named too: for "laptop", a "Notebook cooling pad" is an
    // accessory, as a "Laptop cooling pad" would be.
    // A head word that names a product line, no type ("thinkpad"), asks for the line's own type
    // (notebooks): the batteries and docks named for it are accessories.
    const line = synonym || phrase || joined.length > 0 ? undefined : this.learntLines().get(stems[at] ?? '');
    const named = [
      ...new Set([...stems, ...joined.map((j) => j.term), ...(synonym ? [synonym] : []), ...(line ?? [])]),
    ];
    const wanted = new Set([
      ...stems.slice(at, at + 1),
      ...(synonym ? [synonym] : []),
      ...(line ?? []),
      ...joined.filter((j) => j.first === at - 1).map((j) => j.term),
    ]);
    // The query's stems as the titles' own copies, with their bits (0: no title says it).
    const titleBits = stems.map((w, i) => {
      const term = this.titleTerms.get(w);
      if (term) stems[i] = term.stem;
      return term?.bit ?? 0;
    });
    // Brands the query names besides its head ("hp toner", "samsung monitor"): a product of
    // another brand that matched the word (a compatible toner, a mount that fits) scores less.
    // Not a corrected word: "sonos" read as "soni" is no wish for Sony.
    // A brand and numbers alone ("canon 540", "hp 301") name the brand as their head too
    // (`headPosition`): the numbers are its model numbers.
    const modelHead = at < words.length - 1 && this.isMaker(stems[at]!);
    const brands = new Set(
      stems.filter((w, i) => (i !== at || modelHead) && !stemmed.has(w) && this.isMaker(w)),
    );
    // A number that is no size ("iphone 11"; not "27 inch").
    const isNumber = (w: string, i: number) =>
      NUMBER.test(w) && !fractions.has(w) && !UNITS.has(words[i + 1] ?? '');
    // Its model numbers: numbers besides the head, which are a brand's.
    const models = new Set(
      brands.size === 0 ? [] : words.filter((w, i) => i !== at && (isNumber(w, i) || codePieces.has(w))),
    );
    // A query that only names a brand ("lenovo", "canon"): every product of it matches as well.
    // So does one that names a brand and its model numbers, which its products may not say.
    const brandOnly =
      (stems.length > 0 && stems.every((w) => !stemmed.has(w) && this.isMaker(w))) ||
      (modelHead && !stemmed.has(stems[at]!));
    // Its numbers (`decimalsOnly`).
    const numbers = words.filter(isNumber);
    const reading: QueryReading = {
      sizeWords,
      numberWords: numbers,
      numbers: numbers.map(numberPattern),
      joinedSynonyms,
      stems,
      stemmed,
      brands,
      brandOnly,
      models,
      sizes,
      titleBits,
      at,
      head: stems[at] ?? '',
      wanted,
      named,
      known,
      joined,
      synonym,
      phrase,
      alsoSaid,
      names,
      line: line !== undefined,
      typos: !params.exact,
      // The last word is completed as the start of longer words ("moni": monitor) unless it is a
      // word of its own: one that titles say as it is ("printer ink": ink, not inkjet), a number
      // ("hp 305": not 3055) or a corrected typo.
      complete:
        !lastTitled(typed, (word) => inTitles.has(word)) &&
        !NUMBER.test(words[words.length - 1] ?? '') &&
        !stemmed.has(words[words.length - 1] ?? ''),
    };
    const strict = this.segmentMatches(terms, true, reading);
    // A size asked for that a title says as no size ("32gb sd card": a notebook's "32" (bit) and
    // "GB" (of RAM)) is no match of every word: such products go to the any-term pass, below those
    // whose titles say it ("Verbatim Premium SDHC Card 32GB"). When no product that matched every
    // word says it, those whose titles say its words stay ("laptop 17 inch": a 17.3" notebook), but
    // not those that say them only elsewhere: "1tb hard drive" matched a 1500 GB drive described
    // "1.5TB" and an enclosure, where titles say "1000 GB" (`sizesOf`).
    if (reading.sizes.length > 0) {
      const sized = strict.candidates.filter(({ row }) => saysSizes(row.titleSizes, reading.sizes));
      strict.candidates =
        sized.length > 0
          ? sized
          : strict.candidates.filter(({ row }) =>
              reading.sizeWords.every((w) => row.titleStems.includes(stem(w))),
            );
    }
    // Nor is a number asked for that a product says only in a decimal ("iphone 11": "ZAGG … case
    // 11.9 cm (4.7\")"), when no product that matched every word says it otherwise: they would
    // all come before any product that says "iPhone". When some do, those come first (DECIMAL_ONLY).
    if (reading.numbers.length > 0) {
      const plain = strict.candidates.filter(({ row }) => !decimalsOnly(row, reading.numbers));
      if (plain.length === 0) strict.candidates = plain;
    }
    const few = strict.candidates.length < RELAX_BELOW;
    // The floor matters only when the relaxed pass counts: when few products matched every term.
    let strictFloor = Number.POSITIVE_INFINITY;
    if (few)
      for (const candidate of strict.candidates) strictFloor = Math.min(strictFloor, strict.weigh(candidate));
    const result: ShardResult = {
      strictMatches: strict.candidates.length,
      strictFloor,
      strict: this.pass(strict, params),
      known: stems.filter(known),
      // As words the shopper would write ("headphones", not the index term "headphon").
      ...this.asSearched(typed, terms, stemmed, corrected.size > 0),
    };
    if (!few) return result;
    const seen = new Set(strict.candidates.map(({ row }) => row.id));
    // A one-character word ("iphone x") says little alone: any-term matching leaves it out, but
    // for the number of a size ("3 inch", "2 m", the 3 of "13.3 inch").
    const informative = terms.filter((t) => t.length > 1 || reading.sizeWords.includes(t));
    const relaxed = this.segmentMatches(informative.length > 0 ? informative : terms, false, reading);
    relaxed.candidates = relaxed.candidates.filter(({ row }) => !seen.has(row.id));
    result.relaxed = {
      ...this.pass(relaxed, params),
      matches: relaxed.candidates.length,
      top: bestScore(relaxed),
    };
    return result;
  }

  suggest(q: string, limit = 8): Suggestion[] {
    return this.suggester.suggest(q, limit, this);
  }

  /** For each of `others`, how many products say it and `word` (`SuggestContext`). */
  together(word: string, others: readonly string[]): number[] {
    this.refreshDelta();
    const x = stem(word);
    return others.map((other) => {
      const y = stem(other);
      // Products changed or removed since the base was built count once, as they are now.
      return this.base.together(x, y, this.tombstones) + this.delta.together(x, y);
    });
  }

  /**
   * The categories of the products that say every one of `words` (a size: "1", "tb"), with how
   * many products of each, the most first; untyped products ("Other") left out.
   */
  categoriesSaying(words: readonly string[]): [string, number][] {
    this.refreshDelta();
    const stems = words.map(stem);
    const counts = new Map<string, number>();
    const add = (row: Row | undefined) => {
      if (row && row.signature.head !== null) counts.set(row.category, (counts.get(row.category) ?? 0) + 1);
    };
    const base = this.base.withAll(stems);
    for (let i = 0; i < base.length; i++) if (this.tombstones[base[i]!] === 0) add(this.baseRows[base[i]!]);
    const delta = this.delta.withAll(stems);
    for (let i = 0; i < delta.length; i++) add(this.deltaRows[delta[i]!]);
    return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }

  /** Filters, facet counts and the first hits of one pass's text matches. */
  private pass({ candidates: scored, weigh, ceiling }: Matches, params: SearchParams): PassResult {
    // A filter names a brand or category however it is written ("hp", "HP ", "Hewlett  Packard").
    const { facetKeys } = this;
    // Any of the brands named.
    const brandKeys = params.brand ? new Set(params.brand.map(filterKey)) : undefined;
    const categoryKey = params.category ? filterKey(params.category) : '';
    const keep = (r: Row, skip?: 'brand' | 'category' | 'price') =>
      (skip === 'brand' || !brandKeys || brandKeys.has(facetKeys[r.brandId]!)) &&
      (skip === 'category' || !categoryKey || facetKeys[r.categoryId] === categoryKey) &&
      (skip === 'price' || params.minPrice === undefined || r.price >= params.minPrice) &&
      (skip === 'price' || params.maxPrice === undefined || r.price <= params.maxPrice) &&
      (!params.inStock || r.stock > 0);
    const { brandTally: brand, categoryTally: category } = this;
    // Counts a pass that threw left behind must not add to this one's.
    brand.clear();
    category.clear();
    const price = PRICE_BUCKETS.map(() => 0);
    // The conditions `keep` tests.
    const filtered =
      Boolean(params.brand || params.category || params.inStock) ||
      params.minPrice !== undefined ||
      params.maxPrice !== undefined;
    // Unfiltered (most searches): every match counts everywhere and is kept, with no filter test
    // per match (thousands for a relaxed query).
    const matched = filtered ? [] : scored;
    for (const candidate of scored) {
      const { row } = candidate;
      // Facets count the whole match set; each facet ignores its own filter so siblings stay visible.
      if (!filtered || keep(row, 'brand')) brand.add(row.brandId);
      if (!filtered || keep(row, 'category')) category.add(row.categoryId);
      if (!filtered || keep(row, 'price')) {
        const bucket = priceBucket(row.price);
        if (bucket >= 0) price[bucket]!++;
      }
      if (filtered && keep(row)) matched.push(candidate);
    }
    const k = params.page * params.pageSize;
    const first =
      params.sort === 'relevance'
        ? bestWeighed(matched, k, weigh, ceiling)
        : firstInOrder(matched, k, CANDIDATE_ORDERS[params.sort]);
    const hits = first.map((candidate): PartialHit => {
      const { row } = candidate;
      return {
        id: row.id,
        title: row.title,
        brand: row.brand,
        category: row.category,
        price: { amount: row.price, currency: row.currency },
        stock: row.stock,
        image: row.image,
        score: weigh(candidate),
        ordinal: row.ordinal,
        newSince: row.newSince,
      };
    });
    return {
      total: matched.length,
      hits,
      brand: brand.take(this.facetValues),
      category: category.take(this.facetValues),
      price,
    };
  }

  /** Every segment's matches for `terms` (all of them, or any), scored with the query's reading. */
  private segmentMatches(terms: string[], all: boolean, reading: QueryReading): Matches {
    const {
      joinedSynonyms,
      stems,
      stemmed,
      brands,
      brandOnly,
      numbers: queryNumbers,
      numberWords,
      sizeWords,
      models,
      sizes,
      titleBits,
      at,
      head: headWord,
      wanted,
      named,
      known,
      joined,
      synonym,
      phrase,
      alsoSaid,
      names,
      line,
      typos,
      complete,
    } = reading;
    const heads = this.learntTypes().heads;
    const headStem = stems[at] ?? '';
    const headBit = titleBits[at] ?? 0;
    const headIsType = phrase !== undefined || [...wanted].some((w) => this.typedAs(w) >= MIN_TITLE_HEAD);
    // The query's other words, when its head names a type: a product of their type is the
    // context of what is asked for ("printer ink": not a printer).
    const context = new Set<string>();
    if (headIsType)
      stems.forEach((w, i) => {
        if (i === at || wanted.has(w)) return;
        context.add(w);
        const other = alsoSaid.get(w);
        if (other && !wanted.has(other)) context.add(other);
      });
    // A brand's name comes first in each of its titles: no accessory's mark.
    const isMakerHead = this.isMaker(headStem);
    const out: Candidate[] = [];
    const { corpus, delta: fresh } = this;
    // The corpus's bases, and this index's delta (products written since: those of other shards'
    // deltas are not known here, and are few).
    const idf = corpus && ((term: string) => idfOf(corpus.documents + fresh.ids.size, this.frequency(term)));
    const typeWords = this.learntTypeWords();
    const kinds = this.learntKinds();
    const { facetStems } = this;
    const weigh = (candidate: Candidate) => {
      if (candidate.score >= 0) return candidate.score;
      const { row } = candidate;
      const signature = readType(row, heads, typeWords);
      let type = typeFactor(signature, wanted, named, phrase, kinds, line, context);
      // A title that says the head word before its own type word names what it is for: an
      // accessory ("APC UPS Network Management Card" for "apc ups").
      if (
        type === 1 &&
        !isMakerHead &&
        !kinds.has(`${headStem} ${signature.head}`) &&
        saysBeforeType(row, signature.head, headStem, headBit)
      )
        type = FOR_HEAD;
      // An accessory names what it is for in its title, the query's words side by side as often
      // as not ("Canon Camera interface cable" for "canon camera"): no phrase factor for it. The
      // product's own name may say them side by side too ("XL Laptop Case" for "laptop case").
      const side =
        type < 1
          ? 1
          : Math.max(
              phraseFactor(row, stems, titleBits),
              row.name ? phraseFactor(row.name, stems, titleBits) : 1,
            );
      const brand = brands.size > 0 && !brands.has(facetStems[row.brandId]!) ? OFF_BRAND : 1;
      // The head said only in what the product comes with or fits: an accessory's score.
      // Or only after the word that says what it is: an attribute of it ("calculator Desktop"),
      // which scores less (ATTRIBUTE).
      const withOnly =
        type !== 1
          ? 1
          : comesWith(row, row.titleTypeEnd, headStem, headBit)
            ? WITH_ONLY
            : saysAfterType(row, signature.head, headStem, headBit)
              ? ATTRIBUTE
              : 1;
      // A size asked for ("27 inch monitor") that the title does not say as one: another size, or
      // the number said as something else (a model's "225B1CB/27", a "10.2 Gbps" cable's 2).
      const size = sizes.length > 0 && !saysSizes(row.titleSizes, sizes) ? OTHER_SIZE : 1;
      // A number asked for ("iphone 11") that the title says only in a decimal ("11.9 cm"); in
      // any-term matching it matched no number already (`offBrand`).
      const decimal = all && queryNumbers.length > 0 && decimalsOnly(row, queryNumbers) ? DECIMAL_ONLY : 1;
      candidate.score =
        (brandOnly ? specsFactor(row.specs) : 1) *
        decimal *
        size *
        withOnly *
        candidate.text *
        type *
        side *
        brand *
        titleFactor(row, stems, titleBits, at, synonym, joined, phrase, row.titleTypeEnd, row.name);
      return candidate.score;
    };
    const add = (row: Row | undefined, text: number) => {
      if (row) out.push({ row, text, score: -1 });
    };
    const head = {
      word: headWord,
      synonym,
      phrase,
      type: headIsType,
      others: alsoSaid,
      names,
      joinedSynonyms,
    };
    const { baseRows, deltaRows, tombstones } = this;
    // Another brand's product (the brand filter's test, OFF_BRAND) matches no model number, nor
    // does one whose title says the numbers only as quantities ("dell 3000 monitor": a Dell toner
    // cartridge's "3000 Pages").
    const units = models.size > 0 ? this.learntUnits() : NO_UNITS;
    // Nor, whatever its brand, one that says them only in decimals ("iphone 11": "11.9 cm"), or
    // the words of a size asked for as no such size ("1tb": "1.5TB" says 1 and TB). One test for
    // all of them: a product that fails it matched none of these words.
    const numberTerms = new Set([...models, ...numberWords, ...sizeWords]);
    const decimalTerms = queryNumbers.length > 0;
    const offBrand = (rows: (Row | undefined)[]) => (doc: number) => {
      const row = rows[doc];
      return (
        row !== undefined &&
        ((models.size > 0 &&
          (!brands.has(facetStems[row.brandId]!) || quantitiesOnly(row.titleStems, models, units))) ||
          (decimalTerms && decimalsOnly(row, queryNumbers)) ||
          (sizes.length > 0 && !saysSizes(row.titleSizes, sizes)))
      );
    };
    const numbers = (rows: (Row | undefined)[]): ModelNumbers | undefined =>
      all || numberTerms.size === 0 ? undefined : { terms: numberTerms, offBrand: offBrand(rows) };
    const base = this.base.search(terms, all, known, idf, head, stemmed, numbers(baseRows), typos, complete);
    for (let i = 0; i < base.docs.length; i++) {
      const doc = base.docs[i]!;
      if (tombstones[doc] === 0) add(baseRows[doc], base.scores[i]!);
    }
    const delta = this.delta.search(
      terms,
      all,
      known,
      idf,
      head,
      stemmed,
      numbers(deltaRows),
      typos,
      complete,
    );
    for (let i = 0; i < delta.docs.length; i++) add(deltaRows[delta.docs[i]!], delta.scores[i]!);
    const ceiling = (candidate: Candidate) =>
      candidate.text * maxFactor(candidate.row, titleBits, candidate.row.name);
    return { candidates: out, weigh, ceiling };
  }

  /**
   * Compaction: builds one new base of every product with the builder (in a worker thread for
   * servers) while searches go on against the old base and delta; then swaps it in. Products
   * written meanwhile stay in the delta, tombstoned in the new base. Resolves to the serialized
   * base (also handed to `onCompacted`). Concurrent calls share one compaction.
   */
  compact(): Promise<string> {
    return this.compactWith(() => this.compactionStatistics());
  }

  /** The running compaction, or a new one on these statistics (asked only when one starts). */
  private compactWith(statistics: () => BuildStatistics): Promise<string> {
    this.compaction ??= this.runCompaction(statistics()).finally(() => {
      this.compaction = undefined;
    });
    return this.compaction;
  }

  /** Resolves when no compaction is running (a failed one included). */
  async compacted(): Promise<void> {
    while (this.compaction) await this.compaction.catch(() => {});
  }

  /**
   * What a compaction builds with. A shard's new base: the pinned averages (`pinAverages`), and
   * IDF over the other shards' bases too (the corpus's without this shard's base), so that it is
   * built on the statistics it will be scored with once the shards share them again.
   */
  private compactionStatistics(): BuildStatistics {
    const { corpus, base } = this;
    if (!corpus) return { averages: this.averages };
    return { averages: this.averages, others: withoutPart(corpus, base.statistics()) };
  }

  private async runCompaction(statistics: BuildStatistics): Promise<string> {
    const snapshot = new Map(this.rows);
    const { checkpoint, epoch } = this;
    const serialized = await (this.options.builder ?? inProcessBuilder)(
      [...snapshot.values()].map((r) => r.doc),
      statistics,
    );
    const base = SearchSegment.deserialize(serialized);
    if (!base) throw new Error('compaction produced an unreadable segment');
    // replaceAll/load/restore ran meanwhile: this base describes products that were replaced.
    if (epoch !== this.epoch) return serialized;
    // Only text changes made meanwhile matter: a stock or price update is read from the row.
    const differs = (a: Row | undefined, b: Row | undefined) => !a || !b || !sameText(a.doc, b.doc);
    this.useBase(
      base,
      [...snapshot.keys()].filter((id) => differs(snapshot.get(id), this.rows.get(id))),
      [...this.rows.keys()].filter((id) => differs(snapshot.get(id), this.rows.get(id))),
    );
    this.options.onCompacted?.(serialized, checkpoint);
    return serialized;
  }

  private changed(id: string, present: boolean): void {
    const inBase = this.base.ids.get(id);
    if (inBase !== undefined) this.tombstones[inBase] = 1;
    if (present) this.deltaIds.add(id);
    else this.deltaIds.delete(id);
    this.deltaDirty = true;
    this.invalidate();
    this.compactIfLarge();
  }

  /**
   * Typos: each query word that no product says -> what it most likely stands for. Either the
   * index term it misspells: the most common one within its typo distance (`typoDistance`) of
   * the word as typed ("moniter": monitor), else of its stem ("hedphones", stemmed "hedphon":
   * headphon). Or, when that is rarer than both halves, two catalog words written as one
   * ("powerbank": power bank, "tplink": tp link). Also a word that no title and at most RARE
   * (product, field) pairs say, when a word 100x as common is one edit away ("cartrige", in one
   * description: cartridge). Not words with a digit (models, sizes), words under 5 characters
   * (too many neighbours: "bose", "base", "rose"), nor a last word that starts some catalog word
   * (it is being typed: "moni", "printin"; `typing`, else asked here). A shard decides from
   * corpus-wide data only (terms, frequencies, title words), so every shard decides alike.
   * Returns the replacement terms: an index term (to be used as it is), or two words.
   */
  private corrections(
    terms: readonly string[],
    known: (term: string) => boolean,
    typing: boolean | undefined,
    said: ReadonlySet<string>,
  ): Map<string, { terms: string[]; stemmed: boolean }> {
    const out = new Map<string, { terms: string[]; stemmed: boolean }>();
    const { delta, corpus } = this;
    const frequency = (term: string) => this.frequency(term);
    const titled = (term: string) =>
      this.titleTerms.get(term)?.titled === true || (corpus?.titled?.has(term) ?? false);
    // The shard's own terms, or the whole corpus's (the same automaton in every shard).
    const near = (word: string, distance: number) => {
      if (!corpus) return [...this.base.near(word, distance), ...delta.near(word, distance)];
      this.corpusTokens ??= tokenSetOf([...corpus.frequency.keys()].sort());
      return [...fuzzy(this.corpusTokens, word, distance), ...delta.near(word, distance)];
    };
    terms.forEach((word, i) => {
      if (out.has(word) || word.length < 5 || isStopWord(word) || DIGIT.test(word)) return;
      const stemmed = stem(word);
      const seen = known(stemmed) ? Math.max(1, frequency(stemmed)) : 0;
      // A word some title says is a product's word ("xbox" in two titles), however rare. Unless
      // no title says it as typed, where its stem is another word's: "projecter" (stemmed
      // "project") is read as the title word "projector", SURFACE_MARGIN times as common.
      const surface = seen > RARE || (seen > 0 && titled(stemmed));
      if (surface && said.has(word)) return;
      // A last word being typed: some title word starts with it ("gamin"), or it is typed partway
      // into an ending of a catalog word ("printin": printing, indexed "print").
      if (
        i === terms.length - 1 &&
        ((typing ?? this.typing(word)) || inflections(word).some((t) => t !== stemmed && frequency(t) > RARE))
      )
        return;
      let best: string | undefined;
      // A rare word's correction must be far commoner; an unknown word's needs only to exist.
      let most = surface ? SURFACE_MARGIN * seen - 1 : seen > 0 ? 100 * seen - 1 : 0;
      // The word as typed, then its stem, each within the typo distance of the word as typed
      // ("headfones", stemmed "headfon", is two edits from "headphon").
      for (const typed of surface ? [word] : [word, stemmed]) {
        const distance = seen > 0 && !surface ? Math.min(1, typoDistance(word)) : typoDistance(word);
        for (const candidate of near(typed, distance)) {
          if (candidate === stemmed || DIGIT.test(candidate) || (surface && !titled(candidate))) continue;
          const n = frequency(candidate);
          if (n > most || (n === most && best !== undefined && candidate < best)) {
            best = candidate;
            most = n;
          }
        }
        // The word as typed says more than its stem: its stem is looked at only when it finds nothing.
        if (best) break;
      }
      // Two words written as one: the split whose rarer half is commonest, if commoner than the
      // correction (so "labtop" is a laptop, not "lab top").
      let split: string[] | undefined;
      // A word a few products say (no title, `surface`) too, when each half is far commoner than it:
      // "harddrive" (one description) is a hard drive.
      let splitMost = Math.max(most, MIN_SPLIT_FREQUENCY - 1);
      if (seen === 0 || (!surface && seen <= RARE))
        for (let at = 2; at <= word.length - 2; at++) {
          const [a, b] = [word.slice(0, at), word.slice(at)];
          const n = Math.min(frequency(stem(a)), frequency(stem(b)));
          if (n > splitMost && !isStopWord(a) && !isStopWord(b)) {
            split = [a, b];
            splitMost = n;
          }
        }
      if (split) out.set(word, { terms: split, stemmed: false });
      else if (best) out.set(word, { terms: [best], stemmed: true });
    });
    return out;
  }

  /**
   * The commonest title word an index term is the stem of ("headphon": headphones), else the
   * term. Looked for among the words that start with the term but its last letter, since a stem
   * may end otherwise than its word ("memori": memory).
   */
  private wordFor(term: string): string {
    const prefix = term.length > 3 ? term.slice(0, -1) : term;
    return this.suggester.commonestWith(prefix, (word) => stem(word) === term) ?? term;
  }

  /**
   * A model code typed joined ("pg510", "rtx2060", "dcs8325lh", "cli521bk") that no product says
   * as one word, as the words titles write it ("PG-510", "RTX 2060", "DCS-8325LH", "CLI-521 BK"):
   * split where letters and digits meet, at the first place where both halves are catalog words
   * ("wh1000xm4": wh, 1000xm4), else at every place when each run is one. Undefined to keep the
   * word: one a product says, a learnt abbreviation ("ps5": PlayStation 5), or a last word some
   * term starts with (being typed: "u272" of "u2720q").
   */
  private codeParts(word: string, known: (term: string) => boolean, last: boolean): string[] | undefined {
    if (!DIGIT.test(word) || !LETTER.test(word) || known(stem(word))) return undefined;
    if (abbreviationOf(this.learntAbbreviations(), word) || (last && this.begun(word))) return undefined;
    const runs = word.match(/\p{L}+|\p{N}+/gu) ?? [];
    if (runs.length < 2 || runs.join('') !== word) return undefined;
    let at = 0;
    for (let i = 0; i + 1 < runs.length; i++) {
      at += runs[i]!.length;
      const [head, rest] = [word.slice(0, at), word.slice(at)];
      if (known(stem(head)) && known(stem(rest))) return [head, rest];
    }
    return runs.every((run) => known(stem(run))) ? runs : undefined;
  }

  /** Whether some term starts with `prefix`: the corpus's in a shard (every shard agrees), else this index's. */
  private begun(prefix: string): boolean {
    if (this.delta.begins(prefix)) return true;
    const { corpus } = this;
    if (!corpus) return this.base.begins(prefix);
    this.corpusTerms ??= [...corpus.frequency.keys()].sort();
    const terms = this.corpusTerms;
    let lo = 0;
    let hi = terms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (terms[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    return terms[lo]?.startsWith(prefix) ?? false;
  }

  /** Whether some title word starts with `prefix` (a last word being typed), from the suggester's words. */
  private typing(prefix: string): boolean {
    return this.suggester.begins(prefix) || this.base.begins(prefix) || this.delta.begins(prefix);
  }

  /**
   * How many products a (stemmed) word names as their type: those whose type it heads, and those
   * of its learnt kinds ("ink": every "Ink cartridge", though one product is typed plain "Ink").
   */
  private typedAs(word: string): number {
    const { heads, compounds } = this.learntTypes();
    let n = heads.get(word) ?? 0;
    for (const kind of this.learntKinds())
      if (kind.startsWith(word) && kind.charAt(word.length) === ' ') n += compounds.get(kind) ?? 0;
    return n;
  }

  /**
   * Whether a (stemmed) word names a brand: a one-word brand of the catalog whose own products
   * are at least a quarter of the (product, field) pairs that say it (each of its products says
   * it twice, as brand and in its title). "3m", in 381 pairs as a length and 30 products of 3M,
   * and "integral" are words more than brands.
   */
  private isMaker(word: string): boolean {
    const products = this.learntTypes().makers.get(word) ?? 0;
    return products > 0 && products >= MAKER_SHARE * this.frequency(word);
  }

  /**
   * Short words are not stemmed (text.ts `stem`): the plural of a two-letter word is read as the
   * word when the catalog says the word far more often ("tvs": tv, 206 against 6 on Icecat; "cds"),
   * but not an initialism of its own ("ups" 656 against "up" 268; "xps" 12 against "xp" 48).
   */
  private singular(term: string): string {
    const word = twoLetterSingular(term);
    return word !== undefined && this.frequency(term) * PLURAL_MARGIN < this.frequency(word) ? word : term;
  }

  /**
   * The query's words as searched, as words a shopper would write ("headphones", not the index
   * term "headphon"): `corrected` when a typo was read as a word, `searched` when any word differs
   * from the typed ones (a typo, or a plural read as its word: "tvs" searched "tv").
   */
  private asSearched(
    typed: readonly string[],
    terms: readonly string[],
    stemmed: ReadonlySet<string>,
    corrected: boolean,
  ): Pick<ShardResult, 'corrected' | 'searched'> {
    const searched = terms.map((t) => (stemmed.has(t) ? this.wordFor(t) : t));
    return {
      ...(corrected ? { corrected: searched } : {}),
      ...(corrected || searched.some((t, i) => t !== typed[i]) ? { searched } : {}),
    };
  }

  /** How many (product, field) pairs say a term: in the corpus when a shard, else here. */
  private frequency(term: string): number {
    return (
      (this.corpus ? (this.corpus.frequency.get(term) ?? 0) : this.base.frequency(term)) +
      this.delta.frequency(term)
    );
  }

  /**
   * Where the query's head noun is among its (stop-word-free) words: the last word, unless the
   * words after an earlier one only qualify it and that one names a type (it heads 10+ products'
   * types, or the catalog learnt it as a synonym or initialism): a brand ("toner hp", "monitor
   * samsung"), a number or model ("ssd 1tb", "windows 10"), a unit after a number ("laptop 15
   * inch"). "night vision" stays as it is: "night" names no type, whatever brand "Vision" is.
   */
  private headPosition(
    words: readonly string[],
    stems: readonly string[],
    codePieces: ReadonlySet<string> = new Set(),
  ): number {
    const last = stems.length - 1;
    const { heads } = this.learntTypes();
    // A type of 10+ products, counting its learnt kinds ("ink": every "Ink cartridge").
    const isType = (i: number) =>
      (heads.get(stems[i]!) ?? 0) >= MIN_TITLE_HEAD ||
      this.typedAs(stems[i]!) >= MIN_TITLE_HEAD ||
      this.learnt().has(stems[i]!) ||
      initialismOf(this.learntAcronyms(), words[i]!) !== undefined;
    const qualifies = (i: number) =>
      DIGIT.test(words[i]!) ||
      codePieces.has(words[i]!) ||
      (UNITS.has(words[i]!) && DIGIT.test(words[i - 1] ?? '')) ||
      (this.isMaker(stems[i]!) && !isType(i));
    let at = last;
    while (at > 0 && qualifies(at)) at--;
    if (at !== last && isType(at)) return at;
    // A brand and numbers alone ("canon 540", "hp 301"): the brand's products are asked for, the
    // numbers are its model numbers. The last number was the head, so that the brand was no brand
    // named: Intel's "540" processors came first for "canon 540".
    if (
      at !== last &&
      this.isMaker(stems[at]!) &&
      words.slice(at + 1).every((w) => NUMBER.test(w) || codePieces.has(w))
    )
      return at;
    return last;
  }

  /**
   * The query's words besides the head that a learnt synonym pairs with a type, both ways ("laptop":
   * notebook, "notebook": laptop): the other word, which products say instead.
   */
  private alsoSaid(stems: readonly string[], at: number): Map<string, string> {
    const out = new Map<string, string>();
    const learnt = this.learnt();
    if (learnt.size === 0) return out;
    stems.forEach((word, i) => {
      if (i === at) return;
      const other = learnt.get(word) ?? [...learnt].find(([, type]) => type === word)?.[0];
      if (other) out.set(word, other);
    });
    return out;
  }

  /** The synonyms of the current base (or of the corpus statistics a shard was given). */
  private learnt(): Map<string, string> {
    this.synonyms ??= learnSynonyms(this.learntTypes());
    return this.synonyms;
  }

  /** Compound types that are kinds of their first word (synonyms.ts `learnKinds`). */
  private learntKinds(): ReadonlySet<string> {
    this.kinds ??= learnKinds(this.learntTypes());
    return this.kinds;
  }

  /**
   * Product lines of the current base (or of the corpus a shard was given), word -> the type
   * heads of the line's own products ("thinkpad" -> notebook, workstation): words that head no
   * type (10+ products) and name no brand.
   */
  private learntLines(): ReadonlyMap<string, readonly string[]> {
    this.lines ??= learnLines(
      this.learntTypes(),
      (word) => (this.learntTypes().heads.get(word) ?? 0) < MIN_TITLE_HEAD && !this.isMaker(word),
      (word) => this.frequency(word),
    );
    return this.lines;
  }

  /** Units of measure of the current base's titles (or of the corpus a shard was given). */
  private learntUnits(): ReadonlySet<string> {
    this.units ??= learnUnits(this.learntTypes());
    return this.units;
  }

  /** The initialisms of the current base's type names (or of the corpus a shard was given). */
  private learntAcronyms(): Map<string, string[]> {
    this.acronyms ??= learnAcronyms(this.learntTypes());
    return this.acronyms;
  }

  /** Abbreviations of names with a number that the current base's products write (or the corpus's). */
  private learntAbbreviations(): Map<string, string[]> {
    this.abbreviations ??= learnAbbreviations(this.learntTypes());
    return this.abbreviations;
  }

  /**
   * Words for types that head none: learnt synonyms and initialisms (stemmed, as title words are).
   * Learnt from the same vocabulary as the heads, so `readType`'s cache by heads holds for them.
   */
  private learntTypeWords(): ReadonlySet<string> {
    this.typeWords ??= new Set([...this.learnt().keys(), ...[...this.learntAcronyms().keys()].map(stem)]);
    return this.typeWords;
  }

  /** The type vocabulary of the current base (or of the corpus a shard was given). */
  private learntTypes(): TypeVocabulary {
    this.types ??= this.corpus?.types ?? this.typeVocabulary();
    return this.types;
  }

  /** How this index's titles pair words with product types (what synonyms are learnt from). */
  private typeVocabulary(): TypeVocabulary {
    const heads = new Set<string>();
    for (const row of this.rows.values()) if (row.signature.head) heads.add(row.signature.head);
    const vocabulary = emptyVocabulary();
    const brandStems = new Map<string, Set<string>>();
    const namePhrasesOf = new Map<string, NamePhrase[]>();
    for (const row of this.rows.values()) {
      let stems = brandStems.get(row.brand);
      if (!stems) {
        stems = new Set(tokenize(row.brand).map(stem));
        brandStems.set(row.brand, stems);
      }
      countProduct(
        vocabulary,
        { head: row.signature.head, titleStems: row.titleStems, brand: row.brand, brandStems: stems },
        (t) => heads.has(t),
      );
      countKinds(vocabulary, row.signature, row.titleStems);
      countLines(vocabulary, row.signature, row.titleStems, stems);
      countUnits(vocabulary, row.titleStems);
      countAbbreviations(vocabulary, `${row.title} ${row.doc.description}`);
      if (stems.size === 1) {
        const [maker] = stems as Set<string>;
        vocabulary.makers.set(maker!, (vocabulary.makers.get(maker!) ?? 0) + 1);
      }
      if (!row.signature.head) continue;
      let phrases = namePhrasesOf.get(row.category);
      if (!phrases) {
        phrases = namePhrases(row.category);
        namePhrasesOf.set(row.category, phrases);
      }
      if (phrases.length) countInitialisms(vocabulary, phrases, `${row.title} ${row.doc.description}`);
    }
    return vocabulary;
  }

  /** Whether some product of the base or the delta (or of the corpus) has the (stemmed) term. */
  private knows(term: string): boolean {
    // A shard knows the words of the whole corpus: a word another shard has is no typo here.
    return this.base.knows(term) || this.delta.knows(term) || (this.corpus?.frequency.has(term) ?? false);
  }

  /** Starts a background compaction once the delta outgrows its bound. */
  private compactIfLarge(): void {
    if (this.deltaIds.size > this.maxDelta && !this.compaction)
      // A failed build leaves the delta serving; the next write past the bound tries again.
      this.compact().catch((err) => this.options.onError?.(err));
  }

  /** Something changed: cached results are stale, and suggestions too when some text changed. */
  private invalidate(): void {
    this.generation++;
    this.cache.clear();
  }

  private refreshDelta(): void {
    if (!this.deltaDirty) return;
    // Built on the statistics it is scored with: IDF over the base (a shard's: the corpus's
    // bases) and its own products; the base's average field lengths (a product weighs as it
    // would in the base), unless the base is empty (no lengths to take: its own).
    const { base, corpus } = this;
    this.delta = new SearchSegment(
      [...this.deltaIds].flatMap((id) => this.rows.get(id)?.doc ?? []),
      {
        averages: base.ids.size > 0 ? base.averageFieldLength : this.averages,
        others: corpus ?? base.statistics(),
      },
    );
    this.deltaRows = [];
    for (const [id, ordinal] of this.delta.ids) this.deltaRows[ordinal] = this.rows.get(id);
    this.deltaDirty = false;
  }

  /** One new base of every product, built on this thread; an empty delta, no tombstones. */
  private rebuildBase(): void {
    this.useBase(new SearchSegment([...this.rows.values()].map((r) => r.doc)), [], []);
  }

  /**
   * Swaps in a base: `stale` are its entries that no longer hold (tombstoned), `fresh` the
   * products it lacks or holds with old text (the delta, rebuilt before the next search).
   */
  private useBase(base: SearchSegment, stale: Iterable<string>, fresh: Iterable<string>): void {
    this.base = base;
    // The first base built with no averages given pins its own.
    if (this.options.pinAverages && base.ids.size > 0) this.averages ??= base.averageFieldLength;
    // Learnt again with each base, like its IDF (a shard's come with the corpus statistics), on
    // first use: a restart does not wait for it.
    if (!this.corpus) this.forgetLearnt();
    this.tombstones = new Uint8Array(base.ids.size);
    for (const id of stale) {
      const ordinal = base.ids.get(id);
      if (ordinal !== undefined) this.tombstones[ordinal] = 1;
    }
    this.baseRows = [];
    for (const [id, ordinal] of base.ids) this.baseRows[ordinal] = this.rows.get(id);
    this.deltaRows = [];
    this.deltaIds.clear();
    for (const id of fresh) this.deltaIds.add(id);
    this.deltaDirty = true;
    this.invalidate();
  }

  private setRows(products: Iterable<OrderedProduct>): void {
    this.epoch++;
    // A new catalog: its bases are built with its own averages, or as `build` and `restore` say.
    this.averages = undefined;
    this.rows.clear();
    this.barcodes.clear();
    this.titleTerms.clear();
    this.names.clear();
    this.facetValues = [];
    this.facetIds.clear();
    this.facetStems = [];
    this.facetKeys = [];
    this.nextOrdinal = 0;
    for (const p of products) {
      const row = this.toRow(p, p.ordinal);
      this.rows.set(p.id, row);
      this.addBarcodes(row);
    }
    // A new catalog: suggestions are counted again on first use.
    this.suggester.stale = true;
  }

  private toRow(p: OrderedProduct, ordinal = this.nextOrdinal): Row {
    this.nextOrdinal = Math.max(this.nextOrdinal, ordinal + 1);
    // The title's parts are read once: for the indexed document and for the title's terms.
    const parts = titleParts(p);
    const doc = toIndexedDoc(p, parts);
    const titleStems: string[] = [];
    let titleBits = 0;
    // The title as indexed ("1 pc(s)" read as pieces), in two parts: what it is, what it fits.
    for (const word of tokenize(parts.title + parts.fits)) {
      const term = this.titleTerm(stem(word));
      titleStems.push(term.stem);
      titleBits |= term.bit;
    }
    return {
      id: p.id,
      title: p.title,
      brand: p.brand,
      category: p.category,
      price: p.price.amount,
      currency: p.price.currency,
      stock: p.stock,
      image: p.images[0] ?? null,
      newSince: newSince(p),
      ordinal,
      doc,
      signature: typeSignature(p.category),
      titleStems,
      titleSizes: sizesSaid(parts.title + parts.fits),
      titleBits,
      titleTypeEnd: typeEnd(parts.title, parts.fits !== ''),
      name: this.nameOf(p.description),
      brandId: this.facetValue(p.brand),
      categoryId: this.facetValue(p.category),
      // A barcode is no specification: "lenovo" ranks its products as before the import kept them.
      specs: p.specCount ?? Object.keys(p.attributes ?? {}).filter((key) => !isBarcodeKey(key)).length,
      barcodes: barcodesOf(p.attributes),
      // Set on first use; present from the start so that every row has the same shape.
      readType: undefined,
    };
  }

  /**
   * A description's product name as stems (`nameOf`), one object per name: many products share
   * one ("Toner cartridge"), and a name's words get bits as a title's do (`titleTerm`), so a
   * query word that no title or name says still has none.
   */
  private nameOf(description: string): ProductName | undefined {
    const text = nameOf(description);
    if (!text) return undefined;
    let name = this.names.get(text);
    if (!name) {
      const titleStems = tokenize(text).map((word) => this.titleTerm(stem(word), false).stem);
      if (titleStems.length === 0) return undefined;
      name = {
        titleStems,
        titleBits: titleStems.reduce((bits, w) => bits | stemBit(w), 0),
        typeEnd: Math.min(titleStems.length, typeEnd(text, false, NAME_CUT)),
      };
      this.names.set(text, name);
    }
    return name;
  }

  /** The number of a brand or category name (see `facetValues`). */
  private facetValue(name: string): number {
    let id = this.facetIds.get(name);
    if (id === undefined) {
      id = this.facetValues.push(name) - 1;
      this.facetIds.set(name, id);
      const words = tokenize(name);
      this.facetStems[id] = words.length === 1 ? stem(words[0]!) : '';
      this.facetKeys[id] = filterKey(name);
    }
    return id;
  }

  /**
   * The one copy of a title stem and its bit. 100k titles say ~20k distinct stems a million times:
   * shared, they take far less memory, and the stems of one query compare by identity.
   */
  private titleTerm(stemmed: string, titled = true): TitleTerm {
    let term = this.titleTerms.get(stemmed);
    if (!term) {
      term = { stem: stemmed, bit: stemBit(stemmed), titled };
      this.titleTerms.set(stemmed, term);
    } else if (titled) term.titled = true;
    return term;
  }
}

/** What `partial` made of a query, worked out once for both of its passes over the segments. */
interface QueryReading {
  /** Joined query words -> the catalog's learnt word for them (segment.ts `HeadExpansion`). */
  joinedSynonyms: ReadonlyMap<string, string>;
  stems: string[];
  /** Each stem's bit in a title's summary (`Row.titleBits`), 0 for a stem no title or name says. */
  titleBits: number[];
  /** Query terms that are index terms already (typo corrections), not to be stemmed. */
  stemmed: ReadonlySet<string>;
  /** The brands the query names (stems of one-word brands; `isMaker`): others score OFF_BRAND. */
  brands: ReadonlySet<string>;
  /** The query names a brand and nothing else (`specsFactor`). */
  brandOnly: boolean;
  /** Its numbers that are no size, and as `numberPattern`s (`decimalsOnly`). */
  numberWords: readonly string[];
  numbers: readonly RegExp[];
  /** The words of its sizes ("1", "tb"), which a product that does not say the size did not match. */
  sizeWords: readonly string[];
  /**
   * The query's model numbers when it names a brand (numbers, not sizes): in any-term matching
   * they count only for products of that brand (segment.ts `ModelNumbers`).
   */
  models: ReadonlySet<string>;
  /** The sizes the query asks for (`sizesOf`: "27 inch", "32gb"): products of another score OTHER_SIZE. */
  sizes: readonly Size[];
  /** Where the head word is in `stems` (`headPosition`), and the head word (stemmed). */
  at: number;
  head: string;
  /** The product types the shopper wants: the head word, its catalog synonym, a joined head. */
  wanted: Set<string>;
  /** The stems (and joined words) that name a product type, for the type factor. */
  named: readonly string[];
  /** Whether a stem is a word of the catalog (not a typo). */
  known: (term: string) => boolean;
  /** Adjacent query words the catalog writes as one. */
  joined: readonly { term: string; first: number }[];
  /** The catalog's word for the head word, if it learnt one. */
  synonym: string | undefined;
  /** The type name the head word is an initialism of, stemmed, if it is one. */
  phrase: string[] | undefined;
  /** Words besides the head (stemmed) -> the learnt synonym or type they match by too. */
  alsoSaid: ReadonlyMap<string, string>;
  /** Query words (stemmed) -> the name they abbreviate, stemmed ("ps4": playstation 4). */
  names: ReadonlyMap<string, readonly string[]>;
  /** The head word names a product line, whose own type is in `wanted` (`learntLines`). */
  line: boolean;
  /** Whether an unknown word matches the catalog's words a typo away (not for `exact`). */
  typos: boolean;
  /** Whether the last word may be completed as a prefix in the all-terms pass. */
  complete: boolean;
}

/** The PRICE_BUCKETS entry a price falls in, or -1. */
function priceBucket(amount: number): number {
  for (let i = 0; i < PRICE_BUCKETS.length; i++) {
    const [min, max] = PRICE_BUCKETS[i]!;
    if (amount >= min && (max === null || amount < max)) return i;
  }
  return -1;
}

interface TitleTerm {
  stem: string;
  bit: number;
  /** Some title says it (not only a product's name): a word of the catalog's own, however rare. */
  titled: boolean;
}

/** " with …" or " w/…" in a title: what follows comes with the product, it is not what it is. */
const WITH = /\s(?:with\s|w\/)/i;

/**
 * How many title words say what the product is, for `readType`: those before "for …" (the indexed
 * title, when `cut`) and before "with …": "StarTech.com 3.5in USB 3.0 SATA Hard Drive Enclosure w/
 * Fan" is an enclosure, not a fan. The title field keeps "with …" (splitting it there measured
 * worse: what a product comes with is still searched for in its title).
 */
function typeEnd(title: string, cut: boolean, end: RegExp = WITH): number {
  const at = title.search(end);
  if (at > 0) return tokenize(title.slice(0, at)).length;
  return cut ? tokenize(title).length : Number.POSITIVE_INFINITY;
}

/** " for …", " with …" and the like in a product's name (`ProductName.typeEnd`). */
const NAME_CUT = /\s(?:(?:for|with|compatible with|suitable for|fits)\s|[fw]\/)/i;

/** A type head needs this many products for an untyped title to be read as naming it. */
const MIN_TITLE_HEAD = 10;

/**
 * How new a product is, for sorting by newest: the day it came out (`attributes.released`, as
 * Icecat and the generated catalog give it), else the time the shop added it. Import order says
 * nothing to a shopper: a catalog imported at once would sort by its files' order.
 */
export function newSince(p: Pick<Product, 'attributes' | 'createdAt'>): number {
  const released = p.attributes.released;
  const at = released ? Date.parse(released) : Number.NaN;
  return Number.isFinite(at) ? at : p.createdAt;
}

const DIGIT = /\d/;
const LETTER = /\p{L}/u;
const NO_UNITS: ReadonlySet<string> = new Set();
/**
 * A product of another type whose title says the query's head only in what it comes with or fits
 * ("3.5in USB 3.0 SATA Hard Drive Enclosure w/ Fan" for "usb fan", "SP Sleeve for iPad" for
 * "ipad") is no more than an accessory (ranking.ts ACCESSORY).
 */
const WITH_ONLY = 0.7;

/**
 * Whether a title (`TitleStems`) says `head` (its bit `bit`), and only after the part that says
 * what the product is (`typeEnd`: before "for …", "with …", "w/ …").
 */
export function comesWith(title: TitleStems, typeEnd: number, head: string, bit: number): boolean {
  const { titleStems } = title;
  if (bit === 0 || (title.titleBits & bit) === 0 || typeEnd >= titleStems.length) return false;
  let after = false;
  for (let i = 0; i < titleStems.length; i++)
    if (titleStems[i] === head) {
      if (i < typeEnd) return false;
      after = true;
    }
  return after;
}

/**
 * A product whose title says the query's head only after its own type word, as an attribute of
 * it (`saysAfterType`: "MSI MPG GUNGNIR 110R Mid Tower Gaming Computer Case Black, USB 3.2 Gen2
 * Type C, 4x 120mm ARGB Fan, Mystic Light" for "usb fan"), is less than an accessory: nothing about
 * it is for what the shopper named. On the dev judgments 0.5 and 0.4 score alike; at 0.7, an
 * accessory's factor, "usb fan" scored 0.500 instead of 0.631 and no other query differed.
 */
const ATTRIBUTE = 0.5;

/**
 * Whether a title (`TitleStems`) says `head` (its bit `bit`) only after the word that heads the
 * product's type (`type`): as an attribute of what the product is, not as what it is ("Canon
 * TX-1210E calculator Desktop Display Lilac" for "desktop"; "Canon R-F-3 lens cap Black Digital
 * camera" for "digital camera"). False when the title does not say its type's head.
 */
export function saysAfterType(title: TitleStems, type: string | null, head: string, bit: number): boolean {
  if (!type || type === head || bit === 0 || (title.titleBits & bit) === 0) return false;
  const { titleStems } = title;
  const at = titleStems.indexOf(type);
  if (at < 0) return false;
  for (let i = 0; i <= at; i++) if (titleStems[i] === head) return false;
  // The last word of a title names what the product is, as English names put their head noun last
  // ("Philips 32PFL6704D 32\" class Full HD 1080p digital TV LCD TV").
  return titleStems.indexOf(head, at + 1) > at && titleStems[titleStems.length - 1] !== head;
}

/** A product whose title says the query's head before its own type word: an accessory's factor. */
const FOR_HEAD = 0.7;

/**
 * Whether a title (`TitleStems`) says `head` (its bit `bit`) only before the word that heads the
 * product's type (`type`), as what the product is for: "APC UPS Network Management Card" (a card)
 * for "ups", "HP Tablet Docking Station" for "tablet". False when the title does not say its
 * type's head, or says `head` after it too.
 */
export function saysBeforeType(title: TitleStems, type: string | null, head: string, bit: number): boolean {
  if (!type || type === head || bit === 0 || (title.titleBits & bit) === 0) return false;
  const { titleStems } = title;
  const first = titleStems.indexOf(head);
  const at = titleStems.indexOf(type, first + 1);
  // Right before it, the head word may name a kind of the type rather than what it is for
  // ("Desktop PC", "Tablet PC": PCs that are desktops and tablets).
  return first >= 0 && titleStems.lastIndexOf(head) < at - 1;
}

/**
 * Whether a title says each of `numbers` (a query's model numbers), and each time right before a
 * unit (`units`): as a quantity ("3000 Pages"), not as a model number. A title that does not say
 * one of them is not known to (its description may say it as either).
 */
export function quantitiesOnly(
  titleStems: readonly string[],
  numbers: ReadonlySet<string>,
  units: ReadonlySet<string>,
): boolean {
  if (units.size === 0) return false;
  for (const n of numbers) {
    let said = false;
    for (let i = 0; i < titleStems.length; i++) {
      if (titleStems[i] !== n) continue;
      if (!units.has(titleStems[i + 1] ?? '')) return false;
      said = true;
    }
    if (!said) return false;
  }
  return true;
}

/** A size: a number and the unit after it, stemmed ("27 inch", "32 gb"). */
export interface Size {
  value: number;
  unit: string;
}

/** Whether the query word at `i` is a number right before a unit ("27 inch", "13.3 inch", "32 gb"). */
function sizeAt(words: readonly string[], i: number): boolean {
  const next = words[i + 1];
  return next !== undefined && (UNITS.has(next) || isUnit(next)) && SIZE_NUMBER.test(words[i]!);
}

/**
 * The sizes a query asks for: each number (whole or decimal) right before a unit ("27 inch",
 * "13.3 inch", "2 m"; written joined, "32gb" and "2m" are the same two words, text.ts `tokenize`).
 * `words`: the query's, decimals whole (text.ts `queryTerms`).
 */
export function sizesOf(words: readonly string[]): Size[] {
  const out: Size[] = [];
  for (let i = 0; i + 1 < words.length; i++)
    if (sizeAt(words, i)) {
      const size = sizeOf(words[i]!, stem(words[i + 1] === 'in' ? 'inch' : words[i + 1]!));
      if (size) out.push(size);
    }
  return out;
}

/**
 * The sizes a title says: each number (whole or decimal, "33.8", "10,000") and the word after
 * it, stemmed ("33.8 cm (13.3 inch)": 33.8 cm, 13.3 inch): "13.3 inch" is no 3 inch, "1.5 m" no
 * 5 m, "2.0 m" is 2 m.
 */
export function sizesSaid(title: string): Size[] {
  const words = tokenize(title, Number.POSITIVE_INFINITY, true);
  const out: Size[] = [];
  for (let i = 0; i + 1 < words.length; i++) {
    const size = sizeOf(words[i]!, stem(words[i + 1]!));
    if (size) out.push(size);
  }
  return out;
}

/** A number and a unit (stemmed) as a size, terabytes in gigabytes ("1 tb": "1000 GB"); else undefined. */
function sizeOf(number: string, unit: string): Size | undefined {
  if (!SIZE_NUMBER.test(number)) return undefined;
  const value = numberValue(number);
  return unit === 'tb' ? { value: value * 1000, unit: 'gb' } : { value, unit };
}

/**
 * Whether a title (its sizes, `sizesSaid`) says every size, as a number right before its unit:
 * "2.0 m" is "2 m", a screen's "11.9 cm" is no "11", a model's "225B1CB/27" no "27 inch", a
 * "33.8 cm (13.3\")" notebook no "3 inch".
 */
export function saysSizes(titleSizes: readonly Size[], sizes: readonly Size[]): boolean {
  return sizes.every(({ value, unit }) =>
    titleSizes.some((said) => said.unit === unit && said.value === value),
  );
}

/** A number a size is written with: whole or decimal ("2", "11.9", "30,5"). */
const SIZE_NUMBER = /^\d+(?:[.,]\d+)?$/;
/**
 * A product whose title does not say the size the query asks for ("27 inch monitor": a 22"
 * whose model code ends "/27"; "32gb sd card": a notebook with "32" in its text).
 */
const OTHER_SIZE = 0.25;

/**
 * For a query that names only a brand, every product of it matches the one word as well, and
 * the shortest titles came first: "Canon KP-36IP", "Canon C-EXV21 Original", "Lenovo L10a Tip
 * for Apple iPod", spare parts and supplies titled by code. What the brand makes is described at
 * length: a product that states few attributes (Icecat: a toner 5, a camera or notebook 60) scores
 * less, up to `SPECS_FULL` of them (a square root: 5 attributes ×0.44, 12 ×0.65). A catalog
 * whose products state as many attributes each is ranked as before.
 */
export function specsFactor(specs: number): number {
  return Math.sqrt((1 + Math.min(specs, SPECS_FULL)) / (1 + SPECS_FULL));
}
const SPECS_FULL = 30;

/**
 * A query's number ("iphone 11") that a title says only as a part of a decimal ("ZAGG Wembley
 * Palette mobile phone case 11.9 cm (4.7\")"): the number as its whole or its fraction. Decimals
 * are two words in the index ("11.9": 11, 9), so such a title matched it; a measurement is no
 * model number.
 */
const DECIMAL_ONLY = 0.25;

/** A query number as a pattern that finds it in a title as a run of digits of its own. */
function numberPattern(n: string): RegExp {
  return new RegExp(`(?<![0-9])${n}(?![0-9])`, 'g');
}

/**
 * Whether a product's title says some of the query's numbers (`numberPattern`s), each only inside
 * a measurement's decimal ("11.9 cm", "4.7\"": the number next to a point or a comma and a digit,
 * the decimal followed by a unit), and its description says none otherwise ("For iPhone
 * SE/8/7/6s/6" names the iPhone 7). A version is no measurement: "USB 3.0" says 3.
 */
export function decimalsOnly(
  row: { title: string; doc: { description: string } },
  numbers: readonly RegExp[],
): boolean {
  return (
    inDecimalsOnly(row.title, numbers) === true && inDecimalsOnly(row.doc.description, numbers) !== false
  );
}

/** True: the text says some of the numbers, each only in measurements; false: one otherwise; else undefined. */
function inDecimalsOnly(text: string, numbers: readonly RegExp[]): boolean | undefined {
  let said: boolean | undefined;
  for (const pattern of numbers) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      const start = m.index;
      let end = start + m[0].length;
      const fraction = /[.,]/.test(text.charAt(start - 1)) && /[0-9]/.test(text.charAt(start - 2));
      const whole = /^[.,][0-9]+/.exec(text.slice(end, end + 12));
      if (whole) end += whole[0].length;
      if (!(fraction || whole) || !MEASURE.test(text.slice(end, end + 12))) return false;
      said = true;
    }
  }
  return said;
}

/** What follows a measurement's number: an inch mark, or a unit ("cm", "mm", "kg", "GB"). */
const MEASURE =
  /^\s?(?:["”″]|''|(cm|mm|m|in|inch|inches|kg|g|gb|tb|mb|ghz|mhz|hz|w|mah|l|ml|v|ft|oz|lbs?)\b)/i;

/** A word of digits only: a model number ("hp 301 ink") or a size. */
const NUMBER = /^\d+$/;
/** See `isMaker`. */
const MAKER_SHARE = 0.25;
/** How much more often a two-letter word is said than its plural for a query's plural to be it. */
const PLURAL_MARGIN = 10;

/** A product of another brand than the one the query names (at most 1: `maxFactor` bounds stay). */
const OFF_BRAND = 0.6;
/** Both halves of a word split in two must be said this often (`corrections`). */
const MIN_SPLIT_FREQUENCY = 3;
/** A word this few products say may be a typo of a far commoner one (`corrections`). */
const RARE = 2;
/** How much commoner a title word must be than the stem of a word no title says, to correct it. */
const SURFACE_MARGIN = 3;
/** Units written after a number ("27 inch", "2 tb"): with it, a size, not what the shopper wants. */
const UNITS = new Set([
  'inch',
  'inches',
  'in',
  'gb',
  'tb',
  'mb',
  'ghz',
  'mhz',
  'hz',
  'mm',
  'cm',
  'm',
  'w',
  'mah',
  'kg',
  'l',
  'ml',
]);

/**
 * A product's type as its category and title say it. An untyped product's (category "Other")
 * head is the last title word (before "for …" or "with …") that is the type head of enough typed
 * products ("StarTech.com Mini 4 Port USB 2.0 Hub": a hub). Its modifiers, besides its category's, are
 * the title words before the head (and before "for …" and "with …") that head 10+ typed products
 * themselves, or are a learnt word for a type (`typeWords`: a synonym, an initialism):
 * "Kensington MicroSaver Keyed Laptop Lock" and "Kensington Saddlebag Laptop Backpack" (a
 * Backpack) are for laptops, accessories when the shopper asks for laptops. A word that names no
 * type ("Gaming", "USB", a product line) is no modifier. "Tablet PC" reads as a PC for tablets
 * where "pc" heads 10+ typed products, as on Icecat (57 products are stated "PC"). Worked out on
 * first use per set of heads, and kept in the row.
 */
function readType(
  row: Row,
  heads: ReadonlyMap<string, number>,
  typeWords: ReadonlySet<string>,
): TypeSignature {
  if (row.readType?.heads === heads) return row.readType.signature;
  const stems = row.titleStems;
  const end = Math.min(stems.length, row.titleTypeEnd);
  let { head } = row.signature;
  let at = -1;
  if (head) at = stems.lastIndexOf(head, end - 1);
  else {
    for (let i = end - 1; i > 0; i--) {
      if ((heads.get(stems[i]!) ?? 0) < MIN_TITLE_HEAD) continue;
      head = stems[i]!;
      at = i;
      break;
    }
  }
  // A title of codes that names no type may have a name that does ("DELL W009C Black": "E-View
  // Laptop Stand"; "Contour Design Shuttle-Pro 2 Wired": "ShuttlePRO V.2 Multimedia Controller").
  let words: readonly string[] = stems;
  let first = 1;
  if (!head && row.name) {
    words = row.name.titleStems;
    first = 0;
    for (let i = row.name.typeEnd - 1; i >= 0; i--) {
      if ((heads.get(words[i]!) ?? 0) < MIN_TITLE_HEAD || DIGIT.test(words[i]!)) continue;
      head = words[i]!;
      at = i;
      break;
    }
  }
  let modifiers = row.signature.modifiers;
  for (let j = first; j < at; j++) {
    const word = words[j]!;
    if (word === head || modifiers.has(word)) continue;
    if ((heads.get(word) ?? 0) < MIN_TITLE_HEAD && !typeWords.has(word)) continue;
    // Copied on the first title modifier: most products have none and allocate nothing.
    if (modifiers === row.signature.modifiers) modifiers = new Set(modifiers);
    modifiers.add(word);
  }
  const same = head === row.signature.head && modifiers === row.signature.modifiers;
  const signature = same ? row.signature : { head, modifiers };
  row.readType = { heads, signature };
  return signature;
}

/**
 * The `k` best-scored candidates, sorted (ties in insertion order), weighing few of them: one
 * whose `ceiling` is below the k-th best score so far cannot be among the best k. The candidates
 * with the best text scores go first, so that bar is high from the start. Exact, as weighing every
 * candidate is.
 */
export function bestWeighed(
  candidates: Candidate[],
  k: number,
  weigh: (c: Candidate) => number,
  ceiling: (c: Candidate) => number,
): Candidate[] {
  const order = (a: Candidate, b: Candidate) => weigh(b) - weigh(a) || a.row.ordinal - b.row.ordinal;
  if (k * 4 >= candidates.length) return firstInOrder(candidates, k, order);
  const first = new Set(firstInOrder(candidates, k, BY_TEXT));
  const rest = candidates.filter((c) => !first.has(c));
  return firstInOrder([...first, ...rest], k, order, (c, worst) => ceiling(c) < weigh(worst));
}

/** The best score of all matches (0 when none), weighing only those that could have it. */
function bestScore({ candidates, weigh, ceiling }: Matches): number {
  let first: Candidate | undefined;
  for (const candidate of candidates) if (!first || candidate.text > first.text) first = candidate;
  let best = first ? weigh(first) : 0;
  for (const candidate of candidates) if (ceiling(candidate) > best) best = Math.max(best, weigh(candidate));
  return best;
}

/** Counts by number (a facet value's), in arrays reused by every pass. */
class Tally {
  private counts = new Int32Array(1024);
  private readonly counted: number[] = [];

  add(id: number): void {
    if (id >= this.counts.length) {
      const grown = new Int32Array(Math.max(id + 1, this.counts.length * 2));
      grown.set(this.counts);
      this.counts = grown;
    }
    if (this.counts[id] === 0) this.counted.push(id);
    this.counts[id]!++;
  }

  /** The counts so far as [name, count] (`names` by number), and zero for the next pass. */
  take(names: readonly string[]): [string, number][] {
    const out = this.counted.map((id): [string, number] => [names[id]!, this.counts[id]!]);
    this.clear();
    return out;
  }

  clear(): void {
    for (const id of this.counted) this.counts[id] = 0;
    this.counted.length = 0;
  }
}

const BY_TEXT = (a: Candidate, b: Candidate) => b.text - a.text;

/**
 * The first `k` items in `compare` order, sorted: a bounded heap (n log k) when k is small against
 * n, as for a page of results out of thousands of matches; a full sort otherwise. `after_`, a cheap
 * test that an item comes after another, spares the comparison where it says so.
 */
export function firstInOrder<T>(
  items: T[],
  k: number,
  compare: (a: T, b: T) => number,
  /** Whether an item surely comes after `worst`, the last of k so far (saves the comparison). */
  after_?: (item: T, worst: T) => boolean,
): T[] {
  if (k * 4 >= items.length) return [...items].sort(compare).slice(0, k);
  // A heap whose root is the last of the best k so far.
  const heap: T[] = [];
  const after = (i: number, j: number) => compare(heap[i]!, heap[j]!) > 0;
  const swap = (i: number, j: number) => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  const down = (from: number) => {
    for (let i = from; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < heap.length && after(l, top)) top = l;
      if (r < heap.length && after(r, top)) top = r;
      if (top === i) return;
      swap(i, top);
      i = top;
    }
  };
  for (const item of items) {
    if (heap.length < k) {
      heap.push(item);
      for (let i = heap.length - 1; i > 0 && after(i, (i - 1) >> 1); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
    } else if (k > 0 && !after_?.(item, heap[0]!) && compare(item, heap[0]!) < 0) {
      heap[0] = item;
      down(0);
    }
  }
  return heap.sort(compare);
}

function sameText(a: IndexedDoc, b: IndexedDoc): boolean {
  return (
    a.title === b.title &&
    a.fits === b.fits &&
    a.brand === b.brand &&
    a.type === b.type &&
    a.description === b.description
  );
}
