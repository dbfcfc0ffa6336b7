import { useEffect, useState } from 'preact/hooks';

/**
 * What a line whose product has not loaded shows for its title, in the cart and at checkout: on
 * its way, or not to be had (offline, or the shop did not answer: it is asked again by itself).
 */
export function unloadedText(problem: 'loading' | 'failed', online: boolean): string {
  if (problem === 'loading') return 'Loading…';
  return online ? 'Could not load this product' : 'Details unavailable offline';
}

/**
 * How a line's controls name it ("Decrease quantity of …"): its product's title; without one (not
 * loaded, or not to be had offline), its place in the list, so that the buttons of two such lines
 * still differ.
 */
export function lineName(product: { title: string } | null | undefined, index: number): string {
  if (product) return product.title;
  return product === null ? 'the item no longer sold' : `item ${index + 1}`;
}

/** Whether the browser says it is online, kept up to date. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    addEventListener('online', update);
    addEventListener('offline', update);
    return () => {
      removeEventListener('online', update);
      removeEventListener('offline', update);
    };
  }, []);
  return online;
}
