import { ProductIndex } from '../../src/product-index.js';
import { JUDGMENTS_DEV, loadIcecat, loadJudgments } from '../load-icecat.js';

const { products } = loadIcecat();
const byId = new Map(products.map((p) => [p.id, p]));
const index = new ProductIndex();
index.replaceAll(products);
const judgments = loadJudgments(JUDGMENTS_DEV);
for (const q of process.argv.slice(2)) {
  const labels = judgments.get(q)!;
  console.log(`\n=== ${q}`);
  const res = index.search({ q, page: 1, pageSize: 10, sort: 'relevance' });
  for (const h of res.hits)
    console.log(
      `  [${labels.get(h.id) ?? '-'}] ${h.score.toFixed(1)} ${h.title.slice(0, 70)} | ${h.category}`,
    );
  console.log('  judged:');
  for (const [id, g] of [...labels].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
    const p = byId.get(id);
    console.log(`   ${g} ${p?.title.slice(0, 70)} | ${p?.category}`);
  }
}
