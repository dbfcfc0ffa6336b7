import { api } from '../api.js';
import { escapeHtml } from '../format.js';
import { useTitle } from '../title.js';
import { ProductCard } from './product-card.js';
import { ErrorNotice, useFetch } from './use-fetch.js';

export default function Home() {
  const result = useFetch(
    () => api.search(new URLSearchParams({ q: '', sort: 'newest', pageSize: '12' })),
    'home',
  );
  // Best sellers when there are any; a shop with no orders yet shows what is new.
  const popular = useFetch(() => api.popular(8), 'popular');
  useTitle(null);
  if (result.state === 'loading') return <p class="loading">Loading the shop…</p>;
  if (result.state === 'error') return <ErrorNotice error={result.error} retry={result.retry} />;
  const { facets, hits } = result.data;
  const groups = departments(facets.category);
  return (
    <>
      <section class="hero">
        <h1>Everything you need, one cart on every device</h1>
        <p>Add on your phone, check out on your laptop. Your cart keeps working offline.</p>
      </section>
      <section aria-labelledby="departments">
        <h2 id="departments">
          {groups.length === 1 && !groups[0]!.paths ? 'Shop by category' : 'Shop by department'}
        </h2>
        <ul class="departments">
          {groups.map((d) => (
            // A group of many categories takes the whole row rather than a tall narrow card.
            <li key={d.name} class={`department${d.categories.length > 8 ? ' wide' : ''}`}>
              {(groups.length > 1 || d.paths) && <h3>{d.name}</h3>}
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

export interface Department {
  name: string;
  /** Grouped from category paths ("Electronics > Monitor"), not a list of flat categories. */
  paths: boolean;
  count: number;
  categories: { value: string; label: string; count: number }[];
}

/**
 * Categories that are paths ("Electronics > Monitor") group under their top level, biggest first;
 * flat ones ("Notebooks", as an imported catalog names them) are listed together after them,
 * biggest first, with the catch-all "Other" last.
 */
export function departments(categories: { value: string; count: number }[]): Department[] {
  const byName = new Map<string, Department>();
  const flat: { value: string; count: number }[] = [];
  for (const c of categories) {
    const [top, ...rest] = c.value.split(' > ');
    if (!rest.length) {
      flat.push(c);
      continue;
    }
    const name = top || c.value;
    const d = byName.get(name) ?? { name, paths: true, count: 0, categories: [] };
    d.count += c.count;
    d.categories.push({ value: c.value, label: rest.join(' › '), count: c.count });
    byName.set(name, d);
  }
  const rest: Department['categories'] = [];
  for (const c of flat) {
    // A flat category that is also a department's top level: the department's own "All".
    const d = byName.get(c.value);
    if (d) {
      d.count += c.count;
      d.categories.unshift({ value: c.value, label: 'All', count: c.count });
    } else rest.push({ value: c.value, label: c.value, count: c.count });
  }
  const grouped = [...byName.values()].sort((a, b) => b.count - a.count);
  rest.sort((a, b) => Number(a.value === 'Other') - Number(b.value === 'Other') || b.count - a.count);
  if (rest.length)
    grouped.push({
      name: grouped.length ? 'More categories' : 'Popular categories',
      paths: false,
      count: rest.reduce((n, c) => n + c.count, 0),
      categories: rest,
    });
  return grouped;
}
