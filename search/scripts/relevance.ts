/**
 * Relevance harness: the four Icecat files through icecatToProduct, an in-process ProductIndex,
 * NDCG@10 over the dev judgments computed as shared/tools/relevance.mjs does.
 * Usage: node --import tsx search/scripts/relevance.ts [--verbose] [--k 10]
 */
import { ProductIndex } from '../src/product-index.js';
import { icecatAvailable, JUDGMENTS_DEV, loadIcecat, loadJudgments, ndcg } from './load-icecat.js';

const verbose = process.argv.includes('--verbose');
const kArg = process.argv.indexOf('--k');
const k = kArg > 0 ? Number(process.argv[kArg + 1]) : 10;

if (!icecatAvailable()) {
  console.error('shared/data/icecat is absent: nothing to score');
  process.exit(2);
}
let t = performance.now();
const { products, rejected } = loadIcecat();
console.log(
  `loaded ${products.length} products (${rejected} rejected) in ${Math.round(performance.now() - t)} ms`,
);
t = performance.now();
const index = new ProductIndex();
index.replaceAll(products);
console.log(`indexed in ${Math.round(performance.now() - t)} ms`);

const judgments = loadJudgments(JUDGMENTS_DEV);
const rows: [number, string][] = [];
for (const [query, labels] of judgments) {
  const result = index.search({ q: query, page: 1, pageSize: k, sort: 'relevance' });
  const score = ndcg(
    result.hits.map((h) => h.id),
    labels,
    k,
  );
  if (score !== null) rows.push([score, query]);
}
if (verbose)
  for (const [score, query] of rows.sort((a, b) => a[0] - b[0])) console.log(`${score.toFixed(3)}  ${query}`);
const mean = rows.reduce((s, [score]) => s + score, 0) / Math.max(rows.length, 1);
console.log(`queries ${rows.length}`);
console.log(`NDCG@${k} ${mean.toFixed(4)}`);
