import { type OrderLine, type OrderStatus, SOLD_STATUSES } from '@shopsync/core';
import type { Db } from '../db.js';

export interface LedgerProblem {
  productId?: string;
  orderId?: string;
  problem: string;
}

/**
 * Audits stock against the ledger and the orders:
 * - every product's stock equals the sum of its movements (initial, adjustments, orders, cancels);
 * - every order that took stock (confirmed, shipped, delivered or cancelled) has exactly one
 *   `order` movement per line, of its quantity, and every cancelled order its `cancel` movements;
 *   pending and rejected orders have none, and only cancelled ones give stock back;
 * - no stock is negative.
 * So for every product: initial stock = current stock + units sold (in confirmed, shipped and
 * delivered orders). Reads only what every schema version has: the check runs beside a shop of
 * another build (ledger-cli.ts).
 */
export function checkLedger(db: Db): LedgerProblem[] {
  const problems: LedgerProblem[] = [];
  const rows = db
    .prepare(`SELECT p.id, p.stock, COALESCE(SUM(m.delta), 0) AS total FROM products p
      LEFT JOIN stock_movements m ON m.product_id = p.id GROUP BY p.id`)
    .all() as { id: string; stock: number; total: number }[];
  for (const r of rows) {
    if (r.stock < 0) problems.push({ productId: r.id, problem: `negative stock ${r.stock}` });
    if (r.stock !== r.total) {
      problems.push({ productId: r.id, problem: `stock ${r.stock} but the ledger sums to ${r.total}` });
    }
  }
  const movements = new Map<string, { order: Map<string, number>; cancel: Map<string, number> }>();
  for (const m of db
    .prepare(`SELECT order_id, product_id, reason, SUM(delta) AS delta, COUNT(*) AS n FROM stock_movements
      WHERE order_id IS NOT NULL GROUP BY order_id, product_id, reason`)
    .all() as { order_id: string; product_id: string; reason: string; delta: number; n: number }[]) {
    const entry = movements.get(m.order_id) ?? { order: new Map(), cancel: new Map() };
    if (m.reason === 'order') entry.order.set(m.product_id, -m.delta);
    else if (m.reason === 'cancel') entry.cancel.set(m.product_id, m.delta);
    if (m.n !== 1)
      problems.push({
        orderId: m.order_id,
        productId: m.product_id,
        problem: `${m.n} ${m.reason} movements`,
      });
    movements.set(m.order_id, entry);
  }
  for (const o of db.prepare('SELECT id, status, lines FROM orders').all() as {
    id: string;
    status: OrderStatus;
    lines: string;
  }[]) {
    const moved = movements.get(o.id);
    movements.delete(o.id);
    const decrements = SOLD_STATUSES.has(o.status) || o.status === 'cancelled';
    for (const line of JSON.parse(o.lines) as OrderLine[]) {
      const out = moved?.order.get(line.productId) ?? 0;
      if (out !== (decrements ? line.quantity : 0)) {
        problems.push({
          orderId: o.id,
          productId: line.productId,
          problem: `${o.status} order moved ${out} of ${line.quantity}`,
        });
      }
    }
    if (o.status !== 'cancelled' && moved && moved.cancel.size > 0) {
      problems.push({ orderId: o.id, problem: `${o.status} order has cancel movements` });
    }
  }
  for (const orderId of movements.keys())
    problems.push({ orderId, problem: 'movements for an unknown order' });
  return problems;
}
