/**
 * The search page's address turned into what `/api/search` accepts. The API answers a whole
 * search with 400 for one bad parameter, and the shopper would see only "the query string is
 * not valid": an old or hand-edited link (`page=5000`, `minPrice=abc`) or a pasted 600-character
 * query is a dead end. Kept in line with `SearchParams` in @shopsync/core (not imported: that
 * module ships zod, ~30 KB gzipped, into the storefront).
 */
const LIMITS = { q: 500, brand: 200, category: 200 } as const;
const SORTS = new Set(['relevance', 'price_asc', 'price_desc', 'newest']);
const MAX_PRICE = 100_000_000;
const MAX_PAGE = 1000;
const MAX_PAGE_SIZE = 100;

export function apiSearchParams(search: string): URLSearchParams {
  const params = new URLSearchParams(search);
  for (const [key, max] of Object.entries(LIMITS)) {
    const v = params.get(key);
    // Too long a query is cut, not refused: its first 500 characters still find things.
    if (v !== null && v.length > max) params.set(key, v.slice(0, max));
  }
  const whole = (key: string, min: number, max: number): number | null => {
    const v = params.get(key);
    if (v === null || !/^\d+$/.test(v)) return null;
    return Math.min(Math.max(Number(v), min), max);
  };
  for (const key of ['minPrice', 'maxPrice']) {
    const n = whole(key, 0, MAX_PRICE);
    if (n === null) params.delete(key);
    else params.set(key, String(n));
  }
  // A page past the API's last page asks for its last, which the page then moves back from.
  const page = whole('page', 1, MAX_PAGE);
  if (page === null) params.delete('page');
  else params.set('page', String(page));
  params.set('pageSize', String(whole('pageSize', 1, MAX_PAGE_SIZE) ?? 24));
  if (params.has('sort') && !SORTS.has(params.get('sort')!)) params.delete('sort');
  return params;
}
