import { useEffect, useState } from 'preact/hooks';
import { type ApiError, asApiError } from '../api.js';

export type Loaded<T> = { state: 'loading' } | { state: 'ok'; data: T } | { state: 'error'; error: ApiError };

/** Loads data for a page and reloads when `key` changes; stale answers are dropped. */
export function useFetch<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    setResult({ state: 'loading' });
    load().then(
      (data) => current && setResult({ state: 'ok', data }),
      (error) =>
        current &&
        setResult({
          state: 'error',
          error: asApiError(error),
        }),
    );
    return () => {
      current = false;
    };
  }, [key]);
  return result;
}

export function ErrorNotice({ error }: { error: ApiError }) {
  return (
    <p class="notice error" role="alert">
      {error.status === 0 ? (
        <>
          You are offline. This needs a connection; try again when you are back online. Your{' '}
          <a href="/cart">cart</a> and the products you viewed still work.
        </>
      ) : (
        error.message
      )}
    </p>
  );
}
