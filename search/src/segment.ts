import lunr from 'lunr';
import type { IndexedDoc } from './document.js';
import { isStopWord, stem } from './text.js';

export type { IndexedDoc } from './document.js';

/** Field boosts: a word in the title says more about the product than one in its description. */
const FIELDS: [Exclude<keyof IndexedDoc, 'id'>, number][] = [
  ['title', 10],
  ['type', 3],
  ['brand', 6],
  ['fits', 1.5],
  ['description', 1],
];

/** As-you-type completes the last term to at most this many index terms, the most common first. */
const MAX_EXPANSIONS = 30;
const EXACT_BOOST = 3;

/** Less length normalization than Lunr's 0.75: long Icecat titles list specs, not other products. */
const LENGTH_NORMALIZATION = 0.5;

/**
 * What a serialized segment was built with: a segment saved by another field model is rebuilt,
 * never loaded (its scores would silently disagree with fresh segments).
 */
export const SEGMENT_FORMAT = JSON.stringify({ v: 2, lunr: lunr.version, b: LENGTH_NORMALIZATION, FIELDS });

type Builder = lunr.Builder & {
  invertedIndex: Record<string, Record<string, object>>;
  documentCount: number;
  averageFieldLength: Record<string, number>;
  calculateAverageFieldLengths(): void;
};

/**
 * One immutable Lunr index over some products (Lunr indexes cannot change once built).
 *
 * Scores are comparable across segments: Lunr bakes BM25 weights (IDF and the average field
 * length) into each document's vectors at build time, from that build's documents alone. A small
 * delta's own statistics would make its rare words look very rare, so a segment built with a
 * `reference` (the delta, with the base) takes its IDF from both segments' document counts and
 * its average field lengths from both; and `search` returns Lunr's dot products without Lunr's
 * division by the query vector's length, which differs between segments that know different
 * query words.
 */
export class SearchSegment {
  readonly index: lunr.Index;
  readonly ids: Set<string>;
  /** Average length of each field over the segment's products (BM25's length normalization). */
  readonly averageFieldLength: Record<string, number>;
  /** The index terms in order, for prefix completion by binary search. */
  private readonly terms: string[];
  private readonly documentFrequency = new Map<string, number>();

  /** Builds a segment over the documents (with corpus statistics shared with `reference`). */
  constructor(docs: IndexedDoc[], reference?: SearchSegment);
  /** Wraps a loaded Lunr index and the average field lengths it was built with. */
  constructor(index: lunr.Index, reference: undefined, averageFieldLength: Record<string, number>);
  constructor(
    source: IndexedDoc[] | lunr.Index,
    reference?: SearchSegment,
    averageFieldLength: Record<string, number> = {},
  ) {
    if (Array.isArray(source)) {
      this.ids = new Set(source.map((d) => d.id));
      let averages: Record<string, number> = {};
      this.index = lunr(function build() {
        this.ref('id');
        this.b(LENGTH_NORMALIZATION);
        for (const [field, boost] of FIELDS) this.field(field, { boost });
        for (const d of source) this.add(d);
        const builder = this as Builder;
        const own = builder.calculateAverageFieldLengths;
        builder.calculateAverageFieldLengths = function calculate() {
          own.call(this);
          if (reference) this.averageFieldLength = blend(this, reference);
          averages = this.averageFieldLength;
        };
        if (reference) withSharedIdf(builder, reference);
      });
      this.averageFieldLength = averages;
    } else {
      this.index = source;
      this.averageFieldLength = averageFieldLength;
      // Lunr keys its field vectors "field/ref"; field names have no slash.
      const vectors = (source as unknown as { fieldVectors: Record<string, unknown> }).fieldVectors;
      this.ids = new Set(Object.keys(vectors).map((key) => key.slice(key.indexOf('/') + 1)));
    }
    const inverted = (this.index as unknown as { invertedIndex: Record<string, Record<string, object>> })
      .invertedIndex;
    this.terms = Object.keys(inverted).sort();
    for (const term of this.terms) {
      let df = 0;
      for (const field of FIELDS) df += Object.keys(inverted[term]?.[field[0]] ?? {}).length;
      this.documentFrequency.set(term, df);
    }
  }

  /**
   * Scores for the query terms, built with Lunr's query API, never its parser.
   * `all`: every term must match (the last also as a prefix of 3+ characters, for as-you-type);
   * checked here on Lunr's match data rather than with Lunr's required clauses, so that a prefix
   * can be a bounded set of completions. Otherwise any term may match, and terms no segment
   * knows (`known`) match with typos.
   */
  search(
    terms: string[],
    all: boolean,
    known: (term: string) => boolean = (t) => this.knows(t),
  ): Map<string, number> {
    const usable = terms.filter((t) => !isStopWord(t));
    const out = new Map<string, number>();
    if (usable.length === 0) return out;
    const alternatives = usable.map((term, i) => {
      const exact = stem(term);
      const last = i === usable.length - 1;
      return { exact, completions: last && term.length >= 3 ? this.complete(exact) : [] };
    });
    const results = this.index.query((q) => {
      for (const { exact, completions } of alternatives) {
        // A required clause lets Lunr skip scoring documents that lack the word (most of the cost).
        const required = all && completions.length === 0;
        q.term(exact, {
          usePipeline: false,
          boost: EXACT_BOOST,
          presence: required ? lunr.Query.presence.REQUIRED : lunr.Query.presence.OPTIONAL,
        });
        for (const c of completions) if (c !== exact) q.term(c, { usePipeline: false, boost: 1 });
        // Typo tolerance by length, only for words the index does not know (it is costly).
        if (!all && !known(exact)) {
          const distance = exact.length > 20 ? 0 : exact.length >= 8 ? 2 : exact.length >= 4 ? 1 : 0;
          if (distance) q.term(exact, { usePipeline: false, editDistance: distance, boost: 1 });
        }
      }
    });
    // Lunr divides each score by the length of the query vector: the boosts of the query words
    // this segment knows (completions are its own terms). Undone, so that segments compare;
    // typo expansions are left out of it (they are rare, and only for words no segment knows).
    const boosts = new Map<string, number>();
    for (const { exact, completions } of alternatives) {
      if (this.knows(exact)) boosts.set(exact, (boosts.get(exact) ?? 0) + EXACT_BOOST);
      for (const c of completions) if (c !== exact) boosts.set(c, (boosts.get(c) ?? 0) + 1);
    }
    let squares = 0;
    for (const b of boosts.values()) squares += b * b;
    const magnitude = Math.sqrt(squares) || 1;
    for (const r of results) {
      if (all) {
        const matched = r.matchData.metadata;
        const every = alternatives.every(
          ({ exact, completions }) => exact in matched || completions.some((c) => c in matched),
        );
        if (!every) continue;
      }
      out.set(r.ref, r.score * magnitude);
    }
    return out;
  }

  /** The segment as text, for `deserialize` (in another thread, or after a restart). */
  serialize(): string {
    const avg = JSON.stringify(this.averageFieldLength);
    return `{"format":${JSON.stringify(SEGMENT_FORMAT)},"avg":${avg},"index":${JSON.stringify(this.index)}}`;
  }

  /** The segment `serialize` wrote, or null when it was built with another format (or is not one). */
  static deserialize(text: string): SearchSegment | null {
    try {
      const parsed = JSON.parse(text) as { format?: unknown; avg?: unknown; index?: unknown };
      if (parsed?.format !== SEGMENT_FORMAT || typeof parsed.index !== 'object' || !parsed.index) return null;
      if (typeof parsed.avg !== 'object' || !parsed.avg) return null;
      return new SearchSegment(
        lunr.Index.load(parsed.index),
        undefined,
        parsed.avg as Record<string, number>,
      );
    } catch {
      return null; // truncated or hand-edited: the caller rebuilds
    }
  }

  /** How many (product, field) pairs of this segment have the (stemmed) term, as Lunr counts for IDF. */
  frequency(term: string): number {
    return this.documentFrequency.get(term) ?? 0;
  }

  /** Whether some product of this segment has the (stemmed) term. */
  knows(term: string): boolean {
    return this.documentFrequency.has(term);
  }

  /** The most common index terms starting with the prefix. */
  private complete(prefix: string): string[] {
    let lo = 0;
    let hi = this.terms.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.terms[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const found: string[] = [];
    for (let i = lo; i < this.terms.length && this.terms[i]!.startsWith(prefix); i++)
      found.push(this.terms[i]!);
    if (found.length <= MAX_EXPANSIONS) return found;
    return found
      .sort((a, b) => (this.documentFrequency.get(b) ?? 0) - (this.documentFrequency.get(a) ?? 0))
      .slice(0, MAX_EXPANSIONS);
  }
}

/** Average field lengths over the documents of both segments. */
function blend(builder: Builder, reference: SearchSegment): Record<string, number> {
  const own = builder.documentCount;
  const other = reference.ids.size;
  const out: Record<string, number> = {};
  for (const [field] of FIELDS) {
    const mine = builder.averageFieldLength[field];
    const theirs = reference.averageFieldLength[field];
    if (mine === undefined || Number.isNaN(mine)) out[field] = theirs ?? 0;
    else if (theirs === undefined) out[field] = mine;
    else out[field] = (mine * own + theirs * other) / (own + other);
  }
  return out;
}

/**
 * Builds with IDF over both segments. Lunr computes each term's IDF with the global `lunr.idf`
 * while `build` runs (synchronously), from the posting alone; the posting is mapped back to its
 * term to add the reference's document frequency.
 */
const lunrIdf = lunr as unknown as { idf: (posting: object, documentCount: number) => number };

function withSharedIdf(builder: Builder, reference: SearchSegment): void {
  const build = builder.build;
  builder.build = function sharedIdf() {
    const termOf = new Map<object, string>();
    for (const [term, posting] of Object.entries(this.invertedIndex)) termOf.set(posting, term);
    const documents = this.documentCount + reference.ids.size;
    const idf = lunrIdf.idf;
    lunrIdf.idf = (posting: object, count: number) => {
      const term = termOf.get(posting);
      if (term === undefined) return idf(posting, count);
      let withTerm = reference.frequency(term);
      for (const field in posting)
        if (field !== '_index') withTerm += Object.keys((posting as Record<string, object>)[field]!).length;
      return Math.log(1 + Math.abs((documents - withTerm + 0.5) / (withTerm + 0.5)));
    };
    try {
      return build.call(this);
    } finally {
      lunrIdf.idf = idf;
    }
  };
}
