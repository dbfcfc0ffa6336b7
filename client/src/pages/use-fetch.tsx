import { useEffect, useState } from 'preact/hooks';
import { type ApiError, asApiError } from '../api.js';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ok'; data: T }
  | { state: 'error'; error: ApiError; retry: () => void };

/**
 * Loads data for a page and reloads when `key` changes; stale answers are dropped. A failure
 * comes with `retry`, which loads again.
 */
export function useFetch<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
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
          retry: () => setAttempt((n) => n + 1),
        }),
    );
    return () => {
      current = false;
    };
  }, [key, attempt]);
  return result;
}

/**
 * A failed request, told as the shopper can act on it: offline (the browser says so), the shop
 * not answering (online, but no answer came), or what the server said. With `retry`, a way to try
 * again.
 */
export function ErrorNotice({ error, retry }: { error: ApiError; retry?: () => void }) {
  return (
    <p class="notice error" role="alert">
      {error.status !== 0 ? (
        error.message
      ) : navigator.onLine ? (
        <>
          The shop is not answering right now. Your <a href="/cart">cart</a> still works, and saves as soon as
          the shop is back.
        </>
      ) : (
        <>
          You are offline. This needs a connection; try again when you are back online. Your{' '}
          <a href="/cart">cart</a> and the products you viewed still work.
        </>
      )}
      {retry && (error.status === 0 || error.status >= 500) && (
        <>
          {' '}
          <button type="button" class="link" onClick={retry}>
            Try again
          </button>
        </>
      )}
    </p>
  );
}
