import type { CartDocument, CartEntry } from './types.js';

/**
 * Rebase: copies the live entries of a cart (same tags) into a fresh, empty document. It is the
 * only operation that shrinks a cart: normalization does not, because Yjs and Automerge both keep
 * every deleted entry (measured in core/README.md). Malformed entries are left behind.
 *
 * The fresh document is a new epoch: a device still holding the old document must never sync it
 * into the new one (that would bring the whole history back). Instead the server keeps the old
 * document as it was at the rebase (`base`), merges the device's old state into a copy of it, and
 * carries the difference over with `carryOver`. Tags survive the rebase, so that difference, the
 * tags the device added and the tags it removed, means the same in both epochs.
 */
export function rebaseCart(source: CartDocument, fresh: CartDocument): number {
  return fresh.insertEntries(source.entries());
}

export interface CarriedOver {
  inserted: number;
  removed: number;
}

/**
 * Applies to the new epoch (`target`) what a device did on the old one: `base` is the old
 * document's entries at the rebase, `merged` the old document after merging the device's state
 * into a copy of it. Tags live in `merged` but not in `base` were added by the device; tags live
 * in `base` but gone from `merged` were removed by it (a merge is a union: only a removal the
 * device observed can make a tag disappear). The result equals what syncing the old documents
 * would have given (tested against the reference model).
 */
export function carryOver(
  base: ReadonlyMap<string, CartEntry>,
  merged: ReadonlyMap<string, CartEntry>,
  target: CartDocument,
): CarriedOver {
  const added: [string, CartEntry][] = [];
  for (const [tag, entry] of merged) if (!base.has(tag)) added.push([tag, entry]);
  const removedTags: string[] = [];
  for (const tag of base.keys()) if (!merged.has(tag)) removedTags.push(tag);
  const inserted = added.length ? target.insertEntries(added) : 0;
  const removed = removedTags.length ? target.clear(removedTags) : 0;
  return { inserted, removed };
}
