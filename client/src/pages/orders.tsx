import { api } from '../api.js';
import { formatMoney } from '../format.js';
import { useTitle } from '../title.js';
import { placedAt, STATUS_TEXT } from './order-status.js';
import { ErrorNotice, useFetch } from './use-fetch.js';

export default function Orders() {
  const result = useFetch(() => api.orders(), 'orders');
  useTitle('Your orders');
  if (result.state === 'loading') return <p class="loading">Loading…</p>;
  if (result.state === 'error') {
    return result.error.status === 401 ? (
      <p>
        <a href="/signin?next=/orders">Sign in</a> to see your orders.
      </p>
    ) : (
      <ErrorNotice error={result.error} />
    );
  }
  const items = result.data.items;
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
              <tr key={o.id}>
                <td>
                  <a href={`/orders/${o.id}`}>{o.id}</a>
                </td>
                <td>{placedAt(o.createdAt)}</td>
                <td>{itemCount(o.lines.reduce((n, l) => n + l.quantity, 0))}</td>
                <td>{formatMoney(o.total)}</td>
                <td class={`status-${o.status}`}>{STATUS_TEXT[o.status]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** "1 item", "3 items": the count reads on its own where a phone hides the column names. */
const itemCount = (n: number) => `${n} item${n === 1 ? '' : 's'}`;
