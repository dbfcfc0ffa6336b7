import crypto, { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  type CartEntry,
  type FulfilmentStep,
  lineTagParts,
  type OrderLine,
  type OrderStatus,
  type PlaceOrderInput,
  readEntries,
  YjsCart,
} from '@shopsync/core';
import type { CartDocuments } from '../cart/carts.js';
import type { Catalog } from '../catalog/products.js';
import type { Decision, StockStore } from './stock.js';
import type { FulfilmentResult, OrderStore, StoredOrder } from './store.js';
import type { StockWriter } from './writer.js';

export type PlaceOrderResult =
  | { ok: true; order: StoredOrder; replayed: boolean }
  | { ok: false; reason: 'cart_out_of_date'; missingTags: string[] }
  | { ok: false; reason: 'already_ordered'; orderId: string | undefined }
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
  /**
   * The entries of orders not done with their cart yet (being placed, pending, or confirmed and
   * not yet cleared from the cart), by cart and tag: an entry is ordered once. Two tabs placing
   * the same cart at once with their own idempotency keys would otherwise both be confirmed, and
   * the shopper charged twice for one entry. In memory: orders are placed and decided by this
   * process, and a start decides every pending order and clears every confirmed one before the
   * shop serves (`recover`); a shop of several processes would keep these with its idempotency
   * keys, in the shared store.
   */
  private readonly claims = new Map<string, Map<string, Claim>>();
  private readonly claimsOf = new Map<string, { cartId: string; tags: string[]; claim: Claim }>();

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
      // A rejected order leaves its entries in the cart, free to order again.
      if (decision.status === 'rejected') this.release(decision.orderId);
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
    const result = await this.place(userId, key, input);
    return this.orEarlierVersion(userId, key, input, result) ?? result;
  }

  /**
   * A key stored before request hashes sorted their tags (2026-12-04) holds the hash of the tags
   * as sent: a retry of that request, within its key's 24 hours, is its order, not a 422.
   */
  private orEarlierVersion(
    userId: string,
    key: string,
    input: PlaceOrderInput,
    result: PlaceOrderResult | undefined,
  ): PlaceOrderResult | undefined {
    if (result?.ok !== false || result.reason !== 'idempotency_key_reused' || input.prices || !input.tags)
      return undefined;
    const text = JSON.stringify([input.cartId, input.tags, input.addressId ?? null]);
    const earlier = this.store.replay(userId, key, createHash('sha256').update(text).digest('base64url'));
    return earlier?.ok ? earlier : undefined;
  }

  private async place(userId: string, key: string, input: PlaceOrderInput): Promise<PlaceOrderResult> {
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
      if (missing.length) {
        // Gone because an order took them (another device's, or this one's under another key): the
        // shopper is shown that order, not asked to review a cart whose lines were bought.
        const orderId = this.store.orderedWith(userId, input.cartId, missing.flatMap(lineTagParts));
        return (
          earlier() ??
          (orderId
            ? { ok: false, reason: 'already_ordered', orderId }
            : { ok: false, reason: 'cart_out_of_date', missingTags: missing })
        );
      }
      chosen = [...entries];
    } else chosen = [...cart.entries()];
    // Quantities follow the cart's read rule over exactly the chosen entries.
    const wanted = readEntries(chosen).lines;
    if (wanted.length === 0) return earlier() ?? { ok: false, reason: 'empty_cart' };

    // Entries another order holds (another tab's, under another key) are not ordered again; a
    // request under the key that holds them goes on, to be answered as its retry.
    const tags = chosen.map(([tag]) => tag);
    const held = this.heldBy(input.cartId, tags, userId, key);
    if (held) return earlier() ?? { ok: false, reason: 'already_ordered', orderId: held.orderId };
    const claim = this.claim(input.cartId, tags, userId, key);

    // Priced inside the transaction that writes the order (see insertPending): at the price the
    // shopper reviewed when the request names one (the decision rejects it if that is not the
    // current price), else at the current one. A product gone since takes the order's currency
    // (its line is rejected `not_found`).
    const reviewed = new Map(input.prices?.map((p) => [p.productId, p.price]));
    const price = (): OrderLine[] => {
      const products = wanted.map(({ productId }) => this.catalog.offer(productId));
      const currency =
        products.find((p) => p)?.price.currency ?? reviewed.values().next().value?.currency ?? 'USD';
      return wanted.map(({ productId, quantity, tags }, i) => {
        const product = products[i];
        return {
          productId,
          title: product?.title ?? '',
          quantity,
          unitPrice: reviewed.get(productId) ?? product?.price ?? { amount: 0, currency },
          tags,
        };
      });
    };
    let inserted: Awaited<ReturnType<OrderStore['insertPending']>>;
    try {
      inserted = await this.store.insertPending(userId, key, requestHash, {
        cartId: input.cartId,
        lines: price,
        addressId: input.addressId,
      });
    } catch (err) {
      this.releaseClaim(input.cartId, tags, claim);
      throw err;
    }
    if (!inserted.ok || inserted.replayed) {
      this.releaseClaim(input.cartId, tags, claim);
      return inserted;
    }
    if (claim) {
      claim.orderId = inserted.order.id;
      this.claimsOf.set(inserted.order.id, { cartId: input.cartId, tags, claim });
    }
    const order = await this.awaitDecision(inserted.order);
    return { ok: true, order, replayed: false };
  }

  /** The claim another request (another user or key) holds on one of `tags`, if any. */
  private heldBy(cartId: string, tags: string[], userId: string, key: string): Claim | undefined {
    const held = this.claims.get(cartId);
    if (!held) return undefined;
    for (const tag of tags) {
      const claim = held.get(tag);
      if (claim && (claim.userId !== userId || claim.key !== key)) return claim;
    }
    return undefined;
  }

  /** Claims the free ones of `tags` for this request; undefined when all were its own already. */
  private claim(cartId: string, tags: string[], userId: string, key: string): Claim | undefined {
    let held = this.claims.get(cartId);
    if (!held) {
      held = new Map();
      this.claims.set(cartId, held);
    }
    let claim: Claim | undefined;
    for (const tag of tags) {
      if (held.has(tag)) continue;
      claim ??= { userId, key, orderId: undefined };
      held.set(tag, claim);
    }
    if (held.size === 0) this.claims.delete(cartId);
    return claim;
  }

  private releaseClaim(cartId: string, tags: string[], claim: Claim | undefined): void {
    if (!claim) return;
    const held = this.claims.get(cartId);
    if (!held) return;
    for (const tag of tags) if (held.get(tag) === claim) held.delete(tag);
    if (held.size === 0) this.claims.delete(cartId);
  }

  /** The order is done with its entries: rejected, or cleared from the cart. */
  private release(orderId: string): void {
    const claimed = this.claimsOf.get(orderId);
    if (!claimed) return;
    this.claimsOf.delete(orderId);
    this.releaseClaim(claimed.cartId, claimed.tags, claimed.claim);
  }

  /** The answer to a retry of an order placed under this key, if there is one (no new order). */
  replay(userId: string, key: string, input: PlaceOrderInput): PlaceOrderResult | undefined {
    const result = this.store.replay(userId, key, requestHashOf(input));
    return this.orEarlierVersion(userId, key, input, result) ?? result;
  }

  /**
   * Cancels the shopper's confirmed order and restocks it. Any other order is not cancellable,
   * and says its status: a shipped one has left the shop.
   */
  async cancel(
    userId: string,
    orderId: string,
  ): Promise<StoredOrder | 'not_found' | { notCancellable: OrderStatus }> {
    const order = this.store.getForUser(userId, orderId);
    if (!order) return 'not_found';
    if (!(await this.stock.cancel(orderId))) return { notCancellable: this.store.get(orderId)!.status };
    const updated = this.store.get(orderId)!;
    this.emit('status', updated);
    return updated;
  }

  /** The shop ships or delivers an order (OrderStore.fulfil); a change is told as any other. */
  fulfil(orderId: string, step: FulfilmentStep): FulfilmentResult {
    const result = this.store.fulfil(orderId, step);
    if (result.ok && result.changed) this.emit('status', result.order);
    return result;
  }

  /** At start: decides orders left pending by a crash, and finishes clearing carts of confirmed ones. */
  async recover(): Promise<{ pending: number; carts: number }> {
    const pending = this.store.pendingIds();
    await Promise.all(pending.map((id) => this.writer.submit(id)));
    const uncleared = this.store.unclearedSold();
    let carts = 0;
    for (const [cartId, orders] of byCart(uncleared)) {
      // One cart that cannot be edited does not keep the shop from starting; its orders' entries
      // stay claimed, so they are not ordered again before a start clears them.
      try {
        await this.clearCart(cartId, orders);
        carts += orders.length;
      } catch (err) {
        this.emit('error', err);
        for (const order of orders) {
          const tags = order.lines.flatMap((l) => l.tags);
          const claim = this.claim(cartId, tags, order.userId, '');
          if (claim) {
            claim.orderId = order.id;
            this.claimsOf.set(order.id, { cartId, tags, claim });
          }
        }
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
    for (const order of orders) this.release(order.id);
    // The shopper's answer need not wait for this note: until it commits, a restart clears the
    // same entries again, which changes nothing.
    this.store.markCartCleared(orders.map((o) => o.id)).catch((err) => this.emit('error', err));
  }
}

/** Entries held by one order request: its user and key, and its order once written. */
interface Claim {
  userId: string;
  key: string;
  orderId: string | undefined;
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
  // The same tags in another order, or named twice, are the same request; so are the same prices.
  const tags = input.tags ? [...new Set(input.tags)].sort() : null;
  const prices = input.prices
    ?.map((p) => [p.productId, p.price.amount, p.price.currency] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const fields = [input.cartId, tags, input.addressId ?? null];
  const text = JSON.stringify(prices ? [...fields, prices] : fields);
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
