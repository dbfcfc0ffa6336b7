import type { SearchParams, SearchResult } from '@shopsync/core';
import { filterKey } from './text.js';

/**
 * The query cache: results keyed by the index generation, the normalized query and the rest of
 * the params; least recently used first out, bounded by count. A change bumps the generation (so
 * no stale key can match) and clears it.
 */
export class QueryCache {
  private readonly results = new Map<string, SearchResult>();

  constructor(private readonly size: number) {}

  static key(generation: number, terms: string[], params: SearchParams): string {
    return JSON.stringify([
      generation,
      terms,
      params.brand?.map(filterKey).sort(),
      params.category && filterKey(params.category),
      params.minPrice,
      params.maxPrice,
      params.inStock,
      params.exact,
      params.sort,
      params.page,
      params.pageSize,
      params.facetLimit,
    ]);
  }

  get(key: string): SearchResult | undefined {
    const result = this.results.get(key);
    if (result) {
      this.results.delete(key);
      this.results.set(key, result);
    }
    return result;
  }

  set(key: string, result: SearchResult): void {
    this.results.set(key, result);
    if (this.results.size > this.size) this.results.delete(this.results.keys().next().value!);
  }

  clear(): void {
    this.results.clear();
  }
}
