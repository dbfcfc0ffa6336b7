import type { Order } from '@shopsync/core';
import { useEffect, useState } from 'preact/hooks';
import { type Address, api } from '../api.js';
import { formatMoney } from '../format.js';
import { useTitle } from '../title.js';
import { placedAt, STATUS_TEXT } from './order-status.js';
import { ErrorNotice, useFetch } from './use-fetch.js';

const REASONS = {
  out_of_stock: 'not enough in stock',
  price_changed: 'the price changed',
  not_found: 'no longer sold',
} as const;

export default function OrderPage({ params }: { params: string[] }) {
  const id = params[0]!;
  const result = useFetch(() => api.order(id), id);
  const [order, setOrder] = useState<Order | null>(null);
  const [address, setAddress] = useState<Address | null>(null);
  useTitle(`Order ${id}`);
  const addressId = order?.addressId;
  useEffect(() => {
    if (!addressId) return;
    api.addresses().then(
      (r) => setAddress(r.items.find((a) => a.id === addressId) ?? null),
      () => undefined,
    );
  }, [addressId]);
  useEffect(() => {
    if (result.state === 'ok') setOrder(result.data);
  }, [result]);
  // Live status: the server pushes the decision as a server-sent event.
  useEffect(() => {
    if (order?.status !== 'pending') return;
    const events = new EventSource(`/api/orders/${encodeURIComponent(id)}/events`);
    events.addEventListener('status', (e) => {
      const next = JSON.parse((e as MessageEvent<string>).data) as Order;
      setOrder(next);
      if (next.status !== 'pending') events.close();
    });
    return () => events.close();
  }, [order?.status, id]);

  if (result.state === 'error') return <ErrorNotice error={result.error} />;
  if (!order) return <p class="loading">Loading…</p>;
  return (
    <section class="order">
      <h1>Order {order.id}</h1>
      <p class={`status status-${order.status}`} data-testid="order-status" aria-live="polite">
        {STATUS_TEXT[order.status]}
      </p>
      <p class="meta">
        Placed {placedAt(order.createdAt)}
        {address && (
          <>
            {' · '}Deliver to {address.name}, {address.line1}, {address.city} {address.postalCode},{' '}
            {address.country}
          </>
        )}
      </p>
      {order.status === 'confirmed' && <p>Thank you! We have reserved your items.</p>}
      {order.reasons && (
        <ul class="reasons">
          {order.reasons.map((r) => (
            <li key={r.productId}>
              {order.lines.find((l) => l.productId === r.productId)?.title ?? r.productId}: {REASONS[r.code]}
              {r.available !== undefined && ` (${r.available} available)`}
            </li>
          ))}
        </ul>
      )}
      <ul class="lines">
        {order.lines.map((l) => (
          <li key={l.productId} class="line">
            <a href={`/products/${encodeURIComponent(l.productId)}`} class="title">
              {l.title}
            </a>
            <span>× {l.quantity}</span>
            <span class="price">
              {formatMoney({ amount: l.unitPrice.amount * l.quantity, currency: l.unitPrice.currency })}
            </span>
          </li>
        ))}
      </ul>
      <p class="subtotal">
        Total: <strong>{formatMoney(order.total)}</strong>
      </p>
      {order.status === 'confirmed' && (
        <button
          type="button"
          class="link"
          onClick={() => api.cancelOrder(order.id).then(setOrder, () => undefined)}
        >
          Cancel this order
        </button>
      )}
      <p>
        <a href="/orders">All orders</a>
      </p>
    </section>
  );
}
