import type { CartEntry, CartLine, SeenPrice } from './types.js';

export const DEFAULT_MAX_PER_LINE = 10;
/** Entries whose qty exceeds this are treated as hostile and ignored. */
export const MAX_ENTRY_QTY = 1_000_000;
const MAX_PRODUCT_ID_LENGTH = 128;
/** Generated tags are 12 characters; a device that writes its own gets room, not unbounded keys. */
const MAX_TAG_LENGTH = 64;

/**
 * Whether an entry's key can be a tag: not empty, at most MAX_TAG_LENGTH characters, and no dot,
 * which joins a line's entry tags into the line's tag (`lineTag` in orders.ts): a tag holding one
 * would make its line's tag name entries that do not exist, and the line could never be ordered.
 */
export function validTag(tag: string): boolean {
  return tag.length > 0 && tag.length <= MAX_TAG_LENGTH && !tag.includes('.');
}

/** Returns the entry when the value is a well-formed v1 line entry, otherwise null. Never throws. */
export function parseEntry(value: unknown): CartEntry | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const { productId, kind, qty, at, since } = v;
  if (typeof productId !== 'string' || productId.length === 0 || productId.length > MAX_PRODUCT_ID_LENGTH)
    return null;
  if (kind !== 'set' && kind !== 'add') return null;
  if (typeof qty !== 'number' || !Number.isSafeInteger(qty) || qty < 0 || qty > MAX_ENTRY_QTY) return null;
  if (kind === 'add' && qty === 0) return null;
  const when = typeof at === 'number' && Number.isFinite(at) ? at : 0;
  const entry: CartEntry = { productId, kind, qty, at: when };
  if (typeof since === 'number' && Number.isFinite(since)) entry.since = since;
  const price = parsePrice(v.price);
  if (price) entry.price = price;
  return entry;
}

/** A well-formed shown price, else undefined (a malformed one is left out, not the entry). */
function parsePrice(value: unknown): SeenPrice | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { amount, currency } = value as Record<string, unknown>;
  const code = typeof currency === 'string' ? currency : String(currency ?? '');
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 0 || amount > MAX_PRICE)
    return undefined;
  if (!/^[A-Z]{3}$/.test(code)) return undefined;
  return { amount, currency: code };
}

/** The most a shown price can be (core's Money's bound). */
const MAX_PRICE = 1_000_000_000_00;

const startOf = (e: CartEntry) => e.since ?? e.at;

/**
 * Whether priced entry `e` was added before `than` (none yet: yes); of two at the same moment,
 * the lower price, so that every replica, whatever order it holds them in, reads the same.
 */
function pricedBefore(e: CartEntry, than: CartEntry | undefined): boolean {
  if (!e.price) return false;
  if (!than?.price) return true;
  const [a, b] = [startOf(e), startOf(than)];
  if (a !== b) return a < b;
  return e.price.currency !== than.price.currency
    ? e.price.currency < than.price.currency
    : e.price.amount < than.price.amount;
}

/**
 * What a `set` entry that replaces a line's entries carries on of them: when the line was first
 * added (`since`, the earliest) and the price the earliest priced one was added at (`price`).
 */
export function carriedOn(entries: Iterable<CartEntry>): Pick<CartEntry, 'since' | 'price'> {
  const list = [...entries]; // read twice: an iterator would be spent by the first
  const since = addedSince(list);
  const price = addedPrice(list);
  return { ...(since === undefined ? {} : { since }), ...(price ? { price } : {}) };
}

/** The price of the earliest of these entries that has one (`CartEntry.price`). */
export function addedPrice(entries: Iterable<CartEntry>): SeenPrice | undefined {
  let first: CartEntry | undefined;
  for (const e of entries) if (pricedBefore(e, first)) first = e;
  return first?.price;
}

/** When the line of these entries was first added: the earliest `since` (or `at`) among them. */
export function addedSince(entries: Iterable<CartEntry>): number | undefined {
  let first: number | undefined;
  for (const e of entries) {
    const t = startOf(e);
    if (first === undefined || t < first) first = t;
  }
  return first;
}

/**
 * The lines in the order a cart is shown in: the most recently added product first, a line keeping
 * its place when its quantity changes (`CartEntry.since`), then by product id. A pure function of
 * the entries, so devices that hold the same entries show the same order. The times are the
 * writing devices' clocks: display only, never what the cart holds.
 */
export function newestFirst(lines: readonly CartLine[], entries: ReadonlyMap<string, CartEntry>): CartLine[] {
  const added = new Map<string, number>();
  for (const line of lines) {
    const own: CartEntry[] = [];
    for (const tag of line.tags) {
      const e = entries.get(tag);
      if (e) own.push(e);
    }
    added.set(line.productId, addedSince(own) ?? 0);
  }
  return [...lines].sort(
    (a, b) =>
      added.get(b.productId)! - added.get(a.productId)! ||
      (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0),
  );
}

export interface ReadResult {
  lines: CartLine[];
  valid: Map<string, CartEntry>;
  malformed: number;
}

/**
 * The read rule: quantity(p) = max(set entries of p, or 0) + sum(add entries of p), clamped to
 * [0, maxPerLine]; a line with quantity 0 is absent. A pure function of the entry set, so every
 * replica that holds the same entries reads the same cart. An entry under a key that cannot be a
 * tag (`validTag`) is malformed, as one whose value does not parse.
 */
export function readEntries(raw: Iterable<[string, unknown]>, maxPerLine = DEFAULT_MAX_PER_LINE): ReadResult {
  const valid = new Map<string, CartEntry>();
  const perProduct = new Map<string, { max: number; sum: number; tags: string[]; priced?: CartEntry }>();
  let malformed = 0;
  for (const [tag, value] of raw) {
    const entry = validTag(tag) ? parseEntry(value) : null;
    if (!entry) {
      malformed++;
      continue;
    }
    valid.set(tag, entry);
    let acc = perProduct.get(entry.productId);
    if (!acc) {
      acc = { max: 0, sum: 0, tags: [] };
      perProduct.set(entry.productId, acc);
    }
    if (entry.kind === 'set') acc.max = Math.max(acc.max, entry.qty);
    else acc.sum += entry.qty;
    acc.tags.push(tag);
    if (pricedBefore(entry, acc.priced)) acc.priced = entry;
  }
  const lines: CartLine[] = [];
  for (const [productId, acc] of perProduct) {
    const asked = acc.max + acc.sum;
    const quantity = Math.min(Math.max(asked, 0), maxPerLine);
    if (quantity > 0)
      lines.push({
        productId,
        quantity,
        tags: acc.tags.sort(),
        ...(asked > maxPerLine ? { capped: true } : {}),
        ...(acc.priced?.price ? { addedPrice: acc.priced.price } : {}),
      });
  }
  lines.sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
  return { lines, valid, malformed };
}

const TAG_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/**
 * Default tag generator: 12 characters of 72 random bits, so tags are unique across devices and
 * time without coordination (a collision needs ~2^36 tags in one cart). Short on purpose: a Yjs
 * map keeps every key it ever held, so the tag length is most of a cart document's growth.
 */
export function randomTag(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  let tag = '';
  for (const b of bytes) tag += TAG_ALPHABET[b & 63];
  return tag;
}

export function validateQuantity(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_ENTRY_QTY) {
    throw new RangeError(`${what} must be an integer in [0, ${MAX_ENTRY_QTY}], got ${n}`);
  }
}
