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
export const SEGMENT_FORMAT = JSON.stringify({ v: 1, lunr: lunr.version, b: LENGTH_NORMALIZATION, FIELDS });

/** One immutable Lunr index over some products (Lunr indexes cannot change once built). */
export class SearchSegment {
  readonly index: lunr.Index;
  readonly ids: Set<string>;
  /** The index terms in order, for prefix completion by binary search. */
  private readonly terms: string[];
  private readonly documentFrequency = new Map<string, number>();

  /** Builds a segment over the documents, or wraps a loaded Lunr index. */
  constructor(source: IndexedDoc[] | lunr.Index) {
    if (Array.isArray(source)) {
      this.ids = new Set(source.map((d) => d.id));
      this.index = lunr(function build() {
        this.ref('id');
        this.b(LENGTH_NORMALIZATION);
        for (const [field, boost] of FIELDS) this.field(field, { boost });
        for (const d of source) this.add(d);
      });
    } else {
      this.index = source;
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
    for (const r of results) {
      if (all) {
        const matched = r.matchData.metadata;
        const every = alternatives.every(
          ({ exact, completions }) => exact in matched || completions.some((c) => c in matched),
        );
        if (!every) continue;
      }
      out.set(r.ref, r.score);
    }
    return out;
  }

  /** The segment as text, for `deserialize` (in another thread, or after a restart). */
  serialize(): string {
    return `{"format":${JSON.stringify(SEGMENT_FORMAT)},"index":${JSON.stringify(this.index)}}`;
  }

  /** The segment `serialize` wrote, or null when it was built with another format (or is not one). */
  static deserialize(text: string): SearchSegment | null {
    try {
      const parsed = JSON.parse(text) as { format?: unknown; index?: unknown };
      if (parsed?.format !== SEGMENT_FORMAT || typeof parsed.index !== 'object' || !parsed.index) return null;
      return new SearchSegment(lunr.Index.load(parsed.index));
    } catch {
      return null; // truncated or hand-edited: the caller rebuilds
    }
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
