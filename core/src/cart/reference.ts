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

/**
 * The semantics, stated plainly: a state-based observed-remove set of entries. The state is the
 * entries ever added and the tags ever removed; merge is the union of both; the visible entries
 * are the added ones whose tag was never removed. Used by the property tests as the oracle.
 */
export class ReferenceCart implements CartDocument {
  readonly added = new Map<string, unknown>();
  readonly removed = new Set<string>();
  private readonly listeners = new Set<(c: CartChange) => void>();
  private readonly maxPerLine: number;
  private readonly now: () => number;
  private readonly newTag: () => string;
  private lastMalformed = 0;

  constructor(options: CartOptions = {}) {
    this.maxPerLine = options.maxPerLine ?? DEFAULT_MAX_PER_LINE;
    this.now = options.now ?? Date.now;
    this.newTag = options.newTag ?? randomTag;
  }

  private visible(): [string, unknown][] {
    return [...this.added].filter(([tag]) => !this.removed.has(tag));
  }

  private observedTags(productId: string): string[] {
    return this.visible()
      .filter(([, v]) => (v as { productId?: unknown } | null)?.productId === productId)
      .map(([tag]) => tag);
  }

  private emit(local: boolean): void {
    for (const l of this.listeners) l({ local });
  }

  add(productId: string, n: number, price?: SeenPrice): string {
    validateQuantity(n, 'add quantity');
    const tag = this.newTag();
    if (n === 0) return tag;
    this.added.set(tag, {
      productId,
      kind: 'add',
      qty: n,
      at: this.now(),
      ...(price ? { price } : {}),
    } satisfies CartEntry);
    this.emit(true);
    return tag;
  }

  setQuantity(productId: string, q: number): void {
    validateQuantity(q, 'quantity');
    const observed = this.observedTags(productId);
    const carried = carriedOn(observed.flatMap((t) => parseEntry(this.added.get(t)) ?? []));
    for (const tag of observed) this.removed.add(tag);
    if (q > 0)
      this.added.set(this.newTag(), {
        productId,
        kind: 'set',
        qty: q,
        at: this.now(),
        ...carried,
      } satisfies CartEntry);
    if (q > 0 || observed.length > 0) this.emit(true);
  }

  remove(productId: string): void {
    this.setQuantity(productId, 0);
  }

  normalize(productId: string): void {
    if (this.observedTags(productId).length <= 1) return;
    this.setQuantity(productId, this.quantity(productId));
  }

  insertEntries(entries: Iterable<[string, CartEntry]>): number {
    let n = 0;
    for (const [tag, value] of entries) {
      const entry = parseEntry(value);
      // A tag is added once and removed forever: the OR-set never re-adds a tag it has seen.
      if (!entry || this.added.has(tag) || this.removed.has(tag)) continue;
      this.added.set(tag, entry);
      n++;
    }
    if (n) this.emit(true);
    return n;
  }

  clear(observedTags?: Iterable<string>): number {
    const visible = new Set(this.visible().map(([t]) => t));
    let n = 0;
    for (const tag of observedTags ?? [...visible]) {
      if (visible.has(tag) && !this.removed.has(tag)) {
        this.removed.add(tag);
        n++;
      }
    }
    if (n) this.emit(true);
    return n;
  }

  lines(): CartLine[] {
    const r = readEntries(this.visible(), this.maxPerLine);
    this.lastMalformed = r.malformed;
    return r.lines;
  }

  quantity(productId: string): number {
    return this.lines().find((l) => l.productId === productId)?.quantity ?? 0;
  }

  entries(): Map<string, CartEntry> {
    const r = readEntries(this.visible(), this.maxPerLine);
    this.lastMalformed = r.malformed;
    return r.valid;
  }

  malformedCount(): number {
    return this.lastMalformed;
  }

  onChange(listener: (change: CartChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Union of states. */
  merge(state: { added: [string, unknown][]; removed: string[] }): void {
    const before = this.added.size + this.removed.size;
    for (const [tag, v] of state.added) if (!this.added.has(tag)) this.added.set(tag, v);
    for (const tag of state.removed) this.removed.add(tag);
    if (this.added.size + this.removed.size !== before) this.emit(false);
  }

  state(): { added: [string, unknown][]; removed: string[] } {
    return { added: [...this.added], removed: [...this.removed] };
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const referenceBackend: CartBackend = {
  name: 'reference',
  create(options?: CartOptions): CartReplica {
    const cart = new ReferenceCart(options);
    const listeners: ((u: Uint8Array) => void)[] = [];
    const encodeState = () => encoder.encode(JSON.stringify(cart.state()));
    cart.onChange(({ local }) => {
      if (local) for (const l of listeners) l(encodeState());
    });
    return {
      cart,
      encodeState,
      apply: (m) => cart.merge(JSON.parse(decoder.decode(m))),
      onLocalUpdate: (l) => listeners.push(l),
      writeRaw: (tag, value) => cart.added.set(tag, value),
      size: () => encodeState().length,
    };
  },
};
