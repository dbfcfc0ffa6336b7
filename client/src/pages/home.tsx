import { api } from '../api.js';
import { ProductCard } from './product-card.js';
import { ErrorNotice, useFetch } from './use-fetch.js';

export default function Home() {
  const result = useFetch(
    () => api.search(new URLSearchParams({ q: '', sort: 'newest', pageSize: '12' })),
    'home',
  );
  if (result.state === 'loading') return <p class="loading">Loading the shop…</p>;
  if (result.state === 'error') return <ErrorNotice error={result.error} />;
  const { facets, hits } = result.data;
  return (
    <>
      <section class="hero">
        <h1>Everything you need, one cart on every device</h1>
        <p>Add on your phone, check out on your laptop. Your cart keeps working offline.</p>
      </section>
      <section aria-labelledby="departments">
        <h2 id="departments">Shop by category</h2>
        <ul class="chips">
          {facets.category.slice(0, 16).map((c) => (
            <li key={c.value}>
              <a class="chip" href={`/search?category=${encodeURIComponent(c.value)}`}>
                {c.value} <small>{c.count}</small>
              </a>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="new">
        <h2 id="new">New in</h2>
        <ul class="grid">
          {hits.map((h) => (
            <ProductCard key={h.id} hit={h} />
          ))}
        </ul>
      </section>
    </>
  );
}
