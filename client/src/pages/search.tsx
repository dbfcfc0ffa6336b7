import { api } from '../api.js';
import { formatMoney } from '../format.js';
import { navigate } from '../router.js';
import { ProductCard } from './product-card.js';
import { ErrorNotice, useFetch } from './use-fetch.js';

const SORTS = [
  ['relevance', 'Relevance'],
  ['price_asc', 'Price: low to high'],
  ['price_desc', 'Price: high to low'],
  ['newest', 'Newest'],
] as const;

export default function Search({ url }: { url: URL }) {
  const params = new URLSearchParams(url.search);
  if (!params.has('pageSize')) params.set('pageSize', '24');
  const result = useFetch(() => api.search(params), params.toString());

  const change = (updates: Record<string, string | null>) => {
    const next = new URLSearchParams(url.search);
    for (const [k, v] of Object.entries(updates)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    if (!('page' in updates)) next.delete('page');
    navigate(`/search?${next}`);
  };

  const q = params.get('q') ?? '';
  const heading = q
    ? `Results for “${q}”`
    : (params.get('category') ?? params.get('brand') ?? 'All products');
  if (result.state === 'error') return <ErrorNotice error={result.error} />;
  const data = result.state === 'ok' ? result.data : null;
  const page = Number(params.get('page') ?? 1);
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;

  return (
    <div class="search-page">
      <aside class="facets" aria-label="Filters">
        {data && (
          <>
            <Facet
              title="Category"
              name="category"
              values={data.facets.category}
              selected={params.get('category')}
              onChange={change}
            />
            <Facet
              title="Brand"
              name="brand"
              values={data.facets.brand}
              selected={params.get('brand')}
              onChange={change}
            />
            <fieldset>
              <legend>Price</legend>
              {data.facets.price
                .filter((p) => p.count > 0)
                .map((p) => {
                  const label =
                    p.max === null
                      ? `${formatMoney({ amount: p.min, currency: 'USD' })} and up`
                      : `${formatMoney({ amount: p.min, currency: 'USD' })} – ${formatMoney({ amount: p.max, currency: 'USD' })}`;
                  const on =
                    params.get('minPrice') === String(p.min) &&
                    params.get('maxPrice') === (p.max === null ? null : String(p.max - 1));
                  return (
                    <label key={p.value} class="check">
                      <input
                        type="checkbox"
                        checked={on}
                        onChange={() =>
                          change(
                            on
                              ? { minPrice: null, maxPrice: null }
                              : {
                                  minPrice: String(p.min),
                                  maxPrice: p.max === null ? null : String(p.max - 1),
                                },
                          )
                        }
                      />
                      {label} <small>({p.count})</small>
                    </label>
                  );
                })}
            </fieldset>
            <label class="check">
              <input
                type="checkbox"
                checked={params.get('inStock') === 'true'}
                onChange={(e) => change({ inStock: (e.target as HTMLInputElement).checked ? 'true' : null })}
              />
              In stock only
            </label>
          </>
        )}
      </aside>
      <section class="results" aria-busy={result.state === 'loading'}>
        <div class="results-head">
          <h1>{heading}</h1>
          <label>
            Sort by{' '}
            <select
              value={params.get('sort') ?? 'relevance'}
              onChange={(e) => change({ sort: (e.target as HTMLSelectElement).value })}
            >
              {SORTS.map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </select>
          </label>
        </div>
        {!data && <p class="loading">Searching…</p>}
        {data && (
          <>
            <p class="count" data-testid="result-count">
              {data.total.toLocaleString()} result{data.total === 1 ? '' : 's'}
            </p>
            {data.correctedQuery && (
              <p class="corrected" data-testid="corrected-query">
                Showing results for <strong>{data.correctedQuery}</strong>
              </p>
            )}
            {data.total === 0 ? (
              <div class="empty">
                <p>Nothing matched. Check the spelling, use fewer words, or remove a filter.</p>
              </div>
            ) : (
              <ul class="grid">
                {data.hits.map((h) => (
                  <ProductCard key={h.id} hit={h} />
                ))}
              </ul>
            )}
            {pages > 1 && (
              <nav class="pager" aria-label="Pages">
                <button type="button" disabled={page <= 1} onClick={() => change({ page: String(page - 1) })}>
                  Previous
                </button>
                <span>
                  Page {page} of {pages}
                </span>
                <button
                  type="button"
                  disabled={page >= pages}
                  onClick={() => change({ page: String(page + 1) })}
                >
                  Next
                </button>
              </nav>
            )}
          </>
        )}
      </section>
    </div>
  );
}

function Facet(props: {
  title: string;
  name: string;
  values: { value: string; count: number }[];
  selected: string | null;
  onChange: (u: Record<string, string | null>) => void;
}) {
  if (props.values.length === 0) return null;
  return (
    <fieldset>
      <legend>{props.title}</legend>
      {props.values.slice(0, 12).map((v) => (
        <label key={v.value} class="check">
          <input
            type="checkbox"
            checked={props.selected === v.value}
            onChange={() => props.onChange({ [props.name]: props.selected === v.value ? null : v.value })}
          />
          {v.value} <small>({v.count})</small>
        </label>
      ))}
    </fieldset>
  );
}
