import { createHash } from 'node:crypto';
import {
  type CartView,
  compactLine,
  lineTag,
  MAX_PER_LINE,
  mergeYjsCart,
  type SeenPrice,
  YjsCart,
} from '@shopsync/core';
import { MAX_DOCUMENT_BYTES } from '@shopsync/sync-server/limits';
import * as Y from 'yjs';
import { rememberBounded } from '../bounded.js';
import { type Db, statement } from '../db.js';
import { newId } from '../ids.js';

/** Where cart documents live: the sync server's rooms (edits are persisted and broadcast). */
export interface CartDocuments {
  getDocument(cartId: string): Promise<Y.Doc>;
  withDocument<T>(cartId: string, fn: (doc: Y.Doc) => T): Promise<T>;
}

/** An owner is `user:<id>` or `guest:<id>`: one cart each. */
export type Owner = `user:${string}` | `guest:${string}`;

const OWNER_CACHE_SIZE = 10_000;

/**
 * A line an HTTP edit touches is normalized (compactLine) once it holds more entries than this:
 * each entry is at least one unit, so a line past MAX_PER_LINE entries holds more than it can,
 * which shoppers' devices do not make (their steppers set a quantity). Without it, 5,000 adds
 * left 5,000 live entries on one line (GET /api/cart 140 KB, every read and add slower) until the
 * cart's room went idle, which a cart in constant use never does.
 */
export const HTTP_COMPACT_AFTER = MAX_PER_LINE;

/** A server-side edit: made, or refused because the document is at its size limit. */
export type CartEdit = { ok: true } | { ok: false; reason: 'too_large'; maxBytes: number };

export class Carts {
  /** Called with the number of malformed entries a read skipped (a buggy or hostile client wrote them). */
  onMalformed: (count: number) => void = () => {};
  private readonly owners = new Map<string, Owner>();

  constructor(
    private readonly db: Db,
    private readonly documents: CartDocuments,
    private readonly now: () => number = Date.now,
    private readonly maxDocumentBytes = MAX_DOCUMENT_BYTES,
  ) {}

  /**
   * The owner's cart id. A user's cart is a row, made on first use. A guest's is not: its id is
   * derived from the guest id (guestCartId), so a visit that only looks (every first page view,
   * every cookie-less crawler) stores nothing; its document is stored once a device writes to it.
   * A guest cart made as a row before (older versions did) keeps its row and its id.
   */
  cartFor(owner: Owner): string {
    const existing = this.findCart(owner) ?? derivedCart(owner);
    if (existing) return existing;
    // OR IGNORE: a concurrent first use may have created it; the owner is UNIQUE either way.
    statement(this.db, 'INSERT OR IGNORE INTO carts (id, owner, created_at) VALUES (?, ?, ?)').run(
      newId('c', 12),
      owner,
      this.now(),
    );
    return this.findCart(owner)!;
  }

  /** Whether `cartId` is the owner's cart (as cartFor names it), without making anything. */
  owns(owner: Owner, cartId: string): boolean {
    return (this.findCart(owner) ?? derivedCart(owner)) === cartId;
  }

  findCart(owner: Owner): string | undefined {
    return (
      statement(this.db, 'SELECT id FROM carts WHERE owner = ?').get(owner) as { id: string } | undefined
    )?.id;
  }

  /** Whether `cartId` is a user's cart (kept for good; a guest's goes when the guest does). */
  isUsersCart(cartId: string): boolean {
    return (
      statement(this.db, "SELECT 1 FROM carts WHERE id = ? AND owner LIKE 'user:%'").get(cartId) !== undefined
    );
  }

  /** The owner of a cart that is a row: a user's (a guest's cart has none, see cartFor). */
  ownerOf(cartId: string): Owner | undefined {
    const known = this.owners.get(cartId);
    if (known) return known;
    const owner = (
      statement(this.db, 'SELECT owner FROM carts WHERE id = ?').get(cartId) as { owner: Owner } | undefined
    )?.owner;
    // A cart's owner never changes, so it can be remembered (bounded, oldest first out).
    if (owner) rememberBounded(this.owners, cartId, owner, OWNER_CACHE_SIZE);
    return owner;
  }

  async lines(cartId: string): Promise<CartView['lines']> {
    const cart = new YjsCart(await this.documents.getDocument(cartId));
    // The order the storefront shows: the most recently added first.
    const lines = cart.shownLines();
    if (cart.malformedCount() > 0) this.onMalformed(cart.malformedCount());
    return lines.map((l) => ({
      tag: lineTag(l.tags),
      productId: l.productId,
      quantity: l.quantity,
      tags: l.tags,
      ...(l.capped ? { capped: true as const } : {}),
      ...(l.addedPrice ? { addedPrice: l.addedPrice } : {}),
    }));
  }

  /**
   * The same `add` operation a device makes, applied to the server's copy (API clients without a
   * CRDT), at `price`, the product's price now (what the shopper is taken to have seen).
   */
  add(cartId: string, productId: string, quantity: number, price?: SeenPrice): Promise<CartEdit> {
    return this.edit(cartId, productId, true, (cart) => cart.add(productId, quantity, price));
  }

  /** Sets a line's quantity; 0 removes it, which is never refused. */
  setQuantity(cartId: string, productId: string, quantity: number): Promise<CartEdit> {
    return this.edit(cartId, productId, quantity > 0, (cart) => cart.setQuantity(productId, quantity));
  }

  /**
   * An HTTP client's edit of one line, in one transaction with the line's compaction. One that
   * `grows` the document is refused past `maxDocumentBytes`, as the sync server refuses a device's
   * update (4413); a removal is not, so a full cart can still be emptied. The size read is the
   * document encoded as one update (what its stored snapshot becomes), at most what storage holds.
   */
  private async edit(
    cartId: string,
    productId: string,
    grows: boolean,
    change: (cart: YjsCart) => void,
  ): Promise<CartEdit> {
    if (grows) {
      const bytes = Y.encodeStateAsUpdate(await this.documents.getDocument(cartId)).byteLength;
      if (bytes > this.maxDocumentBytes)
        return { ok: false, reason: 'too_large', maxBytes: this.maxDocumentBytes };
    }
    await this.documents.withDocument(cartId, (doc) => {
      const cart = new YjsCart(doc);
      change(cart);
      compactLine(cart, productId, { maxEntriesPerLine: HTTP_COMPACT_AFTER });
    });
    return { ok: true };
  }

  /**
   * On sign-in: the guest cart's entries join the user's cart (a union), and the guest cart
   * empties. Returns how many of its lines (products) it brought, 0 when it had none.
   */
  async mergeGuestCart(guestId: string, userId: string): Promise<number> {
    const guestCart = this.cartFor(`guest:${guestId}`);
    const guestDoc = await this.documents.getDocument(guestCart);
    const lines = new YjsCart(guestDoc).lines().length;
    if (lines === 0) return 0;
    const userCart = this.cartFor(`user:${userId}`);
    // Copies the guest's live entries, not its Yjs history: replaying that would also replay its
    // deletions of entries merged at an earlier sign-in. Tags the user cart removed stay removed.
    let merged: string[] = [];
    await this.documents.withDocument(userCart, (doc) => {
      merged = [...new YjsCart(guestDoc).map.keys()];
      return mergeYjsCart(doc, guestDoc);
    });
    // Exactly the entries merged leave the guest cart (an observed remove, as checkout's): one a
    // guest device added while the merge committed stays there for the next sign-in, not lost.
    await this.documents.withDocument(guestCart, (doc) => new YjsCart(doc).clear(merged));
    return lines;
  }
}

/** A guest's cart id (guestCartId); none for a user, whose cart is a row. */
function derivedCart(owner: Owner): string | undefined {
  return owner.startsWith('guest:') ? guestCartId(owner.slice('guest:'.length)) : undefined;
}

/**
 * A guest's cart id: a one-way hash of the guest id, so the id (in sync URLs, logs, links) does
 * not give away the cookie that owns it, and the shop needs no row to know whose cart it is.
 */
export function guestCartId(guestId: string): string {
  return `c_${createHash('sha256').update(`shopsync guest cart\0${guestId}`).digest('base64url').slice(0, 16)}`;
}
