import * as A from '@automerge/automerge';
import { DEFAULT_MAX_PER_LINE, randomTag, readEntries, validateQuantity } from './entry.js';
import type { CartBackend, CartReplica } from './replica.js';
import type { CartChange, CartDocument, CartEntry, CartLine, CartOptions } from './types.js';

type CartShape = { lines: Record<string, unknown> };

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
    this.doc = doc ?? A.from<CartShape>({ lines: {} });
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
    if (next === this.doc) return;
    this.doc = next;
    this.emit(false);
  }

  private tagsOf(productId: string): string[] {
    return Object.entries(this.doc.lines)
      .filter(([, v]) => (v as { productId?: unknown } | null)?.productId === productId)
      .map(([tag]) => tag);
  }

  add(productId: string, n: number): string {
    validateQuantity(n, 'add quantity');
    const tag = this.newTag();
    if (n === 0) return tag;
    const entry: CartEntry = { productId, kind: 'add', qty: n, at: this.now() };
    this.change((d) => {
      d.lines[tag] = entry;
    });
    return tag;
  }

  setQuantity(productId: string, q: number): void {
    validateQuantity(q, 'quantity');
    const observed = this.tagsOf(productId);
    const entry: CartEntry = { productId, kind: 'set', qty: q, at: this.now() };
    const tag = q > 0 ? this.newTag() : undefined;
    this.change((d) => {
      for (const t of observed) delete d.lines[t];
      if (tag) d.lines[tag] = entry;
    });
  }

  remove(productId: string): void {
    this.setQuantity(productId, 0);
  }

  normalize(productId: string): void {
    if (this.tagsOf(productId).length <= 1) return;
    this.setQuantity(productId, this.quantity(productId));
  }

  clear(observedTags?: Iterable<string>): number {
    const present = observedTags
      ? [...observedTags].filter((t) => t in this.doc.lines)
      : Object.keys(this.doc.lines);
    if (present.length === 0) return 0;
    this.change((d) => {
      for (const t of present) delete d.lines[t];
    });
    return present.length;
  }

  private read() {
    const r = readEntries(Object.entries(this.doc.lines ?? {}), this.maxPerLine);
    this.lastMalformed = r.malformed;
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
          d.lines[tag] = value as never;
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
