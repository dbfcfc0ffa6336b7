import type { CartReplica } from '../src/cart/replica.js';

/** Full exchange between replicas, as after every device has been online together. */
export function syncAll(...replicas: CartReplica[]): void {
  const states = replicas.map((r) => r.encodeState());
  for (const r of replicas) for (const s of states) r.apply(s);
}

let seq = 0;
/** A tag generator whose tags are unique across every replica of a test file and readable in failures. */
export const countingTags = () => () => `tag-${++seq}`;
