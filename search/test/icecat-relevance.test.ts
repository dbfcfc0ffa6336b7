import { describe, expect, it } from 'vitest';
import { icecatAvailable, loadIcecat, loadJudgments, ndcg, SHARED_DATA } from '../scripts/load-icecat.js';
import { ProductIndex } from '../src/index.js';

const available = icecatAvailable();
if (!available) console.warn(`skipping the Icecat relevance test: ${SHARED_DATA}/icecat is absent`);

describe('relevance on the Icecat catalog', () => {
  it.skipIf(!available)(
    'maps every record and keeps NDCG@10 on the dev judgments above the plain-Lunr baseline',
    () => {
      const { products, rejected } = loadIcecat();
      expect(products.length).toBeGreaterThan(19_000);
      expect(rejected).toBe(0);
      const others = products.filter((p) => p.category === 'Other').length;
      expect(others / products.length).toBeLessThan(0.3);
      const index = new ProductIndex();
      index.replaceAll(products);
      const scores: number[] = [];
      for (const [query, labels] of loadJudgments()) {
        const ids = index
          .search({ q: query, page: 1, pageSize: 10, sort: 'relevance' })
          .hits.map((h) => h.id);
        const score = ndcg(ids, labels);
        if (score !== null) scores.push(score);
      }
      const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
      // Plain Lunr (all terms, then any) scores 0.69 here; this engine measured 0.73.
      expect(mean).toBeGreaterThan(0.72);
    },
    60_000,
  );
});
