import type { OrderLine, RejectReason } from '@shopsync/core';
import type { Db } from '../db.js';

export interface Decision {
  orderId: string;
  status: 'confirmed' | 'rejected';
  reasons: RejectReason[];
  /** When it was decided (the order's updatedAt). */
  at: number;
}

/**
 * Where stock lives. `decide` takes a batch of pending orders and, in one commit, confirms each
 * order whose every line is in stock at its snapshot price (decrementing stock and writing the
 * ledger) or rejects it with a reason per line: all or nothing per order, never partial.
 * The embedded default is SQLite and answers at once; a Postgres store would implement the same
 * interface answering with promises (the writer and the checkout await them, and take a plain
 * value as it is), deciding a batch in one transaction with the same guard (`stock >= units`).
 */
export interface StockStore {
  /**
   * `known`: lines of orders the caller holds in memory (just placed by this process), so they
   * need not be read back; any other order is read from the store.
   */
  decide(orderIds: string[], known?: ReadonlyMap<string, OrderLine[]>): Decision[] | Promise<Decision[]>;
  /**
   * Cancels a confirmed order and puts its units back; false when it is not confirmed (rejected,
   * cancelled, or shipped: shipped goods are not on the shelf).
   */
  cancel(orderId: string): boolean | Promise<boolean>;
}

interface ProductStock {
  stock: number;
  price_amount: number;
  currency: string;
}

export class SqliteStockStore implements StockStore {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.stmts = {
      order: db.prepare(`SELECT status, lines FROM orders WHERE id = ?`),
      product: db.prepare('SELECT stock, price_amount, currency FROM products WHERE id = ?'),
      // The version moves with the stock: it is the product's ETag, and a client revalidating a
      // product (If-None-Match) must not hear that a stock level taken before orders is current,
      // nor may a vendor's edit made on it (If-Match) overwrite the units orders took since.
      decrement: db.prepare(
        'UPDATE products SET stock = stock - ?, version = version + 1, updated_at = ? WHERE id = ? AND stock >= ?',
      ),
      increment: db.prepare(
        'UPDATE products SET stock = stock + ?, version = version + 1, updated_at = ? WHERE id = ?',
      ),
      movement: db.prepare(
        'INSERT INTO stock_movements (product_id, delta, reason, order_id, at) VALUES (?, ?, ?, ?, ?)',
      ),
      // 'stock': only the stock moved (orders, cancels); search reads it from the row, not the text.
      change: db.prepare(`INSERT INTO product_changes (product_id, op, at) VALUES (?, 'stock', ?)`),
      // Only a confirmed order: one shipped meanwhile (store.ts) has left, and keeps its stock.
      cancelled: db.prepare(
        `UPDATE orders SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'confirmed'`,
      ),
      settle: db.prepare(
        `UPDATE orders SET status = ?, reasons = ?, updated_at = ? WHERE id = ? AND status = 'pending'`,
      ),
    };
  }

  decide(orderIds: string[], known?: ReadonlyMap<string, OrderLine[]>): Decision[] {
    return this.db
      .transaction(() => {
        const batch: Batch = { products: new Map(), taken: new Map() };
        const decisions = orderIds.flatMap((id) => this.decideOne(id, known?.get(id), batch) ?? []);
        // Each product's stock moves once for the batch, by the units its confirmed orders took
        // (checked against the stock read in this transaction, so the guard cannot fail), with one
        // change-feed entry, however many orders; the ledger keeps a movement per order line.
        const at = this.now();
        for (const [productId, units] of batch.taken) {
          // If it did fail, stock would be wrong: the whole batch rolls back instead.
          if (this.stmts.decrement.run(units, at, productId, units).changes !== 1)
            throw new Error(`stock for ${productId} moved inside its own transaction`);
          this.stmts.change.run(productId, at);
        }
        return decisions;
      })
      .immediate();
  }

  cancel(orderId: string): boolean {
    return this.db
      .transaction(() => {
        // Settled first, as a decision is: the stock goes back only if this statement moved the
        // order out of `confirmed`, so of a cancel and a ship (or two cancels) racing, only the
        // first wins, in this process or another.
        const at = this.now();
        if (this.stmts.cancelled.run(at, orderId).changes === 0) return false;
        const row = this.stmts.order.get(orderId) as { status: string; lines: string };
        for (const line of JSON.parse(row.lines) as OrderLine[]) {
          // A product deleted since keeps no stock to return to.
          if (this.stmts.increment.run(line.quantity, at, line.productId).changes === 0) continue;
          this.stmts.movement.run(line.productId, line.quantity, 'cancel', orderId, at);
          this.stmts.change.run(line.productId, at);
        }
        return true;
      })
      .immediate();
  }

  /** Inside the batch transaction. An order no longer pending (a recovered duplicate) is skipped. */
  private decideOne(orderId: string, known: OrderLine[] | undefined, batch: Batch): Decision | undefined {
    let lines = known;
    if (!lines) {
      const row = this.stmts.order.get(orderId) as { status: string; lines: string } | undefined;
      if (row?.status !== 'pending') return undefined;
      lines = JSON.parse(row.lines) as OrderLine[];
    }
    const reasons: RejectReason[] = [];
    // Units each product would give this order, so two lines of one product are checked together.
    let wanted: Map<string, number> | undefined;
    for (const line of lines) {
      const p = this.productIn(batch, line.productId);
      if (!p) reasons.push({ productId: line.productId, code: 'not_found' });
      else if (p.price_amount !== line.unitPrice.amount || p.currency !== line.unitPrice.currency) {
        reasons.push({
          productId: line.productId,
          code: 'price_changed',
          price: { amount: p.price_amount, currency: p.currency },
        });
      } else {
        const before = wanted?.get(line.productId) ?? 0;
        if (p.stock - before < line.quantity) {
          reasons.push({ productId: line.productId, code: 'out_of_stock', available: p.stock });
        } else if (lines.length > 1) {
          wanted ??= new Map();
          wanted.set(line.productId, before + line.quantity);
        }
      }
    }
    const at = this.now();
    if (reasons.length) {
      if (this.stmts.settle.run('rejected', JSON.stringify(reasons), at, orderId).changes === 0)
        return undefined;
      return { orderId, status: 'rejected', reasons, at };
    }
    // Settled first: an order no longer pending (decided before) must not move stock again.
    if (this.stmts.settle.run('confirmed', null, at, orderId).changes === 0) return undefined;
    for (const line of lines) {
      // The units leave the batch's stock now; the product's row moves once, at the batch's end.
      const p = batch.products.get(line.productId)!;
      p.stock -= line.quantity;
      batch.taken.set(line.productId, (batch.taken.get(line.productId) ?? 0) + line.quantity);
      this.stmts.movement.run(line.productId, -line.quantity, 'order', orderId, at);
    }
    return { orderId, status: 'confirmed', reasons: [], at };
  }

  /** The product as this batch sees it: read once, its stock less what the batch's orders took. */
  private productIn(batch: Batch, productId: string): ProductStock | undefined {
    let p = batch.products.get(productId);
    if (p === undefined) {
      p = (this.stmts.product.get(productId) as ProductStock | undefined) ?? null;
      batch.products.set(productId, p);
    }
    return p ?? undefined;
  }
}

/** What one decision batch has read and taken, inside its transaction. */
interface Batch {
  /** Each product read (null: none such), its stock less the units taken in this batch. */
  products: Map<string, ProductStock | null>;
  /** Units taken per product by the batch's confirmed orders, not yet written to its row. */
  taken: Map<string, number>;
}
