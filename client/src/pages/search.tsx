import type { SearchResult } from '@shopsync/core';
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatMoney } from '../format.js';
import { GAP, pageNumbers } from '../pager.js';
import { navigate, plainClick, route } from '../router.js';
import { apiSearchParams } from '../search-params.js';
import { useTitle } from '../title.js';
import { ProductCard } from './product-card.js';
import { ErrorNotice, useFetch } from './use-fetch.js';

const SORTS = [
  ['relevance', 'Relevance'],
  ['price_asc', 'Price: low to high'],
  ['price_desc', 'Price: high to low'],
  ['newest', 'Newest'],
] as const;

/** Where the filters fold above the results rather than stand beside them (styles.css). */
const phone = matchMedia('(max-width: 760px)');

export default function Search({ url }: { url: URL }) {
  const params = apiSearchParams(url.search);
  // Every brand and category a shopper can choose from, up to the API's most (FACET_LIMIT in
  // @shopsync/core); the answer says how many there are (`facetCounts`).
  params.set('facetLimit', '200');
  const q = params.get('q') ?? '';
  const key = params.toString();
  // Each answer keeps the words it answered: the last one stays while the next loads; and what it
  // answers (`key`), to tell the answer to this very search from the one before it.
  const result = useFetch(async () => ({ ...(await api.search(params)), q, key }), key);
  const folder = useRef<HTMLDetailsElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const results = useRef<HTMLElement>(null);

  const change = (updates: Record<string, string | null>, replace = false) =>
    navigate(searchWith(url.search, updates), replace);
  // Arrow keys move a radio group's choice (and a sort list's) one value at a time, each one
  // applied: a run of them through one filter is one choice, not one per value passed. Its first
  // change adds a history entry and the rest replace that one, so Back undoes the run at once
  // rather than step back through every brand on the way; a click, Space or another filter adds
  // an entry of its own, as the filter links of a big shop do (Back undoes the last filter).
  const arrowKey = useRef(false);
  const arrowRun = useRef<{ filter: string; at: string } | null>(null);
  const choose = (updates: Record<string, string | null>) => {
    const filter = Object.keys(updates).join();
    const here = () => location.pathname + location.search;
    const byArrow = arrowKey.current;
    change(updates, byArrow && arrowRun.current?.filter === filter && arrowRun.current.at === here());
    arrowRun.current = byArrow ? { filter, at: here() } : null;
  };
  useEffect(() => {
    // Whether the change under way comes of an arrow key: it fires between keydown and keyup.
    const down = (e: KeyboardEvent) => {
      arrowKey.current = e.key.startsWith('Arrow');
    };
    const up = () => {
      arrowKey.current = false;
    };
    // A keyup that never comes (focus left the window with the key down) must not make the next
    // click part of an arrow run: a pointer or the window losing focus ends it too.
    addEventListener('keydown', down, true);
    addEventListener('keyup', up, true);
    addEventListener('pointerdown', up, true);
    addEventListener('blur', up);
    return () => {
      removeEventListener('keydown', down, true);
      removeEventListener('keyup', up, true);
      removeEventListener('pointerdown', up, true);
      removeEventListener('blur', up);
    };
  }, []);

  const fresh = result.state === 'ok' ? result.data : null;
  // While the next answer loads, the last one stays (marked busy): the filters stay where they
  // are, open or folded, with the focus on the choice just made, rather than vanish and return.
  const last = useRef<(SearchResult & { q: string; key: string }) | null>(null);
  if (fresh) last.current = fresh;
  const data = fresh ?? last.current;
  // A query read as a typo was searched as corrected: the heading names the words searched (the
  // note below the count offers the words as typed). Only the answer to these very words counts.
  const corrected = data?.q === q ? data.correctedQuery : undefined;
  const title = q
    ? `Results for “${corrected ?? q}”`
    : (params.get('category') ?? params.get('brand') ?? 'All products');
  const page = Number(params.get('page') ?? 1);
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  // Only the answer to this very page says it is past the last (not the one before it).
  const pastLast = fresh !== null && fresh.page === page && page > pages;
  useTitle(title);
  useFocusAfterResultsChange(results, heading, result.state === 'error' || fresh?.key === key);
  // A page past the last (an old link, results that shrank) shows the last page instead.
  useEffect(() => {
    if (pastLast) change({ page: pages > 1 ? String(pages) : null }, true);
  }, [pastLast, pages]);
  if (result.state === 'error') return <ErrorNotice error={result.error} retry={result.retry} />;
  const prices = data?.facets.price.filter((p) => p.count > 0) ?? [];
  const filters = ['brand', 'category', 'minPrice', 'maxPrice', 'inStock'].filter((k) => params.has(k));
  const clearFilters = () => change(Object.fromEntries(filters.map((k) => [k, null])));
  // A price range is one filter, though two parameters.
  const chosen = filters.filter((k) => k !== 'maxPrice' || !params.has('minPrice')).length;
  // On a phone the open filters fill the screen above the results: fold them and bring the
  // results into view, when the shopper asks to see them or turns the page.
  const showResults = () => {
    if (!phone.matches || !folder.current) return;
    folder.current.open = false;
    // The folded "Filters (n)" line, then the results, just below the sticky header (two rows on
    // a phone, three when signed in).
    const header = document.querySelector('header.top')?.getBoundingClientRect().height ?? 0;
    window.scrollTo(0, folder.current.getBoundingClientRect().top + scrollY - header - 8);
  };
  const turnTo = (to: number) => {
    change({ page: to > 1 ? String(to) : null });
    showResults();
  };

  return (
    <div class="search-page">
      <aside class="facets" aria-label="Filters">
        {data && (data.total > 0 || filters.length > 0) && (
          // Open beside the results on a wide screen; on a phone, one tap away above them.
          <details ref={folder} open={!phone.matches}>
            <summary>Filters{chosen > 0 && ` (${chosen})`}</summary>
            <Facet
              title="Category"
              name="category"
              values={data.facets.category}
              total={data.facetCounts?.category}
              selected={params.get('category')}
              onChange={choose}
            />
            <Facet
              title="Brand"
              name="brand"
              values={data.facets.brand}
              total={data.facetCounts?.brand}
              selected={params.get('brand')}
              onChange={choose}
            />
            {prices.length > 0 && (
              <fieldset>
                <legend>Price</legend>
                <AnyChoice
                  name="price"
                  label="Any price"
                  checked={!params.has('minPrice') && !params.has('maxPrice')}
                  onChoose={() => choose({ minPrice: null, maxPrice: null })}
                />
                {prices.map((p) => {
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
                        type="radio"
                        name="price"
                        checked={on}
                        onChange={() =>
                          choose({
                            minPrice: String(p.min),
                            maxPrice: p.max === null ? null : String(p.max - 1),
                          })
                        }
                      />
                      {label} <small>({p.count})</small>
                    </label>
                  );
                })}
              </fieldset>
            )}
            <label class="check">
              <input
                type="checkbox"
                checked={params.get('inStock') === 'true'}
                onChange={(e) => change({ inStock: (e.target as HTMLInputElement).checked ? 'true' : null })}
              />
              In stock only
            </label>
            <button
              type="button"
              class="primary show-results"
              onClick={() => {
                showResults();
                // The button folds away with the filters: the focus goes on to what it shows.
                heading.current?.focus({ preventScroll: true });
              }}
            >
              {fresh
                ? `Show ${fresh.total.toLocaleString()} result${fresh.total === 1 ? '' : 's'}`
                : 'Show results'}
            </button>
          </details>
        )}
      </aside>
      <section ref={results} class="results" aria-busy={result.state === 'loading'}>
        <div class="results-head">
          {/* Takes the focus when the results change from within them (useFocusAfterResultsChange). */}
          <h1 ref={heading} tabIndex={-1}>
            {title}
          </h1>
          {data?.total !== 0 && (
            <label>
              Sort by{' '}
              <select
                value={params.get('sort') ?? 'relevance'}
                onChange={(e) => choose({ sort: (e.target as HTMLSelectElement).value })}
              >
                {SORTS.map(([v, l]) => (
                  <option key={v} value={v}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
        {/* A polite live region, mounted before the count comes: a screen reader hears the
            new count after a filter, sort or page, as a sighted shopper sees it change; and which
            page of them, so that a page turned (the count the same) is heard too. */}
        <div role="status" aria-atomic="true">
          {data ? (
            <p class="count">
              <span data-testid="result-count">
                {data.total.toLocaleString()} result{data.total === 1 ? '' : 's'}
              </span>
              {pages > 1 && data.page <= pages && `, page ${data.page} of ${pages}`}
            </p>
          ) : (
            <p class="loading">Searching…</p>
          )}
        </div>
        {data && (
          <>
            {corrected && (
              <p class="corrected" data-testid="corrected-query">
                Showing results for <strong>{corrected}</strong>. Search instead for{' '}
                <a href={searchWith(url.search, { exact: '1' })}>{q}</a>
              </p>
            )}
            {data.total === 0 ? (
              <div class="empty">
                {filters.length > 0 ? (
                  <p>
                    Nothing matched with these filters.{' '}
                    <button type="button" class="link" onClick={clearFilters}>
                      Clear the filters
                    </button>
                  </p>
                ) : (
                  <>
                    <p>Nothing matched. Check the spelling or use fewer words.</p>
                    <PopularCategories />
                  </>
                )}
              </div>
            ) : (
              <ul class="grid">
                {data.hits.map((h) => (
                  <ProductCard key={h.id} hit={h} />
                ))}
              </ul>
            )}
            {pages > 1 && (
              <Pager
                page={page}
                pages={pages}
                href={(n) => searchWith(url.search, { page: n > 1 ? String(n) : null })}
                onTurn={turnTo}
              />
            )}
          </>
        )}
      </section>
    </div>
  );
}

/**
 * A change of the results begun among them (a page turned, "Clear the filters", the words as
 * typed, a popular category) keeps this page, so the Router, which moves the focus when the path
 * changes, leaves it where it was: on a pager link replaced or scrolled out of view, or on a
 * button gone with the empty result. Such a change brings the focus to the results' heading
 * once the new answer shows (`ready`), as a new page would. The filters, the sort and the search
 * box keep their focus: their changes do not begin among the results, or not with a click.
 */
function useFocusAfterResultsChange(
  results: RefObject<HTMLElement>,
  heading: RefObject<HTMLElement>,
  ready: boolean,
) {
  const pending = useRef(false);
  useEffect(() => {
    // Whether a click in the results is being handled: a link followed (by the router, on the
    // window) or a button's change comes within it.
    let clicking = false;
    const start = (e: MouseEvent) => {
      clicking = !!results.current?.contains(e.target as Node);
    };
    const end = () => {
      clicking = false;
    };
    addEventListener('click', start, true);
    addEventListener('click', end);
    // Any other change (a filter, Back) cancels one still waiting for its answer.
    const stop = route.subscribe(() => {
      pending.current = clicking;
    });
    return () => {
      removeEventListener('click', start, true);
      removeEventListener('click', end);
      stop();
    };
  }, []);
  useEffect(() => {
    if (!pending.current || !ready) return;
    pending.current = false;
    (heading.current ?? document.getElementById('main'))?.focus({ preventScroll: true });
  });
}

/** Somewhere to go from an empty result: the catalog's biggest categories. */
function PopularCategories() {
  const all = useFetch(() => api.search(new URLSearchParams({ q: '', pageSize: '1' })), 'all-categories');
  if (all.state !== 'ok') return null;
  const categories = all.data.facets.category.filter((c) => c.value !== 'Other').slice(0, 12);
  if (categories.length === 0) return null;
  return (
    <nav aria-label="Popular categories">
      <p>Or browse a popular category:</p>
      <ul class="chips">
        {categories.map((c) => (
          <li key={c.value}>
            <a class="chip" href={`/search?category=${encodeURIComponent(c.value)}`}>
              {c.value}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The choice that clears a single-choice filter: "Any brand". */
function AnyChoice(props: { name: string; label: string; checked: boolean; onChoose: () => void }) {
  return (
    <label class="check">
      <input type="radio" name={props.name} checked={props.checked} onChange={props.onChoose} />
      {props.label}
    </label>
  );
}

/** How many of a filter's values show until the shopper asks for all of them. */
const FACET_VALUES = 12;

/**
 * One filter's values with their counts; one value at a time (radios), or any. The commonest
 * show first; "Show all N" shows the rest. The server lists up to 200 values of a facet
 * (`facetLimit`); `total` says how many there are, so a longer list is offered as "Show 200 of
 * 1,310", never as all.
 */
function Facet(props: {
  title: string;
  name: string;
  values: { value: string; count: number }[];
  /** How many values the matches have, when the server said (`facetCounts`). */
  total?: number | undefined;
  selected: string | null;
  onChange: (u: Record<string, string | null>) => void;
}) {
  const [all, setAll] = useState(false);
  if (props.values.length === 0) return null;
  const more = props.values.length > FACET_VALUES;
  // The chosen value may be listed past the commonest (the server keeps it in view).
  const listed = props.values.length;
  const total = Math.max(listed, props.total ?? 0);
  // The chosen value stays in view even when it is not among the commonest.
  const shown = all ? [...props.values] : props.values.slice(0, FACET_VALUES);
  // A filter ignores case and spacing ("hp" selects HP), and so does the choice shown.
  const key = (v: string | null) => v?.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
  const isChosen = (v: { value: string }) => props.selected !== null && key(v.value) === key(props.selected);
  const chosen = props.values.find(isChosen);
  if (chosen && !shown.includes(chosen)) shown.push(chosen);
  return (
    <fieldset>
      <legend>{props.title}</legend>
      <AnyChoice
        name={props.name}
        label={`Any ${props.title.toLowerCase()}`}
        checked={!props.selected}
        onChoose={() => props.onChange({ [props.name]: null })}
      />
      {shown.map((v) => (
        <label key={v.value} class="check">
          <input
            type="radio"
            name={props.name}
            checked={isChosen(v)}
            onChange={() => props.onChange({ [props.name]: v.value })}
          />
          {v.value} <small>({v.count})</small>
        </label>
      ))}
      {more && (
        <button type="button" class="link" aria-expanded={all} onClick={() => setAll(!all)}>
          {all
            ? 'Show fewer'
            : listed < total
              ? `Show ${listed.toLocaleString()} of ${total.toLocaleString()}`
              : `Show all ${listed.toLocaleString()}`}
        </button>
      )}
    </fieldset>
  );
}

/**
 * Previous, page numbers and Next. Links, so that a page of results can be opened in a new tab
 * or its address shared; a plain click turns the page in place (`onTurn`, which also folds the
 * filters on a phone).
 */
function Pager({
  page,
  pages,
  href,
  onTurn,
}: {
  page: number;
  pages: number;
  href: (page: number) => string;
  onTurn: (page: number) => void;
}) {
  const follow = (to: number) => (e: MouseEvent) => {
    if (!plainClick(e)) return;
    e.preventDefault();
    onTurn(to);
  };
  // One element each, kept from page to page (keyed): at the first or last page it stays, a link
  // that leads nowhere, rather than be replaced by another element (and the focus lost with it).
  const step = (to: number, label: string, rel: 'prev' | 'next') =>
    to >= 1 && to <= pages ? (
      <a key={rel} class="step" href={href(to)} rel={rel} onClick={follow(to)}>
        {label}
      </a>
    ) : (
      // biome-ignore lint/a11y/useValidAnchor: a link with nowhere to go, said so (aria-disabled)
      <a key={rel} class="step off" role="link" aria-disabled="true">
        {label}
      </a>
    );
  return (
    <nav class="pager" aria-label="Pages">
      {step(page - 1, 'Previous', 'prev')}
      <ol>
        {pageNumbers(page, pages).map((n, i) =>
          n === GAP ? (
            <li key={i < 2 ? 'gap-before' : 'gap-after'} class="gap" aria-hidden="true">
              …
            </li>
          ) : (
            <li key={n}>
              <a
                href={href(n)}
                aria-label={`Page ${n}`}
                aria-current={n === page ? 'page' : undefined}
                onClick={follow(n)}
              >
                {n}
              </a>
            </li>
          ),
        )}
      </ol>
      {step(page + 1, 'Next', 'next')}
    </nav>
  );
}

/**
 * The search page's address with `updates` applied (null or '' removes a parameter); any change
 * but the page's own starts again at page 1.
 */
function searchWith(search: string, updates: Record<string, string | null>): string {
  const next = new URLSearchParams(search);
  for (const [k, v] of Object.entries(updates)) {
    if (v === null || v === '') next.delete(k);
    else next.set(k, v);
  }
  if (!('page' in updates)) next.delete('page');
  return `/search?${next}`;
}
