import type { EventEmitter } from 'node:events';
import { FINAL_STATUSES, PlaceOrderInput } from '@shopsync/core';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { type Accounts, sessionId } from '../accounts/accounts.js';
import type { Budget } from '../accounts/budget.js';
import type { Carts } from '../cart/carts.js';
import { type AppEnv, requireUser } from '../http/auth.js';
import { ApiError, parseBody, parseQuery } from '../http/errors.js';
import { requestHeader } from '../http/headers.js';
import { spendRequest } from '../http/rate-limit.js';
import type { Checkout } from './checkout.js';
import { type OrderStore, publicOrder, type StoredOrder } from './store.js';

export const OrderListParams = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(100),
  after: z.string().min(1).max(64).optional(),
});

/** As Stripe takes them: up to 255 characters; any visible ASCII (a UUID, "order-1"). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Most live status streams open at once on one order, and for one shopper over all their orders.
 * An order page open in a few tabs and devices needs a handful; each stream holds a socket and a
 * file descriptor for as long as it stays open (days, for a confirmed order), and without a cap
 * one shopper with one order held 2,000 (+84 MB, 2,047 fds) and could reach the process's fd
 * limit. Past either the stream is 429 `too_many_streams`.
 */
export const STREAM_LIMITS = { perOrder: 10, perUser: 50 };

/** Tells of each sign-in (sessionId) that ends: signed out, ended by a new password elsewhere. */
export type SessionEnds = EventEmitter<{ ended: [session: string] }>;

/**
 * The shopper's order routes. `closing`: aborted when the shop stops, which ends the live status
 * streams (a confirmed order's may stay open for days) rather than hold the shutdown's grace.
 * `sessionEnds`: a stream ends with the sign-in that opened it, as its cart sync does (a password
 * changed because it leaked must lock out whoever used it, the order's news too).
 * `placing`: the orders one shopper may place (SHOPSYNC_ORDERS_PER_MINUTE); past them 429.
 */
export function orderRoutes(
  checkout: Checkout,
  orders: OrderStore,
  carts: Carts,
  accounts: Accounts,
  closing?: AbortSignal,
  sessionEnds?: SessionEnds,
  placing?: Budget,
) {
  const app = new Hono<AppEnv>();

  // The open live status streams, by order: a change is handed to its own order's streams only,
  // not to a listener per stream on the checkout (which would call every open order page's for
  // every order decided). And by sign-in, to end them with it.
  const streams = new Map<string, Set<LiveStream>>();
  const bySession = new Map<string, Set<LiveStream>>();
  // Open streams per shopper (STREAM_LIMITS.perUser); an order's are streams.get(order).size.
  const byUser = new Map<string, number>();
  checkout.on('status', (o) => {
    for (const stream of streams.get(o.id) ?? []) stream.send(o);
  });
  closing?.addEventListener('abort', () => {
    for (const open of streams.values()) for (const stream of open) stream.end();
  });
  sessionEnds?.on('ended', (session) => {
    for (const stream of bySession.get(session) ?? []) stream.end();
  });

  const own = (userId: string, orderId: string) => {
    const order = orders.getForUser(userId, orderId);
    if (!order) throw new ApiError(404, 'order_not_found', 'no such order');
    return order;
  };

  app.post('/orders', async (c) => {
    const user = requireUser(c);
    // Before any work: each order is a transaction and a stock decision. A retry counts too.
    if (placing) spendRequest(c, placing, { per: 'user', userId: user.id }, 'orders');
    const key = requestHeader(c, 'idempotency-key');
    if (!key) throw new ApiError(400, 'idempotency_key_required', 'send an Idempotency-Key header');
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new ApiError(
        400,
        'invalid_idempotency_key',
        'an Idempotency-Key is 1-255 visible ASCII characters (a UUID is a good one)',
      );
    }
    const input = await parseBody(c, PlaceOrderInput);
    // Another user's cart is indistinguishable from a missing one.
    if (carts.ownerOf(input.cartId) !== `user:${user.id}`)
      throw new ApiError(404, 'cart_not_found', 'no such cart');
    const address = input.addressId ? accounts.addressState(user.id, input.addressId) : 'none';
    if (address === undefined) throw new ApiError(404, 'address_not_found', 'no such address');
    // A removed address takes no new order (a checkout page left open elsewhere still offers it);
    // a retry of an order placed before it was removed gets that order.
    const result =
      address === 'removed'
        ? checkout.replay(user.id, key, input)
        : await checkout.placeOrder(user.id, key, input);
    if (!result) throw new ApiError(409, 'address_removed', 'this address was removed; choose another');
    if (result.ok) return c.json(publicOrder(result.order), 202);
    switch (result.reason) {
      case 'cart_out_of_date':
        throw new ApiError(
          409,
          'cart_out_of_date',
          'the cart on this device is ahead of the server; sync and retry',
          {
            missingTags: result.missingTags,
          },
        );
      case 'already_ordered':
        throw new ApiError(
          409,
          'already_ordered',
          'these cart items are in an order already (placed on another tab or device); see that order',
          result.orderId ? { orderId: result.orderId } : undefined,
        );
      case 'empty_cart':
        throw new ApiError(400, 'empty_cart', 'there is nothing to order');
      case 'mixed_currencies':
        throw new ApiError(
          400,
          'mixed_currencies',
          'an order is paid in one currency: order the lines of each currency apart',
          { currencies: result.currencies },
        );
      case 'idempotency_key_reused':
        throw new ApiError(
          422,
          'idempotency_key_reused',
          'this Idempotency-Key was used with another request',
        );
    }
  });

  // Newest first, `limit` at a time; `next`, when older orders follow, is the `after` of the
  // next page (the last order of this one).
  app.get('/orders', (c) => {
    const userId = requireUser(c).id;
    const { limit, after } = parseQuery(c, OrderListParams);
    if (after !== undefined && !orders.getForUser(userId, after))
      throw new ApiError(400, 'invalid_query', 'after must name one of your orders');
    const page = orders.list(userId, limit, after);
    const last = page.orders[page.orders.length - 1];
    return c.json({ items: page.orders.map(publicOrder), next: page.more && last ? last.id : null });
  });

  app.get('/orders/:id', (c) => c.json(publicOrder(own(requireUser(c).id, c.req.param('id')))));

  app.post('/orders/:id/cancel', async (c) => {
    const result = await checkout.cancel(requireUser(c).id, c.req.param('id'));
    if (result === 'not_found') throw new ApiError(404, 'order_not_found', 'no such order');
    if ('notCancellable' in result) {
      const status = result.notCancellable;
      const why =
        status === 'shipped'
          ? 'this order has shipped: it can no longer be cancelled'
          : status === 'delivered'
            ? 'this order was delivered: it can no longer be cancelled'
            : 'only a confirmed order can be cancelled';
      throw new ApiError(409, 'not_cancellable', why, { status });
    }
    return c.json(publicOrder(result));
  });

  /**
   * Live status: server-sent events, one `status` event now and one at each change (decided,
   * shipped, delivered, cancelled), until a final status (FINAL_STATUSES) or the shop stops.
   */
  app.get('/orders/:id/events', (c) => {
    const userId = requireUser(c).id;
    const order = own(userId, c.req.param('id'));
    const open = streams.get(order.id) ?? new Set();
    const usersOpen = byUser.get(userId) ?? 0;
    // Counted before the stream starts, so streams asked at once cannot all pass the check.
    if (open.size >= STREAM_LIMITS.perOrder || usersOpen >= STREAM_LIMITS.perUser) {
      const per = open.size >= STREAM_LIMITS.perOrder ? 'order' : 'user';
      const limit = STREAM_LIMITS[per === 'order' ? 'perOrder' : 'perUser'];
      throw new ApiError(
        429,
        'too_many_streams',
        per === 'order'
          ? `at most ${limit} live status streams of one order may be open at once; close one (another tab) first`
          : `at most ${limit} live status streams of your orders may be open at once; close one (another tab) first`,
        { per, limit },
      );
    }
    byUser.set(userId, usersOpen + 1);
    let end: () => void = () => {};
    const done = new Promise<void>((r) => {
      end = r;
    });
    const live: LiveStream = {
      send: () => {},
      end: () => end(),
    };
    streams.set(order.id, open.add(live));
    // A stream asked with the vendor's token has no sign-in; requireUser above refuses those.
    const token = c.get('sessionToken');
    const session = token ? sessionId(token) : undefined;
    const mine = session ? (bySession.get(session) ?? new Set()) : undefined;
    if (session && mine) bySession.set(session, mine.add(live));
    if (closing?.aborted) end();
    // Its place is given back however the stream ends (a final status, the client gone, the
    // sign-in ended, the shop stopping), a write that failed included.
    const release = () => {
      open.delete(live);
      if (open.size === 0 && streams.get(order.id) === open) streams.delete(order.id);
      mine?.delete(live);
      if (session && mine?.size === 0) bySession.delete(session);
      const left = (byUser.get(userId) ?? 1) - 1;
      if (left > 0) byUser.set(userId, left);
      else byUser.delete(userId);
    };
    return streamSSE(c, async (stream) => {
      // Writes one after another, and the stream ends only once they are written: ended with a
      // write unfinished, it would go without its last (final) status.
      let written: Promise<void> = Promise.resolve();
      const write = (o: StoredOrder) => {
        written = written.then(() =>
          stream.writeSSE({ event: 'status', data: JSON.stringify(publicOrder(o)) }),
        );
        return written;
      };
      live.send = (o) => {
        void write(o).catch(end);
        if (FINAL_STATUSES.has(o.status)) end();
      };
      stream.onAbort(end);
      try {
        const current = orders.get(order.id)!;
        await write(current);
        if (FINAL_STATUSES.has(current.status)) end();
        await done;
      } finally {
        release();
      }
      await written;
    });
  });

  return app;
}

/** An open live status stream: `send` writes a change of its order; `end` closes it. */
interface LiveStream {
  send(order: StoredOrder): void;
  end(): void;
}
