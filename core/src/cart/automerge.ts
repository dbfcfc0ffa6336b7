import * as A from '@automerge/automerge';
import {
  carriedOn,
  DEFAULT_MAX_PER_LINE,
  parseEntry,
  randomTag,
  readEntries,
  validateQuantity,
} from './entry.js';
import type { CartBackend, CartReplica } from './replica.js';
import type { CartChange, CartDocument, CartEntry, CartLine, CartOptions, SeenPrice } from './types.js';

type CartShape = { lines: Record<string, unknown> };

/**
 * Automerge 3 stores a JS string as collaborative Text (an op per character). Entries are never
 * rewritten, so productId and kind are written as immutable scalar strings: measured, this makes
 * the document smaller and operations faster. Reads accept both forms.
 */
function stored(entry: CartEntry): Record<string, unknown> {
  return {
    productId: new A.ImmutableString(entry.productId),
    kind: new A.ImmutableString(entry.kind),
    qty: entry.qty,
    at: entry.at,
    ...(entry.since === undefined ? {} : { since: entry.since }),
    ...(entry.price
      ? { price: { amount: entry.price.amount, currency: new A.ImmutableString(entry.price.currency) } }
      : {}),
  };
}

/** The value as read: immutable strings become plain strings, anything else is left for parseEntry. */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = A.isImmutableString(v) ? v.toString() : k === 'price' ? plain(v) : v;
  return out;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !A.isImmutableString(value);
}

/** The lines map, or an empty one when a hostile client replaced it with something else. */
function linesOf(doc: CartShape): Record<string, unknown> {
  return isMap(doc.lines) ? doc.lines : {};
}

/** Inside a change: the lines map, recreated first if a hostile client replaced it. */
function writableLines(d: CartShape): Record<string, unknown> {
  if (!isMap(d.lines)) d.lines = {};
  return d.lines;
}

function productOf(value: unknown): unknown {
  const id = (value as { productId?: unknown } | null)?.productId;
  return A.isImmutableString(id) ? id.toString() : id;
}

/**
 * The cart on an Automerge document, the same shape as Yjs: `lines` maps a tag to an entry.
 * Automerge documents are immutable values; this class holds the current one.
 * Import it from `@shopsync/core/cart/automerge` (it loads WebAssembly, so the index leaves it out).
 */
export class AutomergeCart implements CartDocument {
  doc: A.Doc<CartShape>;
  private readonly listeners = new Set<(c: CartChange) => void>();
  private readonly maxPerLine: number;
  private readonly now: () => number;
  private readonly newTag: () => string;
  private lastMalformed = 0;

  constructor(doc?: A.Doc<CartShape>, options: CartOptions = {}) {
    // Not `A.from({ lines: {} })`: each call would make its own `lines` map, and merging two
    // carts begun apart would keep one map and lose the other device's entries. Every cart starts
    // from the one shared initial change (`INITIAL`), as the backend's replicas do.
    this.doc = doc ?? A.load<CartShape>(INITIAL);
    this.maxPerLine = options.maxPerLine ?? DEFAULT_MAX_PER_LINE;
    this.now = options.now ?? Date.now;
    this.newTag = options.newTag ?? randomTag;
  }

  private change(fn: (d: CartShape) => void): void {
    const before = this.doc;
    this.doc = A.change(this.doc, fn);
    if (this.doc !== before) this.emit(true);
  }

  private emit(local: boolean): void {
    for (const l of this.listeners) l({ local });
  }

  /** Replaces the document with a merged one (remote changes). */
  update(next: A.Doc<CartShape>): void {
    const before = A.getHeads(this.doc);
    this.doc = next;
    // A duplicate or already-known message yields a new value with the same heads: not a change.
    const after = A.getHeads(next);
    if (after.length !== before.length || after.some((h, i) => h !== before[i])) this.emit(false);
  }

  private tagsOf(productId: string): string[] {
    return Object.entries(linesOf(this.doc))
      .filter(([, v]) => productOf(v) === productId)
      .map(([tag]) => tag);
  }

  add(productId: string, n: number, price?: SeenPrice): string {
    validateQuantity(n, 'add quantity');
    const tag = this.newTag();
    if (n === 0) return tag;
    const entry: CartEntry = { productId, kind: 'add', qty: n, at: this.now(), ...(price ? { price } : {}) };
    this.change((d) => {
      writableLines(d)[tag] = stored(entry);
    });
    return tag;
  }

  setQuantity(productId: string, q: number): void {
    validateQuantity(q, 'quantity');
    const observed = this.tagsOf(productId);
    const all = this.entries();
    const entry: CartEntry = {
      productId,
      kind: 'set',
      qty: q,
      at: this.now(),
      ...carriedOn(observed.flatMap((t) => all.get(t) ?? [])),
    };
    const tag = q > 0 ? this.newTag() : undefined;
    if (observed.length === 0 && !tag) return;
    this.change((d) => {
      const lines = writableLines(d);
      for (const t of observed) delete lines[t];
      if (tag) lines[tag] = stored(entry);
    });
  }

  remove(productId: string): void {
    this.setQuantity(productId, 0);
  }

  normalize(productId: string): void {
    if (this.tagsOf(productId).length <= 1) return;
    this.setQuantity(productId, this.quantity(productId));
  }

  insertEntries(entries: Iterable<[string, CartEntry]>): number {
    const fresh = new Map<string, CartEntry>();
    for (const [tag, value] of entries) {
      const entry = parseEntry(value);
      if (entry && !(tag in linesOf(this.doc))) fresh.set(tag, entry);
    }
    if (fresh.size > 0) for (const tag of this.keysEverHeld()) fresh.delete(tag);
    if (fresh.size === 0) return 0;
    this.change((d) => {
      const lines = writableLines(d);
      for (const [tag, entry] of fresh) lines[tag] = stored(entry);
    });
    return fresh.size;
  }

  /**
   * Every key the lines map ever held, from the change history: Automerge has no view of deleted
   * keys. Linear in the history, which is fine for a guest merge (once per sign-in).
   */
  private keysEverHeld(): Set<string> {
    const linesId = A.getObjectId(this.doc, 'lines');
    const keys = new Set<string>();
    for (const change of A.getAllChanges(this.doc)) {
      for (const op of A.decodeChange(change).ops) {
        if (op.obj === linesId && typeof op.key === 'string') keys.add(op.key);
      }
    }
    return keys;
  }

  clear(observedTags?: Iterable<string>): number {
    const lines = linesOf(this.doc);
    const present = observedTags ? [...new Set(observedTags)].filter((t) => t in lines) : Object.keys(lines);
    if (present.length === 0) return 0;
    this.change((d) => {
      const writable = writableLines(d);
      for (const t of present) delete writable[t];
    });
    return present.length;
  }

  private read() {
    const raw = Object.entries(linesOf(this.doc)).map(([tag, v]): [string, unknown] => [tag, plain(v)]);
    const r = readEntries(raw, this.maxPerLine);
    // A `lines` replaced by something that is not a map counts as one malformed value.
    this.lastMalformed = r.malformed + (isMap(this.doc.lines) ? 0 : 1);
    return r;
  }

  lines(): CartLine[] {
    return this.read().lines;
  }

  quantity(productId: string): number {
    return this.lines().find((l) => l.productId === productId)?.quantity ?? 0;
  }

  entries(): Map<string, CartEntry> {
    return this.read().valid;
  }

  malformedCount(): number {
    return this.lastMalformed;
  }

  onChange(listener: (change: CartChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The Automerge backend: state is `A.save`, updates are single changes (applied with their deps queued). */
export const automergeBackend: CartBackend = {
  name: 'automerge',
  create(options?: CartOptions): CartReplica {
    // Every replica starts from the same initial change, as devices that load one shared doc.
    const cart = new AutomergeCart(A.load<CartShape>(INITIAL), options);
    const listeners: ((u: Uint8Array) => void)[] = [];
    cart.onChange(({ local }) => {
      if (!local) return;
      const change = A.getLastLocalChange(cart.doc);
      if (change) for (const l of listeners) l(change);
    });
    return {
      cart,
      encodeState: () => A.save(cart.doc),
      apply: (m) => {
        // A saved document and a single change are both accepted: loadIncremental takes either.
        cart.update(A.loadIncremental(cart.doc, m));
      },
      onLocalUpdate: (l) => listeners.push(l),
      writeRaw: (tag, value) => {
        cart.doc = A.change(cart.doc, (d) => {
          writableLines(d)[tag] = value as never;
        });
      },
      size: () => A.save(cart.doc).length,
    };
  },
};

const INITIAL = A.save(
  A.change(A.init<CartShape>({ actor: '00000000' }), (d) => {
    d.lines = {};
  }),
);
