import { api } from '../api.js';
import { escapeHtml } from '../format.js';
import { ProductCard } from './product-card.js';
import { ErrorNotice, useFetch } from './use-fetch.js';

export default function Home() {
  const result = useFetch(
    () => api.search(new URLSearchParams({ q: '', sort: 'newest', pageSize: '12' })),
    'home',
  );
  // Best sellers when there are any; a shop with no orders yet shows what is new.
  const popular = useFetch(() => api.popular(8), 'popular');
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
        <h2 id="departments">Shop by department</h2>
        <ul class="departments">
          {departments(facets.category).map((d) => (
            <li key={d.name} class="department">
              <h3>{d.name}</h3>
              <ul class="chips">
                {d.categories.map((c) => (
                  <li key={c.value}>
                    <a class="chip" href={`/search?category=${encodeURIComponent(c.value)}`}>
                      {c.label} <small>{c.count}</small>
                    </a>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      </section>
      {popular.state === 'ok' && popular.data.items.length > 0 && (
        <section aria-labelledby="popular">
          <h2 id="popular">Popular right now</h2>
          <ul class="grid" data-testid="popular">
            {popular.data.items.map((p) => (
              <ProductCard
                key={p.id}
                hit={{
                  ...p,
                  image: p.images[0] ?? null,
                  score: 0,
                  highlights: { title: escapeHtml(p.title) },
                }}
              />
            ))}
          </ul>
        </section>
      )}
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

interface Department {
  name: string;
  count: number;
  categories: { value: string; label: string; count: number }[];
}

/** Categories are paths ("Electronics > Monitor"): group them under their top level, biggest first. */
function departments(categories: { value: string; count: number }[]): Department[] {
  const byName = new Map<string, Department>();
  for (const c of categories) {
    const [top, ...rest] = c.value.split(' > ');
    const name = top || c.value;
    const d = byName.get(name) ?? { name, count: 0, categories: [] };
    d.count += c.count;
    d.categories.push({ value: c.value, label: rest.length ? rest.join(' › ') : 'All', count: c.count });
    byName.set(name, d);
  }
  return [...byName.values()].sort((a, b) => b.count - a.count);
}
