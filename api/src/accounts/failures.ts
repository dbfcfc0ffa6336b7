import { rememberBounded } from '../bounded.js';

/** A key's failed attempts within the window that began at its first (`since`). */
export interface FailureCount {
  count: number;
  since: number;
}

/**
 * Failed attempts per key (an address and email, a device cookie), each key's counted within a
 * window from its first failure. Bounded to `tracked` keys, the least recently used dropped first.
 * Both sign-in checks count the same way: read the count, refuse past the limit, count one more
 * before the slow password check (so parallel guesses are held too), put the count back if the
 * check was not made, clear it on a success.
 */
export class Failures {
  private readonly counts = new Map<string, FailureCount>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly tracked: number,
  ) {}

  /** The key's failures at `now`: none once its window has ended. */
  read(key: string, now: number): FailureCount {
    const counted = this.counts.get(key);
    return counted && now - counted.since < this.windowMs ? counted : { count: 0, since: now };
  }

  /** Whether `counted` is past the limit. */
  spent(counted: FailureCount): boolean {
    return counted.count >= this.limit;
  }

  /**
   * Sets the key's failures, as the most recently used key (a key still being tried is the last
   * the bound drops); a count of 0 forgets the key.
   */
  set(key: string, counted: FailureCount): void {
    this.counts.delete(key);
    if (counted.count > 0) rememberBounded(this.counts, key, counted, this.tracked);
  }

  clear(key: string): void {
    this.counts.delete(key);
  }
}
