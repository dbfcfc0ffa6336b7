import { loadIcecat } from '../load-icecat.js';

const { products } = loadIcecat();
const heads = new Map<string, number>();
for (const p of products) {
  const w = p.category.toLowerCase().split(' ');
  const h = w[w.length - 1]!;
  heads.set(h, (heads.get(h) ?? 0) + 1);
}
for (const w of [
  'laptop',
  'laptops',
  'notebook',
  'game',
  'games',
  'pc',
  'keyboard',
  'controller',
  'fan',
  'switch',
  'console',
  'headset',
  'ipod',
  'player',
])
  console.log(w, heads.get(w));
let n = 0;
for (const p of products) if (/laptop/i.test(p.title) && /notebook/i.test(p.title)) n++;
console.log('titles with laptop & notebook', n);
let m = 0;
for (const p of products) if (/laptop/i.test(p.description) && /notebook/i.test(p.description)) m++;
console.log(
  'descriptions with laptop & notebook',
  m,
  'descriptions mention laptop',
  products.filter((p) => /laptop/i.test(p.description)).length,
);
