import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApiError, asApiError } from '../api.js';
import { retryDelay, worthRetrying } from '../retry.js';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ok'; data: T }
  | { state: 'error'; error: ApiError; retry: () => void };

/**
 * Loads data for a page and reloads when `key` changes; stale answers are dropped. A failure
 * comes with `retry`, which loads again. A failure that may pass (no answer, the shop failing:
 * worthRetrying) is asked again by itself when the browser comes back online, and after that
 * while online after 1 s, 2 s, 4 s… (a request made as the browser says it is back may still
 * fail), as checkout's addresses are; the failure stays on the screen meanwhile.
 */
export function useFetch<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  // `quiet`: asked again by itself, the failure shown until the answer, not "Loading…".
  const [attempt, setAttempt] = useState({ n: 0, quiet: false });
  const loaded = useRef(key);
  useEffect(() => {
    let current = true;
    // Another key is another page's data: "Loading…", not the last one's failure.
    if (!attempt.quiet || loaded.current !== key) setResult({ state: 'loading' });
    loaded.current = key;
    load().then(
      (data) => current && setResult({ state: 'ok', data }),
      (error) =>
        current &&
        setResult({
          state: 'error',
          error: asApiError(error),
          retry: () => setAttempt((a) => ({ n: a.n + 1, quiet: false })),
        }),
    );
    return () => {
      current = false;
    };
  }, [key, attempt]);
  // The retries since the browser came back online; none until it has (a page online whose shop
  // does not answer offers Try again, as before).
  const backOnline = useRef<number | null>(null);
  const failed = result.state === 'error' && worthRetrying(result.error) ? result.error : null;
  useEffect(() => {
    if (!failed) {
      backOnline.current = null;
      return;
    }
    const again = () => setAttempt((a) => ({ n: a.n + 1, quiet: true }));
    const online = () => {
      backOnline.current = 0;
      again();
    };
    addEventListener('online', online);
    const timer =
      backOnline.current !== null && navigator.onLine
        ? setTimeout(again, retryDelay(backOnline.current++))
        : undefined;
    return () => {
      removeEventListener('online', online);
      clearTimeout(timer);
    };
  }, [failed]);
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
