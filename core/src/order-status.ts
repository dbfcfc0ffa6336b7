/**
 * An order's statuses and the sets they fall in, without the zod schemas (the storefront imports
 * this alone; `OrderStatus`, the schema, is in orders.ts).
 *
 * An order's life: `pending` until the stock writer decides, then `rejected`, or `confirmed` (its
 * stock taken). A confirmed order is `cancelled` by the shopper (its stock back on sale) or
 * `shipped` by the shop, then `delivered`; once shipped it can no longer be cancelled.
 */
export const ORDER_STATUSES = [
  'pending',
  'confirmed',
  'rejected',
  'cancelled',
  'shipped',
  'delivered',
] as const;
type Status = (typeof ORDER_STATUSES)[number];

/** Statuses an order never leaves: its live status has nothing more to tell. */
export const FINAL_STATUSES: ReadonlySet<Status> = new Set(['rejected', 'cancelled', 'delivered']);

/** Statuses whose units are sold: taken from stock and not given back (the stock ledger counts them). */
export const SOLD_STATUSES: ReadonlySet<Status> = new Set(['confirmed', 'shipped', 'delivered']);

/** The fulfilment steps the shop takes, each from the one status it follows. */
export const FULFILMENT_STEPS = { shipped: 'confirmed', delivered: 'shipped' } as const;
export type FulfilmentStep = keyof typeof FULFILMENT_STEPS;
