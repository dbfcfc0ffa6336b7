import { rememberBounded } from '../bounded.js';

/**
 * A budget per key (a client address) of `checks` every `windowMs`, as a token bucket: a key may
 * spend all of them at once, and they come back steadily, one every windowMs / checks. A key not
 * tracked has its whole budget. Bounded to `tracked` keys, the least recently used dropped first
 * (which gives that key its whole budget back): dropping one takes `tracked` other keys each
 * spending, and whoever has that many keys has that many budgets anyway.
 */
export class Budget {
  private readonly buckets = new Map<string, { left: number; at: number }>();

  constructor(
    readonly checks: number,
    readonly windowMs: number,
    private readonly now: () => number,
    private readonly tracked: number,
  ) {}

  /** Spends one of `key`'s checks: undefined when it had one, else in how many ms one is back. */
  take(key: string): number | undefined {
    const at = this.now();
    const left = this.left(key, at);
    // Re-inserted at every use, so a key still in use is the last the bounded map drops.
    this.buckets.delete(key);
    if (left < 1) {
      rememberBounded(this.buckets, key, { left, at }, this.tracked);
      return Math.max(1, Math.ceil(((1 - left) * this.windowMs) / this.checks));
    }
    rememberBounded(this.buckets, key, { left: left - 1, at }, this.tracked);
    return undefined;
  }

  /** Gives back a check spent on work that was not done (the hash queue refused it). */
  giveBack(key: string): void {
    if (!this.buckets.has(key)) return;
    const at = this.now();
    const left = this.left(key, at) + 1;
    if (left >= this.checks) this.buckets.delete(key);
    else this.buckets.set(key, { left, at });
  }

  private left(key: string, at: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.checks;
    // A clock stepped back refills nothing (and takes nothing).
    const back = (Math.max(0, at - bucket.at) * this.checks) / this.windowMs;
    return Math.min(this.checks, bucket.left + back);
  }
}
