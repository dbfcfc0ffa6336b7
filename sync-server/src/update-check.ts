import * as Y from 'yjs';

/**
 * Looks at a device's update before the server applies it: a reason to refuse it, or undefined.
 * `doc` is the room's document as it is (the check must not change it).
 */
export type UpdateCheck = (update: Uint8Array, doc: Y.Doc) => string | undefined;

/** The cart's one map (core's LINES_KEY): what the standalone server and the shop check. */
export const CART_MAP = 'lines';

/** Most items one key of the map may hold, the one shown and those it replaced or raced. */
export const MAX_ITEMS_PER_KEY = 4;

/**
 * The check for a document that is one map of plain values, each key written once: the cart
 * (`doc.getMap('lines')`, keyed by entry tag; core/src/cart/yjs.ts). Every new item of an update
 * must be a plain value (or one deleted) set on a key of that map, and no key may come to hold
 * more than `maxItemsPerKey` items.
 *
 * Why: Yjs places items that land in one spot concurrently by scanning every earlier one, a cost
 * that grows with the square of their number. A guest needs no account to open a cart of its own:
 * frames of a few thousand one-item updates from made-up clients, each inserted at the start of a
 * list (or set on one key of the map), took 4.4 s of the event loop for 5,000 items and 30 s for
 * 15,000, and a cart filled to its size limit would have taken over an hour. A cart's device sets
 * each key once (an entry's tag is new, and a guest cart merged twice skips tags it has), so a
 * key holds one item, two when two devices merged the same guest entry at once: the bound leaves
 * room for that, and keeps each key's scan to a handful of items. Items at other places (a list,
 * another root, a nested type, next to another item) are no cart edit at all.
 *
 * Structs the document has already (a device resending what it holds) are not looked at: Yjs
 * skips them.
 */
export function flatMapUpdates(root: string, maxItemsPerKey = MAX_ITEMS_PER_KEY): UpdateCheck {
  return (update, doc) => {
    const { structs } = Y.decodeUpdate(update);
    // `share` holds the map once any cart code or update has named it; read it without creating it.
    const map = doc.share.get(root) as Y.AbstractType<unknown> | undefined;
    const counted = new Map<string, number>();
    for (const struct of structs) {
      if (!(struct instanceof Y.Item)) continue; // GC and Skip: deleted or absent ranges, no content
      if (struct.id.clock + struct.length <= Y.getState(doc.store, struct.id.client)) continue;
      // Decoded from an update, an item set on a root type's key names the root and the key, and
      // has no neighbour it was placed against (the neighbour would stand for parent and key).
      // (Yjs types `parent` as a type or an ID: decoding an update, it writes the root's name there.)
      if (
        (struct.parent as unknown) !== root ||
        typeof struct.parentSub !== 'string' ||
        struct.origin !== null ||
        struct.rightOrigin !== null
      )
        return `only entries of the "${root}" map may be written`;
      const content = struct.content;
      if (
        !(content instanceof Y.ContentDeleted) &&
        !(content instanceof Y.ContentAny && content.getLength() === 1)
      )
        return 'an entry is one plain value';
      const key = struct.parentSub;
      let items = counted.get(key);
      if (items === undefined) {
        items = 0;
        for (
          let item = map?._map.get(key) ?? null;
          item !== null && items <= maxItemsPerKey;
          item = item.left
        )
          items++;
      }
      if (++items > maxItemsPerKey) return `an entry key may be written at most ${maxItemsPerKey} times`;
      counted.set(key, items);
    }
    return undefined;
  };
}
