import type { Product } from '@shopsync/core';

/** The catalog replicated to `size` products with distinct ids (copies get `-r<n>` suffixes). */
export function replicate(products: Product[], size: number): Product[] {
  const out: Product[] = [];
  for (let copy = 0; out.length < size; copy++)
    for (const p of products) {
      if (out.length >= size) break;
      out.push(copy === 0 ? p : { ...p, id: `${p.id}-r${copy}` });
    }
  return out;
}
