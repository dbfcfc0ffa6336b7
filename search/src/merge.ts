import {
  FACET_DEFAULT,
  type FacetValue,
  type PriceFacet,
  type SearchHit,
  type SearchParams,
  type SearchResult,
} from '@shopsync/core';
import { filterKey, highlight } from './text.js';

/**
 * A hit before merging: its raw score, and what orders it among hits of other shards. Its
 * highlights are worked out after the merge, for the page shown only.
 */
export interface PartialHit extends Omit<SearchHit, 'highlights'> {
  /** Insertion order across all shards: the stable tie-break of every sort. */
  ordinal: number;
  /** What "newest" sorts by (`newSince`). */
  newSince: number;
}

/** One pass (all terms, or the relaxed any-term pass) over one shard, after the filters. */
export interface PassResult {
  /** Products that pass the filters. */
  total: number;
  /** The first `page * pageSize` of them in the requested order, scores unscaled. */
  hits: PartialHit[];
  /** Counts per brand and category (each ignoring its own filter), and per PRICE_BUCKETS entry. */
  brand: [string, number][];
  category: [string, number][];
  price: number[];
}

/**
 * What one shard (or the whole index, unsharded) found for a query. Whether the relaxed pass
 * counts is decided over all shards at once: only when the all-terms pass found fewer than
 * RELAX_BELOW products in all of them together, so each shard sends the relaxed pass whenever it
 * alone found fewer.
 */
export interface ShardResult {
  /** Products matching all terms, before the filters (what relaxing is decided on). */
  strictMatches: number;
  /** The lowest all-terms score before the filters (Infinity when none). */
  strictFloor: number;
  strict: PassResult;
  /** The query's stems this shard knows (the relaxed pass expands the others to typos). */
  known?: string[];
  /** The query's words as searched, when one was read as a typo (the same in every shard). */
  corrected?: string[];
  /**
   * The query's words as searched, when any differs from the typed words (a typo, or a plural read
   * as its word: "tvs" searched "tv"): what the highlights mark. The same in every shard.
   */
  searched?: string[];
  /** The query is a barcode that this shard's products carry: these are its only matches. */
  barcode?: boolean;
  relaxed?: PassResult & {
    /** Products the relaxed pass matched, before the filters. */
    matches: number;
    /** The highest relaxed score before the filters. */
    top: number;
  };
}

/** All-terms matching is relaxed to any term when it finds fewer products than this. */
export const RELAX_BELOW = 10;

export const PRICE_BUCKETS: [number, number | null][] = [
  [0, 2500],
  [2500, 5000],
  [5000, 10000],
  [10000, 25000],
  [25000, 50000],
  [50000, 100000],
  [100000, null],
];

type Order = (a: PartialHit, b: PartialHit) => number;

const byOrdinal: Order = (a, b) => a.ordinal - b.ordinal;

export const ORDERS: Record<SearchParams['sort'], Order> = {
  relevance: (a, b) => b.score - a.score || byOrdinal(a, b),
  price_asc: (a, b) => a.price.amount - b.price.amount || byOrdinal(a, b),
  price_desc: (a, b) => b.price.amount - a.price.amount || byOrdinal(a, b),
  newest: (a, b) => b.newSince - a.newSince || byOrdinal(a, b),
};

/**
 * One result from the shards' results: counts and facets add up; relaxed matches, when they
 * count, are scaled under the lowest all-terms score of every shard, keeping their own order;
 * the page is the first hits of all shards in the requested order. Exact for counts, facets and
 * order: each shard sent its own first `page * pageSize` of each pass.
 */
export function mergeResults(results: ShardResult[], params: SearchParams, typed: string[]): SearchResult {
  // A barcode some shard's products carry: their products are the result, not text matches.
  if (results.some((r) => r.barcode)) results = results.filter((r) => r.barcode);
  const corrected = results.find((r) => r.corrected)?.corrected;
  const terms = results.find((r) => r.searched)?.searched ?? typed;
  const strictMatches = results.reduce((n, r) => n + r.strictMatches, 0);
  const passes: PassResult[] = results.map((r) => r.strict);
  if (strictMatches < RELAX_BELOW && results.every((r) => r.relaxed)) {
    const floor = Math.min(...results.map((r) => r.strictFloor));
    const top = Math.max(0, ...results.map((r) => r.relaxed!.top));
    const relaxedMatches = results.reduce((n, r) => n + r.relaxed!.matches, 0);
    const scale = strictMatches > 0 && relaxedMatches > 0 && top > 0 ? (floor * 0.9) / top : 1;
    for (const r of results) {
      const relaxed = r.relaxed!;
      passes.push({ ...relaxed, hits: relaxed.hits.map((h) => ({ ...h, score: h.score * scale })) });
    }
  }
  const brand = new Map<string, number>();
  const category = new Map<string, number>();
  const price = PRICE_BUCKETS.map(() => 0);
  const hits: PartialHit[] = [];
  let total = 0;
  for (const pass of passes) {
    total += pass.total;
    for (const [value, n] of pass.brand) brand.set(value, (brand.get(value) ?? 0) + n);
    for (const [value, n] of pass.category) category.set(value, (category.get(value) ?? 0) + n);
    pass.price.forEach((n, i) => {
      price[i]! += n;
    });
    for (const hit of pass.hits) hits.push(hit);
  }
  const start = (params.page - 1) * params.pageSize;
  const limit = params.facetLimit ?? FACET_DEFAULT;
  const page = passes.length === 1 ? hits : hits.sort(ORDERS[params.sort]);
  const priceFacets: PriceFacet[] = PRICE_BUCKETS.map(([min, max], i) => ({
    value: max === null ? `${min}-` : `${min}-${max}`,
    min,
    max,
    count: price[i]!,
  }));
  return {
    hits: page.slice(start, start + params.pageSize).map(({ ordinal, newSince, ...hit }) => ({
      ...hit,
      score: round(hit.score),
      // The shards leave highlights to the page shown.
      highlights: { title: highlight(hit.title, terms) },
    })),
    total,
    page: params.page,
    pageSize: params.pageSize,
    facets: {
      brand: topFacets(brand, limit, params.brand),
      category: topFacets(category, limit, params.category ? [params.category] : undefined),
      price: priceFacets,
    },
    facetCounts: { brand: brand.size, category: category.size },
    tookMs: 0,
    ...(corrected ? { correctedQuery: corrected.join(' ') } : {}),
  };
}

/**
 * A facet's values, most products first: `limit` of them (`facetLimit`: the storefront's filters
 * ask for up to 200, where 30 were all there was, and "cable", whose hits have 44 brands, offered
 * 30), and the chosen ones (`selected`, as a filter names them) wherever they rank, so that a
 * choice stays in view.
 */
function topFacets(counts: Map<string, number>, limit: number, selected?: readonly string[]): FacetValue[] {
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const top = sorted.slice(0, limit);
  if (selected && sorted.length > limit) {
    const keys = new Set(selected.map(filterKey));
    for (const entry of sorted.slice(limit)) if (keys.has(filterKey(entry[0]))) top.push(entry);
  }
  return top.map(([value, count]) => ({ value, count }));
}

export function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
