import type { OrderStatus } from '@shopsync/core';

/** An order's status as the shopper reads it, the same on the order and in the list. */
export const STATUS_TEXT: Record<OrderStatus, string> = {
  pending: 'Checking stock…',
  confirmed: 'Confirmed',
  rejected: 'Not placed',
  cancelled: 'Cancelled',
  shipped: 'Shipped',
  delivered: 'Delivered',
};

export const dateTime = (ms: number) =>
  new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
