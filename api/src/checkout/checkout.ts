import crypto, { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  type CartEntry,
  lineTagParts,
  type OrderLine,
  type PlaceOrderInput,
  readEntries,
  YjsCart,
} from '@shopsync/core';
import type { CartDocuments } from '../cart/carts.js';
import type { Catalog } from '../catalog/products.js';
import type { Decision, StockStore } from './stock.js';
import type { OrderStore, StoredOrder } from './store.js';
import type { StockWriter } from './writer.js';

export type PlaceOrderResult =
  | { ok: true; order: StoredOrder; replayed: boolean }
  | { ok: false; reason: 'cart_out_of_date'; missingTags: string[] }
  | { ok: false; reason: 'empty_cart' }
  | { ok: false; reason: 'idempotency_key_reused' }
  | { ok: false; reason: 'mixed_currencies'; currencies: string[] };

/** How long place-order waits for the writer's decision before answering `pending`. */
const DECISION_WAIT_MS = 2000;

/**
 * Checkout: builds an order from the entries the shopper reviewed, records it as pending under
 * its idempotency key, and hands it to the serialized stock writer. Emits `status` for each
 * order whose status changed, for live status streams.
 */
export class Checkout extends EventEmitter<{ status: [StoredOrder]; error: [unknown] }> {
  private readonly clearing = new Map<string, Promise<void>>();
  /**
   * Confirmed orders waiting to leave their carts, by cart: the writer's decisions of one turn
   * are cleared together, one Yjs transaction (one update, one logged row) per cart.
   */
  private toClear = new Map<string, ClearBatch>();
  /** Orders placed by this process and not yet decided, so a decision needs no read back. */
  private readonly undecided = new Map<string, StoredOrder>();

  constructor(
    private readonly store: OrderStore,
    private readonly stock: StockStore,
    private readonly writer: StockWriter,
    private readonly catalog: Catalog,
    private readonly documents: CartDocuments,
  ) {
    super();
    this.setMaxListeners(0);
    writer.on('decided', (decision) => {
      const placed = this.undecided.get(decision.orderId);
      this.undecided.delete(decision.orderId);
      const order = placed ? decided(placed, decision) : store.get(decision.orderId);
      if (!order) return;
      this.emit('status', order);
      if (order.status === 'confirmed') {
        // A cart that cannot be edited now does not undo the order, nor fail its answer: the
        // order stays noted uncleared and the next start clears its entries (`recover`).
        const done = this.clearLater(order)
          .catch((err: unknown) => {
            this.emit('error', err);
          })
          .finally(() => this.clearing.delete(order.id));
        this.clearing.set(order.id, done);
      }
    });
  }

  async placeOrder(userId: string, key: string, input: PlaceOrderInput): Promise<PlaceOrderResult> {
    const requestHash = requestHashOf(input);
    // A retry is answered from its key. A new order is not looked up first: its key is claimed
    // when the order is written (insertPending), which also answers a retry that comes while the
    // first is pending. Only a request the cart cannot serve asks the key first: a retry after
    // the order cleared its entries from the cart is the first order, not a 409.
    const earlier = () => this.store.replay(userId, key, requestHash);

    const cart = new YjsCart(await this.documents.getDocument(input.cartId));
    let chosen: [string, CartEntry][];
    if (input.tags) {
      // An entry's tag, or a line's (`lineTag`: its entries' tags joined), for clients that order
      // the lines of GET /api/cart. A tag is an entry's first, should a device's own tags have dots.
      const entries = new Map<string, CartEntry>();
      const missing: string[] = [];
      for (const tag of input.tags) {
        let found = cart.entriesFor([tag]);
        if (found.size === 0) {
          const parts = new Set(lineTagParts(tag));
          if (parts.size > 1) found = cart.entriesFor(parts);
          // A tag the server lacks means the device is ahead of the server: it must sync first.
          if (found.size < parts.size) missing.push(tag);
        }
        for (const [t, entry] of found) entries.set(t, entry);
      }
      if (missing.length) return earlier() ?? { ok: false, reason: 'cart_out_of_date', missingTags: missing };
      chosen = [...entries];
    } else chosen = [...cart.entries()];
    // Quantities follow the cart's read rule over exactly the chosen entries.
    const wanted = readEntries(chosen).lines;
    if (wanted.length === 0) return earlier() ?? { ok: false, reason: 'empty_cart' };

    // Priced from the catalog inside the transaction that writes the order (see insertPending).
    const price = (): OrderLine[] =>
      wanted.map(({ productId, quantity, tags }) => {
        const product = this.catalog.offer(productId);
        return {
          productId,
          title: product?.title ?? '',
          quantity,
          unitPrice: product?.price ?? { amount: 0, currency: 'USD' },
          tags,
        };
      });
    const inserted = await this.store.insertPending(userId, key, requestHash, {
      cartId: input.cartId,
      lines: price,
      addressId: input.addressId,
    });
    if (!inserted.ok || inserted.replayed) return inserted;
    const order = await this.awaitDecision(inserted.order);
    return { ok: true, order, replayed: false };
  }

  /** The answer to a retry of an order placed under this key, if there is one (no new order). */
  replay(userId: string, key: string, input: PlaceOrderInput): PlaceOrderResult | undefined {
    return this.store.replay(userId, key, requestHashOf(input));
  }

  /** Cancels the shopper's confirmed order and restocks it. */
  async cancel(userId: string, orderId: string): Promise<StoredOrder | 'not_found' | 'not_cancellable'> {
    const order = this.store.getForUser(userId, orderId);
    if (!order) return 'not_found';
    if (!(await this.stock.cancel(orderId))) return 'not_cancellable';
    const updated = this.store.get(orderId)!;
    this.emit('status', updated);
    return updated;
  }

  /** At start: decides orders left pending by a crash, and finishes clearing carts of confirmed ones. */
  async recover(): Promise<{ pending: number; carts: number }> {
    const pending = this.store.pendingIds();
    await Promise.all(pending.map((id) => this.writer.submit(id)));
    const uncleared = this.store.unclearedConfirmed();
    let carts = 0;
    for (const [cartId, orders] of byCart(uncleared)) {
      // One cart that cannot be edited does not keep the shop from starting.
      try {
        await this.clearCart(cartId, orders);
        carts += orders.length;
      } catch (err) {
        this.emit('error', err);
      }
    }
    return { pending: pending.length, carts };
  }

  private async awaitDecision(order: StoredOrder): Promise<StoredOrder> {
    let timer: NodeJS.Timeout | undefined;
    this.undecided.set(order.id, order);
    // The answer waits for the decision and for the cart edit it causes, so a client that reads
    // its cart after a confirmed order never sees the ordered lines again.
    const decision = this.writer.submit(order.id, order.lines).then(async (d) => {
      await this.clearing.get(order.id);
      return d;
    });
    const outcome = await Promise.race([
      decision,
      new Promise<'waiting'>((resolve) => {
        timer = setTimeout(() => resolve('waiting'), DECISION_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (outcome && outcome !== 'waiting') return decided(order, outcome);
    // Still pending (a slow or failed batch), or decided by another path (recovery): ask the store.
    this.undecided.delete(order.id);
    return this.store.get(order.id) ?? order;
  }

  /**
   * Clears the order's entries with those of the other orders of its cart confirmed in this turn
   * (the writer decides a batch synchronously; the clearing starts once it is done, in a microtask).
   */
  private clearLater(order: StoredOrder): Promise<void> {
    let batch = this.toClear.get(order.cartId);
    if (!batch) {
      if (this.toClear.size === 0) queueMicrotask(() => this.clearBatches());
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      batch = { orders: [], done, resolve, reject };
      this.toClear.set(order.cartId, batch);
    }
    batch.orders.push(order);
    return batch.done;
  }

  private clearBatches(): void {
    const batches = this.toClear;
    this.toClear = new Map();
    for (const [cartId, batch] of batches)
      this.clearCart(cartId, batch.orders).then(batch.resolve, batch.reject);
  }

  /**
   * Deletes exactly the orders' entries (all of one cart, in one Yjs transaction), so items added
   * meanwhile on another device stay.
   */
  private async clearCart(cartId: string, orders: StoredOrder[]): Promise<void> {
    const tags: string[] = [];
    for (const order of orders) for (const line of order.lines) tags.push(...line.tags);
    await this.documents.withDocument(cartId, (doc) => new YjsCart(doc).clear(tags));
    // The shopper's answer need not wait for this note: until it commits, a restart clears the
    // same entries again, which changes nothing.
    this.store.markCartCleared(orders.map((o) => o.id)).catch((err) => this.emit('error', err));
  }
}

interface ClearBatch {
  orders: StoredOrder[];
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function byCart(orders: StoredOrder[]): Map<string, StoredOrder[]> {
  const out = new Map<string, StoredOrder[]>();
  for (const order of orders) {
    const list = out.get(order.cartId);
    if (list) list.push(order);
    else out.set(order.cartId, [order]);
  }
  return out;
}

/** Node's one-shot digest where there is one (20.12+): no Hash object per order. */
const oneShotHash = (crypto as { hash?: (alg: string, data: string, enc: 'base64url') => string }).hash;

/** What identifies a request under its idempotency key: SHA-256 of its fields, base64url. */
export function requestHashOf(input: PlaceOrderInput): string {
  const text = JSON.stringify([input.cartId, input.tags ?? null, input.addressId ?? null]);
  if (oneShotHash) return oneShotHash('sha256', text, 'base64url');
  return createHash('sha256').update(text).digest('base64url');
}

/** The order as its decision left it (what the store holds after the writer's commit). */
function decided(order: StoredOrder, decision: Decision): StoredOrder {
  return {
    id: order.id,
    userId: order.userId,
    cartId: order.cartId,
    status: decision.status,
    lines: order.lines,
    total: order.total,
    ...(decision.status === 'rejected' ? { reasons: decision.reasons } : {}),
    addressId: order.addressId,
    createdAt: order.createdAt,
    updatedAt: decision.at,
  };
}
