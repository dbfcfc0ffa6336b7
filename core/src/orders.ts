import { z } from 'zod';
import { DEFAULT_MAX_PER_LINE } from './cart/entry.js';
import type { SeenPrice } from './cart/types.js';
import { Money } from './money.js';
import { ORDER_STATUSES } from './order-status.js';

export {
  FINAL_STATUSES,
  FULFILMENT_STEPS,
  type FulfilmentStep,
  ORDER_STATUSES,
  SOLD_STATUSES,
} from './order-status.js';

/** The most units of one product a cart line holds: the cart's read clamps to it (`maxPerLine`). */
export const MAX_PER_LINE = DEFAULT_MAX_PER_LINE;

export const CartLineInput = z.object({
  productId: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(100),
});
export const CartQuantityInput = z.object({ quantity: z.number().int().min(0).max(100) });

/**
 * A cart line's `tag` in the API (`CartView`): the tags of every entry the line adds up, joined
 * with dots (entry tags are base64url: no dots). A line is often one entry, and its tag is then
 * that entry's; but two adds of one product are two entries shown as one line, and an order that
 * names the line's tag (API.md: "the entry tags the shopper reviewed") must take all of it, as
 * the shopper saw it, and no entry added since (which changes the line's tag).
 */
export function lineTag(entryTags: readonly string[]): string {
  return entryTags.join('.');
}

/** The entry tags a line's tag stands for (`lineTag`). */
export function lineTagParts(tag: string): string[] {
  return tag.split('.');
}

export const PlaceOrderInput = z.object({
  cartId: z.string().min(1).max(64),
  // A tag names an entry, or a line of several (`lineTag`: 13 characters an entry).
  tags: z.array(z.string().min(1).max(8192)).max(500).optional(),
  addressId: z.string().max(64).optional(),
  /**
   * The unit prices the shopper reviewed, by product: an ordered product is priced at the one
   * named here, and the order is rejected with `price_changed` (and the new price) when it is not
   * the current price. Without it, products are priced as they are when the order is placed.
   */
  prices: z
    .array(z.object({ productId: z.string().min(1).max(64), price: Money }).strict())
    .max(500)
    .refine((list) => new Set(list.map((p) => p.productId)).size === list.length, {
      message: 'one price per product',
    })
    .optional(),
});
export type PlaceOrderInput = z.infer<typeof PlaceOrderInput>;

/** An order's status (order-status.ts: the statuses, their life and the sets they fall in). */
export const OrderStatus = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof OrderStatus>;

export type RejectCode = 'out_of_stock' | 'price_changed' | 'not_found';

export interface OrderLine {
  productId: string;
  title: string;
  quantity: number;
  unitPrice: Money;
  tags: string[];
}

export interface RejectReason {
  productId: string;
  code: RejectCode;
  available?: number;
  price?: Money;
}

export interface Order {
  id: string;
  status: OrderStatus;
  lines: OrderLine[];
  total: Money;
  reasons?: RejectReason[];
  addressId?: string | null;
  createdAt: number;
  updatedAt: number;
  /** When the shop shipped it, and when it was delivered: present once it was. */
  shippedAt?: number;
  deliveredAt?: number;
}

export interface CartView {
  cartId: string;
  /**
   * `tag`: the whole line (`lineTag`), for orders; `tags`: its entries'. `capped`: more was added
   * than the line holds; its quantity is `maxPerLine` (`CartLine`). `addedPrice`: the price the
   * line was first added at, when the device (or the API's add) said it (`CartLine`).
   */
  lines: {
    tag: string;
    productId: string;
    quantity: number;
    tags: string[];
    capped?: true;
    addedPrice?: SeenPrice;
  }[];
  /** The most units of one product a line holds (`MAX_PER_LINE`). */
  maxPerLine: number;
  syncUrl: string;
  syncToken: string;
}
