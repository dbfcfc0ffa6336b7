import type { Order } from '@shopsync/core';
import { FINAL_STATUSES } from '@shopsync/core/order-status';
import { useEffect, useRef, useState } from 'preact/hooks';
import { addressText } from '../address.js';
import { type Address, ApiError, api, errorText } from '../api.js';
import { formatMoney } from '../format.js';
import { retryWhenOnline } from '../retry.js';
import { currentUser } from '../session.js';
import { useStore } from '../store.js';
import { useTitle } from '../title.js';
import { dateTime, STATUS_TEXT } from './order-status.js';
import { SignInPrompt } from './sign-in-prompt.js';
import { ErrorNotice, useFetch } from './use-fetch.js';

const REASONS = {
  out_of_stock: 'not enough in stock',
  price_changed: 'the price changed',
  not_found: 'no longer sold',
} as const;

export default function OrderPage({ params }: { params: string[] }) {
  const id = params[0]!;
  const user = useStore(currentUser);
  if (user === undefined) return <p class="loading">Loading…</p>;
  if (!user) return <SignInPrompt heading="Your order" next={`/orders/${id}`} what="this order" />;
  // Keyed by who is signed in: the order, its address and its live status are theirs alone.
  return <OrderView key={user.id} id={id} />;
}

function OrderView({ id }: { id: string }) {
  const result = useFetch(() => api.order(id), id);
  const [order, setOrder] = useState<Order | null>(null);
  const [address, setAddress] = useState<Address | null>(null);
  const missing = result.state === 'error' && result.error.status === 404;
  useTitle(missing ? 'Order not found' : `Order ${id}`);
  // After the shopper cancels, the button they used is gone: focus goes to the new status.
  const status = useRef<HTMLParagraphElement>(null);
  const focusStatus = useRef(false);
  useEffect(() => {
    if (focusStatus.current) status.current?.focus();
    focusStatus.current = false;
  }, [order]);
  const addressId = order?.addressId;
  useEffect(() => {
    if (!addressId) return;
    api.address(addressId).then(setAddress, () => undefined);
  }, [addressId]);
  useEffect(() => {
    if (result.state === 'ok') setOrder(result.data);
  }, [result]);
  // Live status: the server pushes each change (the decision, shipping, delivery, a cancel made
  // on another device) as a server-sent event, until the status is final. Only while the page is
  // in view: an open stream holds one of the six connections a browser keeps to the shop, and
  // order pages left open in background tabs would hold them for as long as the orders travel.
  // Back in view, the stream's first event is the order as it is now.
  const visible = usePageVisible();
  const live = order !== null && !FINAL_STATUSES.has(order.status) && visible;
  useEffect(() => {
    if (!live) return;
    const events = new EventSource(`/api/orders/${encodeURIComponent(id)}/events`);
    events.addEventListener('status', (e) => {
      const next = JSON.parse((e as MessageEvent<string>).data) as Order;
      setOrder(next);
      if (FINAL_STATUSES.has(next.status)) events.close();
    });
    return () => events.close();
  }, [live, id]);

  if (result.state === 'error') {
    // The session ended since this page knew (expired, signed out elsewhere).
    if (result.error.status === 401)
      return <SignInPrompt heading="Your order" next={`/orders/${id}`} what="this order" />;
    if (missing)
      return (
        <section>
          <h1>Order not found</h1>
          <p>
            There is no order {id} in your account: the link may be mistyped, or the order placed from another
            account.
          </p>
          <p>
            <a href="/orders">Your orders</a>
          </p>
        </section>
      );
    return <ErrorNotice error={result.error} retry={result.retry} />;
  }
  if (!order) return <p class="loading">Loading…</p>;
  return (
    <section class="order">
      <h1>Order {order.id}</h1>
      <p
        ref={status}
        tabIndex={-1}
        class={`status status-${order.status}`}
        data-testid="order-status"
        aria-live="polite"
      >
        {STATUS_TEXT[order.status]}
      </p>
      <p class="meta">
        {order.status === 'rejected' ? 'Tried' : 'Placed'} {dateTime(order.createdAt)}
        {address && (
          <>
            {' · '}Deliver to {addressText(address)}
          </>
        )}
      </p>
      {order.status === 'confirmed' && <p>Thank you! We have reserved your items.</p>}
      {order.status === 'shipped' && order.shippedAt && (
        <p>Shipped {dateTime(order.shippedAt)}: your order is on its way.</p>
      )}
      {order.status === 'delivered' && order.deliveredAt && <p>Delivered {dateTime(order.deliveredAt)}.</p>}
      {order.reasons && (
        <ul class="reasons">
          {order.reasons.map((r) => (
            <li key={r.productId}>
              {lineTitle(order.lines.find((l) => l.productId === r.productId))}: {REASONS[r.code]}
              {r.available !== undefined && ` (${r.available} available)`}
              {r.price && ` (now ${formatMoney(r.price)})`}
            </li>
          ))}
        </ul>
      )}
      <ul class="lines">
        {order.lines.map((l) => (
          <li key={l.productId} class="line">
            <a href={`/products/${encodeURIComponent(l.productId)}`} class="title">
              {lineTitle(l)}
            </a>
            <span>× {l.quantity}</span>
            <span class="price">
              {formatMoney({ amount: l.unitPrice.amount * l.quantity, currency: l.unitPrice.currency })}
            </span>
          </li>
        ))}
      </ul>
      {/* A refused order charged nothing: what it would have come to, not a total as if paid. */}
      {order.status === 'rejected' ? (
        <p class="subtotal not-charged" data-testid="order-total">
          Nothing was charged. The order would have come to {formatMoney(order.total)}.
        </p>
      ) : (
        <p class="subtotal" data-testid="order-total">
          Total: <strong>{formatMoney(order.total)}</strong>
        </p>
      )}
      {order.status === 'confirmed' && (
        <CancelOrder
          id={order.id}
          onChange={(next) => {
            focusStatus.current = true;
            setOrder(next);
          }}
        />
      )}
      {order.status === 'rejected' && (
        <p>
          Your cart is as it was.{' '}
          {order.reasons?.length ? (
            <>
              <a href={`/checkout?order=${encodeURIComponent(order.id)}`}>Fix it at checkout</a> or{' '}
            </>
          ) : null}
          <a href="/cart">Back to your cart</a>
        </p>
      )}
      {order.status === 'cancelled' && <p>This order was cancelled; its items went back on sale.</p>}
      <p>
        <a href="/orders">All orders</a>
      </p>
    </section>
  );
}

/**
 * Cancelling cannot be undone, so it asks first. A failure says why and leaves the order as it
 * is; when the order is no longer cancellable (cancelled on another device, or shipped), the page
 * shows it as it now is.
 */
function CancelOrder({ id, onChange }: { id: string; onChange: (order: Order) => void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The button that asked is gone: keyboard focus moves to the safe answer, and back to the
  // question's button when the shopper keeps the order.
  const keep = useRef<HTMLButtonElement>(null);
  const ask = useRef<HTMLButtonElement>(null);
  const kept = useRef(false);
  // Asking the shop how an order whose cancel lost its answer is now, while this is on the screen.
  const stopChecking = useRef<(() => void) | undefined>(undefined);
  useEffect(() => () => stopChecking.current?.(), []);
  useEffect(() => {
    if (asking) keep.current?.focus();
    else if (kept.current) ask.current?.focus();
    kept.current = false;
  }, [asking]);
  const cancel = () => {
    setBusy(true);
    setError(null);
    const sentOnline = navigator.onLine;
    api.cancelOrder(id).then(onChange, (err: unknown) => {
      setBusy(false);
      // Sent, and the answer lost: the shop may have cancelled it. Ask it until it answers.
      if (err instanceof ApiError && err.status === 0 && sentOnline) {
        setError(
          'The connection dropped before the shop answered. This page checks the order as soon as it can.',
        );
        stopChecking.current?.();
        stopChecking.current = retryWhenOnline(async () => {
          const now = await api.order(id);
          setError(
            now.status === 'cancelled'
              ? null
              : 'The order was not cancelled: the shop did not get the request.',
          );
          onChange(now);
          return true;
        });
        return;
      }
      // No longer confirmed (cancelled on another device, or shipped): show the order as it now is.
      if (err instanceof ApiError && err.status === 409) {
        api
          .order(id)
          .then(onChange, () => setError('The order was not cancelled. Reload to see it as it is now.'));
        return;
      }
      const why = errorText(err);
      setError(`The order was not cancelled. ${why[0]?.toUpperCase() ?? ''}${why.slice(1)}`);
    });
  };
  return (
    <div class="cancel-order">
      {asking ? (
        <p>
          Cancel this order? This cannot be undone.{' '}
          <button type="button" class="primary" disabled={busy} onClick={cancel}>
            Yes, cancel it
          </button>{' '}
          <button
            ref={keep}
            type="button"
            class="link"
            disabled={busy}
            onClick={() => {
              kept.current = true;
              setAsking(false);
            }}
          >
            Keep the order
          </button>
        </p>
      ) : (
        <button ref={ask} type="button" class="link" onClick={() => setAsking(true)}>
          Cancel this order
        </button>
      )}
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** Whether the page is in view (not a background tab, not a minimized window). */
function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const changed = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', changed);
    return () => document.removeEventListener('visibilitychange', changed);
  }, []);
  return visible;
}

/** A line's title; the shop keeps none for a product it no longer had when the order was made. */
function lineTitle(line: { title: string } | undefined): string {
  return line?.title || 'An item the shop no longer sells';
}
