/**
 * Relevance harness: the four Icecat files through icecatToProduct, an in-process ProductIndex,
 * NDCG@10 over the dev judgments computed as shared/tools/relevance.mjs does.
 * Usage: node --import tsx search/scripts/relevance.ts [--verbose] [--k 10] [--shards N]
 * (--shards: a ShardedIndex of N worker threads instead of one ProductIndex)
 *
 * Besides NDCG@k it prints how many of the top k hits have no judgment, and NDCG@k over the
 * condensed list (the ranking with unjudged hits skipped, Sakai 2007): the judgments cover about
 * 40 products per query, so an unjudged hit counts as irrelevant in the first figure whatever it is.
 */
import { ProductIndex } from '../src/product-index.js';
import { ShardedIndex } from '../src/shards.js';
import { icecatAvailable, JUDGMENTS_DEV, loadIcecat, loadJudgments, ndcg } from './load-icecat.js';

const verbose = process.argv.includes('--verbose');
const kArg = process.argv.indexOf('--k');
const k = kArg > 0 ? Number(process.argv[kArg + 1]) : 10;
const shardsArg = process.argv.indexOf('--shards');
const shards = shardsArg > 0 ? Number(process.argv[shardsArg + 1]) : 0;

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
let index: { search: ProductIndex['search'] | ShardedIndex['search'] };
if (shards > 0) {
  const sharded = new ShardedIndex({ shards });
  await sharded.open(products, []);
  index = sharded;
} else {
  const single = new ProductIndex();
  single.replaceAll(products);
  index = single;
}
console.log(`indexed in ${Math.round(performance.now() - t)} ms${shards > 0 ? ` (${shards} shards)` : ''}`);

const judgments = loadJudgments(JUDGMENTS_DEV);
const rows: [number, string, number][] = [];
let condensedSum = 0;
let unjudged = 0;
let shown = 0;
for (const [query, labels] of judgments) {
  const result = await index.search({ q: query, page: 1, pageSize: Math.max(k, 200), sort: 'relevance' });
  const ids = result.hits.map((h) => h.id);
  const top = ids.slice(0, k);
  const score = ndcg(top, labels, k);
  if (score === null) continue;
  const condensed = ndcg(ids.filter((id) => labels.has(id)).slice(0, k), labels, k) ?? 0;
  rows.push([score, query, condensed]);
  condensedSum += condensed;
  unjudged += top.filter((id) => !labels.has(id)).length;
  shown += top.length;
}
if (verbose)
  for (const [score, query, condensed] of rows.sort((a, b) => a[0] - b[0]))
    console.log(`${score.toFixed(3)}  ${query}  (condensed ${condensed.toFixed(3)})`);
const mean = rows.reduce((s, [score]) => s + score, 0) / Math.max(rows.length, 1);
console.log(`queries ${rows.length}`);
console.log(
  `unjudged in the top ${k}: ${unjudged} of ${shown} hits (${((100 * unjudged) / shown).toFixed(1)}%)`,
);
console.log(`NDCG@${k} over condensed lists: ${(condensedSum / Math.max(rows.length, 1)).toFixed(4)}`);
console.log(`NDCG@${k} ${mean.toFixed(4)}`);
if (index instanceof ShardedIndex) await index.close();
