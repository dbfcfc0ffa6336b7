import type { CartDocument } from '@shopsync/core';

/**
 * The cart line's "+" and "−" (ARCHITECTURE, the concurrency table). "+" is a deliberate +1 tap,
 * an `add` entry: a "+" on each of two devices counts twice (1 -> 3), a "+" concurrent with a
 * remove elsewhere leaves only its own unit (1, not 2), and one concurrent with a set of 3 makes 4.
 * As `setQuantity(q + 1)` it was an absolute choice of the quantity it saw, and broke those rows.
 * "−" has no relative form in the OR-set (no negative entries): it sets the quantity it saw less one.
 */
export function increase(cart: CartDocument, productId: string): void {
  cart.add(productId, 1);
}

/** Lowers the line by one from the quantity shown; at 1 the line is removed. */
export function decrease(cart: CartDocument, productId: string, shown: number): void {
  if (shown > 1) cart.setQuantity(productId, shown - 1);
  else cart.remove(productId);
}
