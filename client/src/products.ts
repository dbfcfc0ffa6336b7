import type { Product } from '@shopsync/core';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

const cache = new Map<string, Product | null>();

/** Product details for cart lines, fetched once each; a product that is gone maps to null. */
export function useProducts(ids: string[]): Map<string, Product | null> {
  const [, setVersion] = useState(0);
  const key = ids.join(',');
  useEffect(() => {
    let live = true;
    const missing = ids.filter((id) => !cache.has(id));
    Promise.all(
      missing.map((id) =>
        api.product(id).then(
          (p) => cache.set(id, p),
          (err) => (err as { status?: number }).status === 404 && cache.set(id, null),
        ),
      ),
    ).then(() => live && setVersion((v) => v + 1));
    return () => {
      live = false;
    };
  }, [key]);
  return cache;
}
