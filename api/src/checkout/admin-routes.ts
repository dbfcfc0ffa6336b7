import { type Address, FULFILMENT_STEPS, type FulfilmentStep, type Order, OrderStatus } from '@shopsync/core';
import { type Context, Hono } from 'hono';
import type { Accounts } from '../accounts/accounts.js';
import { type AppEnv, requireVendor } from '../http/auth.js';
import { ApiError, parseQuery } from '../http/errors.js';
import type { Checkout } from './checkout.js';
import { OrderListParams } from './routes.js';
import { type OrderStore, publicOrder, type StoredOrder } from './store.js';

const AdminOrderListParams = OrderListParams.extend({ status: OrderStatus.optional() });

/** The 409 of a step asked of an order not in the status it follows. */
const REFUSED: Record<FulfilmentStep, string> = {
  shipped: 'order_not_shippable',
  delivered: 'order_not_deliverable',
};

/** An order as the operator sees it: the shopper's view, whose it is, and where it goes. */
export interface AdminOrder extends Order {
  userId: string;
  /** The delivery address as the shopper saved it (addresses are never edited, only removed). */
  address: Address | null;
}

/**
 * The operator's orders (vendor role): every shopper's orders, and their fulfilment, confirmed ->
 * shipped -> delivered. There is no operator page: the vendor's bearer token drives these, as it
 * does the catalog's writes.
 */
export function adminOrderRoutes(checkout: Checkout, orders: OrderStore, accounts: Accounts) {
  const app = new Hono<AppEnv>();

  const adminOrder = (o: StoredOrder): AdminOrder => {
    // The shopper's own address, removed from their list or not: the order still goes there.
    const saved = o.addressId ? accounts.address(o.userId, o.addressId) : undefined;
    let address: Address | null = null;
    if (saved) {
      const { removed: _removed, ...rest } = saved;
      address = rest;
    }
    return { ...publicOrder(o), userId: o.userId, address };
  };

  // Newest first, `limit` at a time, as GET /api/orders pages; `status` keeps one status.
  app.get('/admin/orders', (c) => {
    requireVendor(c);
    const { limit, after, status } = parseQuery(c, AdminOrderListParams);
    if (after !== undefined && !orders.get(after))
      throw new ApiError(400, 'invalid_query', 'after must name an order');
    const page = orders.listAll(limit, after, status);
    const last = page.orders[page.orders.length - 1];
    return c.json({ items: page.orders.map(adminOrder), next: page.more && last ? last.id : null });
  });

  app.get('/admin/orders/:id', (c) => {
    requireVendor(c);
    const order = orders.get(c.req.param('id'));
    if (!order) throw new ApiError(404, 'order_not_found', 'no such order');
    return c.json(adminOrder(order));
  });

  /** Takes the step; a retry of one taken already answers the order as it is (200). */
  const fulfil = (c: Context<AppEnv>, orderId: string, step: FulfilmentStep) => {
    requireVendor(c);
    const result = checkout.fulfil(orderId, step);
    if (result.ok) return c.json(adminOrder(result.order));
    if (result.reason === 'not_found') throw new ApiError(404, 'order_not_found', 'no such order');
    throw new ApiError(
      409,
      REFUSED[step],
      `only a ${FULFILMENT_STEPS[step]} order can be ${step}; this one is ${result.status}`,
      { status: result.status },
    );
  };
  app.post('/admin/orders/:id/ship', (c) => fulfil(c, c.req.param('id'), 'shipped'));
  app.post('/admin/orders/:id/deliver', (c) => fulfil(c, c.req.param('id'), 'delivered'));

  return app;
}
