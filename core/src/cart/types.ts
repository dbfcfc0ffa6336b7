/**
 * Cart document format v1 (ARCHITECTURE.md): a map `lines` from a unique tag to a line entry.
 * Entries are only inserted and deleted, never rewritten.
 */
export type EntryKind = 'set' | 'add';

export interface CartEntry {
  productId: string;
  kind: EntryKind;
  qty: number;
  /** Epoch milliseconds when the entry was written (informational; never used to order). */
  at: number;
  /**
   * Epoch milliseconds when the line this entry continues was first added: a `set` that replaces
   * a line's entries carries the earliest `since` (or `at`) of those it replaced, so the line keeps
   * its place in the shown cart (`newestFirst`). Display only: the read rule never looks at it.
   */
  since?: number;
  /**
   * The product's price when the shopper added it (as the device showed it), carried on by a `set`
   * as `since` is: the cart says when the price has changed since. Display only, like `since`:
   * never what the cart holds, nor what an order charges (checkout prices it anew).
   */
  price?: SeenPrice;
}

/** A price as a device showed it: minor units of its currency (core's Money, without zod). */
export interface SeenPrice {
  amount: number;
  currency: string;
}

/** One product line of the read view. */
export interface CartLine {
  productId: string;
  quantity: number;
  /** Tags of the entries behind this line: what a device has observed of it. */
  tags: string[];
  /**
   * Set when the entries add up to more than a line holds (devices added at once, or an API client
   * asked for more): `quantity` is the most a line holds (`maxPerLine`), not what was asked for.
   */
  capped?: true;
  /** The price the line was first added at, when the device that added it said (`CartEntry.price`). */
  addedPrice?: SeenPrice;
}

export interface CartOptions {
  /** Upper clamp of one line's quantity (default 10). */
  maxPerLine?: number;
  /** Clock, injectable for deterministic tests. */
  now?: () => number;
  /** Tag generator, injectable for deterministic tests; tags must be unique across devices and time. */
  newTag?: () => string;
}

export interface CartChange {
  /** True when the change came from this replica's own operations. */
  local: boolean;
}

/**
 * One cart over some CRDT document. Every operation is local, instant and never refused.
 * Backends (Yjs, Automerge) implement this and pass one conformance suite.
 */
export interface CartDocument {
  /** Inserts a new `add` entry of +n (at the price shown, when given); returns its tag. */
  add(productId: string, n: number, price?: SeenPrice): string;
  /** Deletes the observed entries of the product and inserts one `set` entry of q (q = 0 removes). */
  setQuantity(productId: string, q: number): void;
  /** Deletes the observed entries of the product. */
  remove(productId: string): void;
  /** Replaces the observed entries of the product by one `set` entry of its current quantity. */
  normalize(productId: string): void;
  /**
   * Inserts entries under their own tags (a guest cart joining a user cart: a union of entries),
   * skipping malformed values and every tag this replica holds or has ever removed, so a merge
   * repeated later never brings back an entry the shopper removed. Returns how many were inserted.
   * Run it on one replica (the server): two replicas inserting the same tag concurrently make two
   * CRDT writes of one key, and a remove that saw only one of them leaves the other (Automerge).
   */
  insertEntries(entries: Iterable<[string, CartEntry]>): number;
  /** Deletes exactly the given observed entries (all observed entries when omitted); returns how many. */
  clear(observedTags?: Iterable<string>): number;
  /** The read view, sorted by productId (`newestFirst` gives the order a cart is shown in). */
  lines(): CartLine[];
  quantity(productId: string): number;
  /** Every well-formed entry by tag. */
  entries(): Map<string, CartEntry>;
  /** Count of malformed entries the read view ignored at the last read. */
  malformedCount(): number;
  onChange(listener: (change: CartChange) => void): () => void;
}
