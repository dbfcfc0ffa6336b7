import type { Product, RejectReason } from '@shopsync/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';
import { productAfter } from './checkout-fixes.js';
import { retryDelay, worthRetrying } from './retry.js';

const cache = new Map<string, Product | null>();
/** Products whose last fetch failed (offline, the shop down), until one succeeds. */
const failed = new Set<string>();
const RETRY = 'shopsync-products-retry';
const REFRESH = 'shopsync-products-refresh';

/** Asks every page showing products that could not load to fetch them again. */
export function reloadProducts(): void {
  dispatchEvent(new Event(RETRY));
}

/**
 * Takes in what a refused order says of its products (the stock left, the new price, gone) at once,
 * and has every page showing products fetch them afresh: the shop's answer comes after.
 */
export function noteRejection(reasons: readonly RejectReason[]): void {
  for (const reason of reasons) {
    const now = productAfter(cache.get(reason.productId), reason);
    if (now === undefined) continue;
    cache.set(reason.productId, now);
    failed.delete(reason.productId);
  }
  dispatchEvent(new Event(REFRESH));
}

/**
 * Product details for cart lines, fetched once each; a product that is gone maps to null. With
 * `fresh` (the cart and checkout, where stock and price matter), each product is fetched again
 * once when the page shows it, the cached copy shown meanwhile. Products that could not load
 * (offline, the shop down) are asked again when the browser comes back online, and while it is
 * online after 1 s, 2 s, 4 s… (MAX_RETRY_MS at most): a request made as the browser says it is
 * back may still fail (the network not up yet), and a shop that did not answer may answer later.
 */
export function useProducts(ids: string[], fresh = false): Map<string, Product | null> {
  const [, setVersion] = useState(0);
  // The products this page has fetched itself (with `fresh`, the cache is not trusted until then).
  const fetched = useRef(new Set<string>());
  const key = ids.join(',');
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const again = () => setAttempt((n) => n + 1);
    const afresh = () => {
      fetched.current.clear();
      again();
    };
    addEventListener('online', again);
    addEventListener(RETRY, again);
    addEventListener(REFRESH, afresh);
    return () => {
      removeEventListener('online', again);
      removeEventListener(RETRY, again);
      removeEventListener(REFRESH, afresh);
    };
  }, []);
  // Each answer re-renders the page when it comes, whichever run of the effect asked: a later
  // run (an 'online' event, Try again, a new line) does not ask again for what is still on its
  // way, so tying the re-render to the run that asked would leave that line "Loading…" for good.
  const mounted = useRef(true);
  const retries = useRef(0);
  const retryTimer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      clearTimeout(retryTimer.current);
    };
  }, []);
  useEffect(() => {
    const wanted = ids.filter((id) => (fresh ? !fetched.current.has(id) : !cache.has(id)));
    for (const id of wanted) fetched.current.add(id);
    let retry = false;
    const asked = wanted.map((id) =>
      api
        .product(id)
        .then(
          (p) => {
            cache.set(id, p);
            failed.delete(id);
          },
          (err) => {
            if ((err as { status?: number }).status === 404) {
              cache.set(id, null);
              failed.delete(id);
            } else {
              // Offline or failed: the cached copy (if any) stays; the next showing asks again.
              fetched.current.delete(id);
              failed.add(id);
              retry ||= worthRetrying(err);
            }
          },
        )
        .then(() => mounted.current && setVersion((v) => v + 1)),
    );
    if (asked.length === 0) return;
    void Promise.all(asked).then(() => {
      if (!mounted.current) return;
      if (!wanted.some((id) => failed.has(id))) {
        retries.current = 0;
        return;
      }
      // Offline, the 'online' event asks again; an answer such as 400 stays what it is (Try again).
      if (!retry || !navigator.onLine) return;
      clearTimeout(retryTimer.current);
      retryTimer.current = setTimeout(() => setAttempt((n) => n + 1), retryDelay(retries.current++));
    });
  }, [key, attempt]);
  return cache;
}

/**
 * What each line costs at its product's price, for lines whose product has loaded (a total adds
 * these up per currency: formatTotal, totalsByCurrency).
 */
export function lineAmounts(
  lines: readonly { productId: string; quantity: number }[],
  products: Map<string, Product | null>,
): { amount: number; currency: string }[] {
  return lines.flatMap((l) => {
    const price = products.get(l.productId)?.price;
    return price ? [{ amount: price.amount * l.quantity, currency: price.currency }] : [];
  });
}

/** What keeps a cart line from being ordered as it is, by what the shop says of its product. */
export type LineProblem = 'loading' | 'failed' | 'gone' | 'out_of_stock' | 'short';

export function lineProblem(
  line: { productId: string; quantity: number },
  products: Map<string, Product | null>,
): LineProblem | null {
  const p = products.get(line.productId);
  if (p === undefined) return failed.has(line.productId) ? 'failed' : 'loading';
  if (p === null) return 'gone';
  if (p.stock === 0) return 'out_of_stock';
  return line.quantity > p.stock ? 'short' : null;
}

/** A problem the shopper must fix in the cart: not one that passes once the product has loaded. */
export type Unorderable = Exclude<LineProblem, 'loading' | 'failed'>;

export function mustFix(problem: LineProblem | null | undefined): problem is Unorderable {
  return problem === 'gone' || problem === 'out_of_stock' || problem === 'short';
}

/** What the cart and checkout say of a line's problem; `gone`, each in its page's words. */
export function problemText(problem: Unorderable, stock: number, gone: string): string {
  if (problem === 'gone') return gone;
  if (problem === 'out_of_stock') return 'Out of stock';
  return `Only ${stock} left`;
}
