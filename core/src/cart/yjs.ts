import * as Y from 'yjs';
import {
  carriedOn,
  DEFAULT_MAX_PER_LINE,
  newestFirst,
  parseEntry,
  randomTag,
  readEntries,
  validateQuantity,
} from './entry.js';
import type { CartBackend, CartReplica } from './replica.js';
import type { CartChange, CartDocument, CartEntry, CartLine, CartOptions, SeenPrice } from './types.js';

/** The name of the shared map that holds the entries (cart document format v1). */
export const LINES_KEY = 'lines';

/** The cart on a Yjs document: `doc.getMap('lines')` keyed by tag, values plain entry objects. */
export class YjsCart implements CartDocument {
  readonly doc: Y.Doc;
  readonly map: Y.Map<unknown>;
  private readonly maxPerLine: number;
  private readonly now: () => number;
  private readonly newTag: () => string;
  private lastMalformed = 0;

  constructor(doc: Y.Doc = new Y.Doc(), options: CartOptions = {}) {
    this.doc = doc;
    this.map = doc.getMap(LINES_KEY);
    this.maxPerLine = options.maxPerLine ?? DEFAULT_MAX_PER_LINE;
    this.now = options.now ?? Date.now;
    this.newTag = options.newTag ?? randomTag;
  }

  add(productId: string, n: number, price?: SeenPrice): string {
    validateQuantity(n, 'add quantity');
    const tag = this.newTag();
    if (n === 0) return tag;
    this.doc.transact(() => {
      this.map.set(tag, this.entry(productId, 'add', n, price ? { price } : {}));
    }, this);
    return tag;
  }

  setQuantity(productId: string, q: number): void {
    validateQuantity(q, 'quantity');
    const observed = this.tagsOf(productId);
    const carried = carriedOn(this.entriesFor(observed).values());
    this.doc.transact(() => {
      for (const tag of observed) this.map.delete(tag);
      if (q > 0) this.map.set(this.newTag(), this.entry(productId, 'set', q, carried));
    }, this);
  }

  remove(productId: string): void {
    this.setQuantity(productId, 0);
  }

  normalize(productId: string): void {
    const observed = this.tagsOf(productId);
    if (observed.length <= 1) return;
    this.setQuantity(productId, this.quantity(productId));
  }

  insertEntries(entries: Iterable<[string, CartEntry]>): number {
    const fresh = new Map<string, CartEntry>();
    for (const [tag, value] of entries) {
      const entry = parseEntry(value);
      // `_map` keeps the last item of every key the map ever held, deleted or not: a removed tag
      // stays removed (the reference model's rule), even when a guest cart is merged twice.
      if (entry && !this.map._map.has(tag)) fresh.set(tag, entry);
    }
    if (fresh.size === 0) return 0;
    this.doc.transact(() => {
      for (const [tag, entry] of fresh) this.map.set(tag, entry);
    }, this);
    return fresh.size;
  }

  clear(observedTags?: Iterable<string>): number {
    const tags = observedTags ? [...observedTags] : [...this.map.keys()];
    let removed = 0;
    this.doc.transact(() => {
      for (const tag of tags) {
        if (this.map.has(tag)) {
          this.map.delete(tag);
          removed++;
        }
      }
    }, this);
    return removed;
  }

  lines(): CartLine[] {
    const result = readEntries(this.map.entries(), this.maxPerLine);
    this.lastMalformed = result.malformed;
    return result.lines;
  }

  /** The read view in the order a cart is shown in (`newestFirst`), from one read of the entries. */
  shownLines(): CartLine[] {
    const result = readEntries(this.map.entries(), this.maxPerLine);
    this.lastMalformed = result.malformed;
    return newestFirst(result.lines, result.valid);
  }

  quantity(productId: string): number {
    return this.lines().find((l) => l.productId === productId)?.quantity ?? 0;
  }

  entries(): Map<string, CartEntry> {
    const result = readEntries(this.map.entries(), this.maxPerLine);
    this.lastMalformed = result.malformed;
    return result.valid;
  }

  /**
   * The valid entries among `tags`, read without the rest of the cart (a checkout names a few
   * entries of what may be a long cart). A tag that is missing or malformed is left out.
   */
  entriesFor(tags: Iterable<string>): Map<string, CartEntry> {
    const found = new Map<string, CartEntry>();
    for (const tag of tags) {
      if (found.has(tag)) continue;
      const entry = parseEntry(this.map.get(tag));
      if (entry) found.set(tag, entry);
    }
    return found;
  }

  malformedCount(): number {
    return this.lastMalformed;
  }

  onChange(listener: (change: CartChange) => void): () => void {
    const handler = (_event: Y.YMapEvent<unknown>, tx: Y.Transaction) => listener({ local: tx.local });
    this.map.observe(handler);
    return () => this.map.unobserve(handler);
  }

  /** Tags of every entry (well-formed or not) that names the product: what this replica observes. */
  private tagsOf(productId: string): string[] {
    const tags: string[] = [];
    for (const [tag, value] of this.map.entries()) {
      if (value && typeof value === 'object' && (value as { productId?: unknown }).productId === productId) {
        tags.push(tag);
      }
    }
    return tags;
  }

  private entry(
    productId: string,
    kind: CartEntry['kind'],
    qty: number,
    carried: Pick<CartEntry, 'since' | 'price'>,
  ): CartEntry {
    if (typeof productId !== 'string' || productId.length === 0) throw new TypeError('productId is required');
    return { productId, kind, qty, at: this.now(), ...carried };
  }
}

/**
 * Guest merge: copies the source cart's live entries (same tags) into the target, a union of
 * entries. Copies entries, not history: applying the source's Yjs update would also replay its
 * deletions, including those of entries merged at an earlier sign-in. Returns entries inserted.
 */
export function mergeYjsCart(target: Y.Doc, source: Y.Doc): number {
  return new YjsCart(target).insertEntries(new YjsCart(source).entries());
}

/** The Yjs backend for the conformance suite and the benchmarks: updates are Yjs binary updates. */
export const yjsBackend: CartBackend = {
  name: 'yjs',
  create(options?: CartOptions): CartReplica {
    const cart = new YjsCart(new Y.Doc(), options);
    return {
      cart,
      encodeState: () => Y.encodeStateAsUpdate(cart.doc),
      apply: (m) => Y.applyUpdate(cart.doc, m, 'remote'),
      onLocalUpdate: (listener) =>
        cart.doc.on('update', (update: Uint8Array, origin: unknown) => {
          if (origin !== 'remote') listener(update);
        }),
      writeRaw: (tag, value) => cart.map.set(tag, value),
      size: () => Y.encodeStateAsUpdate(cart.doc).length,
    };
  },
};
