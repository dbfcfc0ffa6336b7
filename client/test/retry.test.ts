import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Connectivity, MAX_RETRY_MS, retryWhenOnline, worthRetrying } from '../src/retry.js';

/** A browser whose connection the test switches. */
function fakeNet(online = true) {
  const listeners = new Set<() => void>();
  const net: Connectivity & { set(on: boolean): void; listening(): number } = {
    online: () => online,
    onOnline(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(on) {
      online = on;
      if (on) for (const l of [...listeners]) l();
    },
    listening: () => listeners.size,
  };
  return net;
}

describe('retryWhenOnline', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('tries after 1 s, then twice as long each time up to the cap, until done', async () => {
    const net = fakeNet();
    const at: number[] = [];
    const start = Date.now();
    let left = 7;
    retryWhenOnline(async () => {
      at.push(Date.now() - start);
      return --left === 0;
    }, net);
    await vi.advanceTimersByTimeAsync(200_000);
    expect(at).toEqual([1000, 3000, 7000, 15000, 31000, 31000 + MAX_RETRY_MS, 31000 + 2 * MAX_RETRY_MS]);
    expect(net.listening()).toBe(0);
  });

  it('does not try while offline, and tries at once when the connection comes back', async () => {
    const net = fakeNet(false);
    const attempt = vi.fn(async () => true);
    retryWhenOnline(attempt, net);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(attempt).not.toHaveBeenCalled();
    net.set(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(net.listening()).toBe(0);
  });

  it('counts a thrown attempt as not done, runs one attempt at a time, and stops when told', async () => {
    const net = fakeNet();
    let release = () => {};
    const attempt = vi.fn(
      () =>
        new Promise<boolean>((_, reject) => {
          release = () => reject(new Error('no answer'));
        }),
    );
    const stop = retryWhenOnline(attempt, net);
    await vi.advanceTimersByTimeAsync(1000);
    net.set(true); // back online while the first attempt runs: not a second one
    expect(attempt).toHaveBeenCalledTimes(1);
    release();
    await vi.advanceTimersByTimeAsync(2000);
    expect(attempt).toHaveBeenCalledTimes(2);
    stop();
    release();
    await vi.advanceTimersByTimeAsync(100_000);
    expect(attempt).toHaveBeenCalledTimes(2);
    expect(net.listening()).toBe(0);
  });
});

describe('worthRetrying', () => {
  it('asks again for no answer and for the shop failing or busy, not for an answer that would repeat', () => {
    for (const status of [0, 500, 502, 503, 408, 429])
      expect(worthRetrying({ status }), String(status)).toBe(true);
    for (const status of [400, 401, 403, 404, 409, 422])
      expect(worthRetrying({ status }), String(status)).toBe(false);
    expect(worthRetrying(new TypeError('Failed to fetch'))).toBe(true);
  });
});
