import type { Order } from '@shopsync/core';
import { useState } from 'preact/hooks';
import { ApiError, api, asApiError } from '../api.js';
import { formatMoney } from '../format.js';
import { currentUser } from '../session.js';
import { useStore } from '../store.js';
import { useTitle } from '../title.js';
import { dateTime, STATUS_TEXT } from './order-status.js';
import { SignInPrompt } from './sign-in-prompt.js';
import { ErrorNotice, useFetch } from './use-fetch.js';

/** Orders a page of the list shows, and each "Show older orders" adds. */
const PAGE = 20;

export default function Orders() {
  const user = useStore(currentUser);
  useTitle('Your orders');
  if (user === undefined) return <p class="loading">Loading…</p>;
  if (!user) return <SignInPrompt heading="Your orders" next="/orders" what="your orders" />;
  // Another shopper signed in (or the same one again) starts from their own first page.
  return <OrderList key={user.id} />;
}

function OrderList() {
  const result = useFetch(() => api.orders(PAGE), 'orders');
  // Older pages, added below the first by "Show older orders".
  const [older, setOlder] = useState<{ items: Order[]; next: string | null } | null>(null);
  const [loading, setLoading] = useState<'idle' | 'busy' | ApiError>('idle');
  if (result.state === 'loading') return <p class="loading">Loading…</p>;
  if (result.state === 'error') {
    return result.error.status === 401 ? (
      <SignInPrompt heading="Your orders" next="/orders" what="your orders" />
    ) : (
      <ErrorNotice error={result.error} retry={result.retry} />
    );
  }
  const items = older ? [...result.data.items, ...older.items] : result.data.items;
  const next = older ? older.next : result.data.next;
  const showOlder = async () => {
    if (!next) return;
    setLoading('busy');
    try {
      const page = await api.orders(PAGE, next);
      setOlder({ items: [...(older?.items ?? []), ...page.items], next: page.next });
      setLoading('idle');
    } catch (err) {
      setLoading(asApiError(err));
    }
  };
  return (
    <section>
      <h1>Your orders</h1>
      {items.length === 0 ? (
        <p class="empty">No orders yet.</p>
      ) : (
        <table class="orders">
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Placed</th>
              <th scope="col">Items</th>
              <th scope="col">Total</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {items.map((o) => (
              <tr key={o.id} class={o.status === 'rejected' ? 'not-placed' : undefined}>
                <td>
                  <a href={`/orders/${o.id}`}>{o.id}</a>
                </td>
                <td>{dateTime(o.createdAt)}</td>
                <td>{itemCount(o.lines.reduce((n, l) => n + l.quantity, 0))}</td>
                {/* A refused order charged nothing: no total as if paid. */}
                <td>{o.status === 'rejected' ? 'Not charged' : formatMoney(o.total)}</td>
                <td class={`status-${o.status}`}>{STATUS_TEXT[o.status]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {loading instanceof ApiError && <ErrorNotice error={loading} retry={showOlder} />}
      {next && (
        <p class="more">
          <button type="button" disabled={loading === 'busy'} onClick={showOlder}>
            {loading === 'busy' ? 'Loading…' : 'Show older orders'}
          </button>
        </p>
      )}
    </section>
  );
}

/** "1 item", "3 items": the count reads on its own where a phone hides the column names. */
const itemCount = (n: number) => `${n} item${n === 1 ? '' : 's'}`;
