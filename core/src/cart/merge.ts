import type { CartDocument } from './types.js';

/**
 * Guest merge, for any backend: the source cart's live entries join the target under their own
 * tags (a union of entries), so quantities add up by the read rule (two `add` entries sum, two
 * `set` entries take the larger). Entries, not history: the source's deletions are not replayed,
 * and a tag the target has removed stays removed. Clear the source afterwards. Returns how many
 * entries were inserted.
 */
export function mergeCarts(target: CartDocument, source: CartDocument): number {
  return target.insertEntries(source.entries());
}
