import lunr from 'lunr';
import { isStopWord, stem } from './text.js';

export interface IndexedDoc {
  id: string;
  title: string;
  brand: string;
  category: string;
  description: string;
}

/** Field boosts: a word in the title says more about the product than one in its description. */
const FIELDS: [keyof IndexedDoc, number][] = [
  ['title', 10],
  ['brand', 6],
  ['category', 5],
  ['description', 1],
];

/** One immutable Lunr index over some products (Lunr indexes cannot change once built). */
export class SearchSegment {
  readonly index: lunr.Index;
  readonly ids: Set<string>;

  constructor(docs: IndexedDoc[]) {
    this.ids = new Set(docs.map((d) => d.id));
    this.index = lunr(function build() {
      this.ref('id');
      for (const [field, boost] of FIELDS) this.field(field, { boost });
      for (const d of docs) this.add(d);
    });
  }

  /**
   * Scores for the query terms. `all`: every term must match (the last may be a prefix);
   * otherwise any term may, with typo tolerance. Built with Lunr's query API, never its parser.
   */
  search(terms: string[], all: boolean): Map<string, number> {
    const usable = terms.filter((t) => !isStopWord(t));
    const out = new Map<string, number>();
    if (usable.length === 0) return out;
    const results = this.index.query((q) => {
      usable.forEach((term, i) => {
        const last = i === usable.length - 1;
        if (all) {
          if (last && term.length >= 3) {
            // Prefix for as-you-type; an exact clause on top ranks whole words first.
            // The index holds stems ("laptops" is "laptop"), so the prefix is the stem of what was typed.
            q.term(stem(term), {
              presence: lunr.Query.presence.REQUIRED,
              wildcard: lunr.Query.wildcard.TRAILING,
              usePipeline: false,
              boost: 1,
            });
            q.term(term, { presence: lunr.Query.presence.OPTIONAL, boost: 3 });
          } else q.term(term, { presence: lunr.Query.presence.REQUIRED });
        } else {
          q.term(term, { presence: lunr.Query.presence.OPTIONAL, boost: 3 });
          // Typo tolerance by length; very long terms get none (Lunr's fuzzy expansion grows fast).
          const distance = term.length > 20 ? 0 : term.length >= 8 ? 2 : term.length >= 4 ? 1 : 0;
          if (distance)
            q.term(stem(term), {
              presence: lunr.Query.presence.OPTIONAL,
              editDistance: distance,
              usePipeline: false,
              boost: 1,
            });
          if (last && term.length >= 3) {
            q.term(stem(term), {
              presence: lunr.Query.presence.OPTIONAL,
              wildcard: lunr.Query.wildcard.TRAILING,
              usePipeline: false,
              boost: 1,
            });
          }
        }
      });
    });
    for (const r of results) out.set(r.ref, r.score);
    return out;
  }
}
