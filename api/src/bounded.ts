/**
 * Remembers `value` under `key` in a map bounded to `max` entries: past it, the oldest entry
 * (first inserted) goes. The in-process caches of the API (sessions, cart owners, compressed
 * assets) share this policy.
 */
export function rememberBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}
