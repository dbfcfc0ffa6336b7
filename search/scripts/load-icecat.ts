import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Product, ProductInput } from '@shopsync/core';
import { unzipSync } from 'fflate';
import { icecatToProduct, icecatVocabulary } from '../src/icecat.js';

/** ../shared/data next to the repository root; absent on machines without the data sets. */
export const SHARED_DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
export const JUDGMENTS_DEV = path.join(SHARED_DATA, 'relevance/judgments-dev.csv');

export function icecatAvailable(): boolean {
  return fs.existsSync(path.join(SHARED_DATA, 'icecat/products-1.json.zip'));
}

function readZip(file: string): unknown[] {
  const files = unzipSync(fs.readFileSync(file));
  const [entry] = Object.values(files);
  if (!entry) throw new Error(`${file}: empty zip`);
  return JSON.parse(new TextDecoder().decode(entry)) as unknown[];
}

/**
 * The four Icecat files as products, mapped exactly as the importer maps them (one vocabulary per
 * file), with the fields the API adds on create. Rejected records are counted, not loaded.
 */
export function loadIcecat(): { products: Product[]; rejected: number } {
  const products: Product[] = [];
  let rejected = 0;
  const seen = new Set<string>();
  for (let n = 1; n <= 4; n++) {
    const records = readZip(path.join(SHARED_DATA, `icecat/products-${n}.json.zip`));
    const vocabulary = icecatVocabulary(records);
    for (const raw of records) {
      const mapped = icecatToProduct(raw, vocabulary);
      // Checked as the importer checks it (api/src/catalog/import.ts `mapRecord`).
      const checked = mapped.ok ? ProductInput.safeParse(mapped.product) : undefined;
      if (!mapped.ok || !checked?.success || seen.has(mapped.product.id)) {
        rejected++;
        continue;
      }
      seen.add(mapped.product.id);
      const p = { ...checked.data, category: checked.data.category ?? '', id: mapped.product.id };
      const released = Date.parse(p.attributes?.released ?? '');
      products.push({
        id: p.id,
        title: p.title,
        brand: p.brand,
        description: p.description,
        category: p.category,
        price: { amount: typeof p.price === 'number' ? p.price : p.price.amount, currency: 'USD' },
        stock: p.stock ?? 0,
        images: p.images ?? [],
        attributes: p.attributes ?? {},
        version: 1,
        createdAt: Number.isNaN(released) ? 0 : released,
        updatedAt: 0,
      });
    }
  }
  return { products, rejected };
}

/** Graded judgments: query -> (product id -> rating 0..3), parsed like shared/tools/relevance.mjs. */
export function loadJudgments(file = JUDGMENTS_DEV): Map<string, Map<string, number>> {
  const judgments = new Map<string, Map<string, number>>();
  for (const line of fs.readFileSync(file, 'utf8').trim().split(/\r?\n/).slice(1)) {
    const m = line.match(/^(.*),([^,]+),(\d)$/);
    if (!m) continue;
    const [, query, docid, rating] = m as unknown as [string, string, string, string];
    if (!judgments.has(query)) judgments.set(query, new Map());
    judgments.get(query)!.set(String(docid), Number(rating));
  }
  return judgments;
}

const gain = (r: number) => 2 ** r - 1;
const dcg = (ratings: number[]) => ratings.reduce((s, r, i) => s + gain(r) / Math.log2(i + 2), 0);

/** NDCG@k of one ranked id list, exactly as relevance.mjs computes it (unjudged = 0); null if no positive label. */
export function ndcg(ids: string[], labels: Map<string, number>, k = 10): number | null {
  const ideal = dcg([...labels.values()].sort((a, b) => b - a).slice(0, k));
  if (ideal === 0) return null;
  return dcg(ids.slice(0, k).map((id) => labels.get(id) ?? 0)) / ideal;
}
