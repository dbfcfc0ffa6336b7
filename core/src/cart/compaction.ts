import type { CartDocument } from './types.js';

export interface CompactionPolicy {
  /** Normalize a line once it holds more than this many entries. */
  maxEntriesPerLine: number;
}

/**
 * Normalizes every line with more than `maxEntriesPerLine` entries, so the live entry set stays
 * small. Quantities never change (normalizations commute, see the property tests). Run on the
 * server only, and only where no device can hold a concurrent lower `set` it has not sent: a
 * normalization's `set` wins over such a decrease (ARCHITECTURE.md). Returns lines normalized.
 */
export function compactCart(cart: CartDocument, policy: CompactionPolicy = { maxEntriesPerLine: 8 }): number {
  let normalized = 0;
  for (const line of cart.lines()) {
    if (line.tags.length > policy.maxEntriesPerLine) {
      cart.normalize(line.productId);
      normalized++;
    }
  }
  return normalized;
}

/**
 * Normalizes one line when it holds more than `maxEntriesPerLine` entries: the line a server-side
 * edit just touched (an HTTP add), so a client adding to it again and again keeps it at a few
 * live entries rather than one per add. Returns whether it normalized. The caveats of compactCart
 * hold: the caller picks a threshold past what shoppers' devices make.
 */
export function compactLine(
  cart: CartDocument,
  productId: string,
  policy: CompactionPolicy = { maxEntriesPerLine: 8 },
): boolean {
  const line = cart.lines().find((l) => l.productId === productId);
  if (!line || line.tags.length <= policy.maxEntriesPerLine) return false;
  cart.normalize(productId);
  return true;
}
