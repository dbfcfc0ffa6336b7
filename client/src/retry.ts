/** Where `retryWhenOnline` learns whether the browser is online and hears it come back. */
export interface Connectivity {
  online(): boolean;
  onOnline(listener: () => void): () => void;
}

const browser: Connectivity = {
  online: () => navigator.onLine,
  onOnline(listener) {
    addEventListener('online', listener);
    return () => removeEventListener('online', listener);
  },
};

/** The longest wait between two tries. */
export const MAX_RETRY_MS = 30_000;

/** The wait before try number `tries` + 1 after a failure: 1 s, then twice as long each time, MAX_RETRY_MS at most. */
export function retryDelay(tries: number): number {
  return Math.min(MAX_RETRY_MS, 1000 * 2 ** tries);
}

/**
 * Whether a failed request may succeed if asked again as it is: no answer (status 0), the shop
 * failing or busy (5xx, 408, 429). Any other 4xx answers the same however often it is asked.
 */
export function worthRetrying(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status !== 'number') return true;
  return status === 0 || status >= 500 || status === 408 || status === 429;
}

/**
 * Tries `attempt` again until it says it is done: after 1 s, then twice as long each time up to
 * MAX_RETRY_MS, and at once whenever the browser comes back online. While offline the timer does
 * not try (the 'online' event will). For a request whose answer was lost: the browser may never
 * have noticed being offline (a dropped connection), or noticed and come back before anything
 * listened, so neither the event nor the timer alone is enough. Returns a function that stops it.
 */
export function retryWhenOnline(attempt: () => Promise<boolean>, net: Connectivity = browser): () => void {
  let stopped = false;
  let running = false;
  let tries = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    unlisten();
  };
  const schedule = () => {
    timer = setTimeout(() => void run(), retryDelay(tries++));
  };
  const run = async () => {
    if (stopped || running || !net.online()) return;
    running = true;
    clearTimeout(timer);
    const done = await attempt().catch(() => false);
    running = false;
    if (done) stop();
    else if (!stopped) schedule();
  };
  const unlisten = net.onOnline(() => void run());
  schedule();
  return stop;
}
