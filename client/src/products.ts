import type { Product } from '@shopsync/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';

const cache = new Map<string, Product | null>();

/**
 * Product details for cart lines, fetched once each; a product that is gone maps to null. With
 * `fresh` (the cart and checkout, where stock and price matter), each product is fetched again
 * once when the page shows it, the cached copy shown meanwhile.
 */
export function useProducts(ids: string[], fresh = false): Map<string, Product | null> {
  const [, setVersion] = useState(0);
  // The products this page has fetched itself (with `fresh`, the cache is not trusted until then).
  const fetched = useRef(new Set<string>());
  const key = ids.join(',');
  useEffect(() => {
    let live = true;
    const wanted = ids.filter((id) => (fresh ? !fetched.current.has(id) : !cache.has(id)));
    for (const id of wanted) fetched.current.add(id);
    Promise.all(
      wanted.map((id) =>
        api.product(id).then(
          (p) => cache.set(id, p),
          (err) => {
            if ((err as { status?: number }).status === 404) cache.set(id, null);
            // Offline or failed: the cached copy (if any) stays; the next showing asks again.
            else fetched.current.delete(id);
          },
        ),
      ),
    ).then(() => live && setVersion((v) => v + 1));
    return () => {
      live = false;
    };
  }, [key]);
  return cache;
}
