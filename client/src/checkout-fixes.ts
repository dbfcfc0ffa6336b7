import type { Money, Order, Product, RejectReason } from '@shopsync/core';

/**
 * An order the shop refused (`rejected`) while the shopper is at checkout: why, per product, and
 * the price each product was ordered at (what "was" says when its price changed).
 */
export interface Rejection {
  orderId: string;
  reasons: RejectReason[];
  was: Record<string, Money>;
}

export function rejectionOf(order: Order): Rejection | null {
  if (order.status !== 'rejected' || !order.reasons?.length) return null;
  return {
    orderId: order.id,
    reasons: order.reasons,
    was: Object.fromEntries(order.lines.map((l) => [l.productId, l.unitPrice])),
  };
}

/**
 * A one-tap fix checkout offers for a line: lower it to what the shop has, take it out (sold out,
 * or no longer sold), or accept its new price.
 */
export type LineFix =
  | { kind: 'reduce'; to: number }
  | { kind: 'remove'; why: 'out_of_stock' | 'gone' }
  | { kind: 'price'; now: Money; was: Money };

/**
 * What must change in a line before it can be ordered, by what the shop says of its product now
 * (stock, sold or not) and, for its price, by the last refused order: a new price is accepted once
 * (`accepted`), so that the next order carries it knowingly. A product not loaded yet has none.
 */
export function lineFixes(
  line: { productId: string; quantity: number },
  product: Product | null | undefined,
  rejection: Rejection | null,
  accepted: ReadonlySet<string>,
): LineFix[] {
  if (product === null) return [{ kind: 'remove', why: 'gone' }];
  if (product === undefined) return [];
  const fixes: LineFix[] = [];
  if (product.stock <= 0) fixes.push({ kind: 'remove', why: 'out_of_stock' });
  else if (line.quantity > product.stock) fixes.push({ kind: 'reduce', to: product.stock });
  const repriced = rejection?.reasons.some(
    (r) => r.productId === line.productId && r.code === 'price_changed',
  );
  const was = rejection?.was[line.productId];
  if (repriced && was && !accepted.has(line.productId) && !sameMoney(was, product.price))
    fixes.push({ kind: 'price', now: product.price, was });
  return fixes;
}

/**
 * The product as the refusal says it is now (stock left, new price, gone), for products loaded
 * before it: what checkout shows until the product is fetched again.
 */
export function productAfter(
  product: Product | null | undefined,
  reason: RejectReason,
): Product | null | undefined {
  if (reason.code === 'not_found') return null;
  if (!product) return product;
  if (reason.code === 'out_of_stock' && reason.available !== undefined)
    return { ...product, stock: reason.available };
  if (reason.code === 'price_changed' && reason.price) return { ...product, price: reason.price };
  return product;
}

const sameMoney = (a: Money, b: Money) => a.amount === b.amount && a.currency === b.currency;

/** What checkout says of a line a fix is offered for, and the fix's button. */
export function fixText(fix: LineFix, format: (m: Money) => string): { problem: string; action: string } {
  switch (fix.kind) {
    case 'reduce':
      return { problem: `Only ${fix.to} left`, action: `Reduce to ${fix.to}` };
    case 'remove':
      return { problem: fix.why === 'gone' ? 'No longer sold' : 'Out of stock', action: 'Remove' };
    case 'price':
      return { problem: `Now ${format(fix.now)} (was ${format(fix.was)})`, action: 'OK' };
  }
}
