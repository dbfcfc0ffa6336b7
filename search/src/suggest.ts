import type { Suggestion } from '@shopsync/core';
import { isStopWord, tokenize } from './text.js';

interface Entry {
  key: string;
  text: string;
  kind: Suggestion['kind'];
  weight: number;
}

/** As-you-type completions from the catalog's own vocabulary: brands, categories, title words. */
export class Suggester {
  private entries: Entry[] = [];
  stale = true;

  rebuild(rows: Iterable<{ brand: string; category: string; title: string }>): void {
    const brands = new Map<string, number>();
    const categories = new Map<string, number>();
    const terms = new Map<string, number>();
    for (const r of rows) {
      brands.set(r.brand, (brands.get(r.brand) ?? 0) + 1);
      categories.set(r.category, (categories.get(r.category) ?? 0) + 1);
      for (const t of new Set(tokenize(r.title))) {
        if (t.length >= 3 && !isStopWord(t) && !/^\d+$/.test(t)) terms.set(t, (terms.get(t) ?? 0) + 1);
      }
    }
    const entries: Entry[] = [];
    // Brands and categories outrank loose words of the same popularity.
    for (const [text, n] of brands)
      entries.push({ key: text.toLowerCase(), text, kind: 'brand', weight: n * 3 });
    for (const [text, n] of categories)
      entries.push({ key: text.toLowerCase(), text, kind: 'category', weight: n * 2 });
    for (const [text, n] of terms) if (n >= 2) entries.push({ key: text, text, kind: 'term', weight: n });
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : b.weight - a.weight));
    this.entries = entries;
    this.stale = false;
  }

  suggest(q: string, limit: number): Suggestion[] {
    const prefix = tokenize(q, 8).join(' ');
    if (prefix.length === 0) return [];
    // Binary search for the first key at or after the prefix; candidates are contiguous from there.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.key < prefix) lo = mid + 1;
      else hi = mid;
    }
    const found: Entry[] = [];
    for (
      let i = lo;
      i < this.entries.length && this.entries[i]!.key.startsWith(prefix) && found.length < 500;
      i++
    ) {
      found.push(this.entries[i]!);
    }
    const seen = new Set<string>();
    return found
      .sort((a, b) => b.weight - a.weight)
      .filter((e) => !seen.has(e.key) && seen.add(e.key))
      .slice(0, limit)
      .map(({ text, kind }) => ({ text, kind }));
  }
}
