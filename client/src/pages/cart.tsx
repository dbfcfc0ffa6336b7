import { DEFAULT_MAX_PER_LINE as MAX_PER_LINE } from '@shopsync/core/cart/entry';
import type { SeenPrice } from '@shopsync/core/cart/types';
import type { YjsCart } from '@shopsync/core/cart/yjs';
import { useEffect, useRef, useState } from 'preact/hooks';
import { priceChangeText } from '../cart/price-change.js';
import { cartState, currentCart } from '../cart/session.js';
import { decrease, increase } from '../cart/steppers.js';
import { ProductImage } from '../components/image.js';
import { SyncBadge } from '../components/sync-badge.js';
import { formatMoney, formatTotal } from '../format.js';
import { lineName, unloadedText, useOnline } from '../line-name.js';
import { lineAmounts, lineProblem, mustFix, problemText, reloadProducts, useProducts } from '../products.js';
import { useStore } from '../store.js';
import { useTitle } from '../title.js';

/** A line changed elsewhere: its quantity before and after (0: not in the cart). */
interface RemoteChange {
  productId: string;
  from: number;
  to: number;
}

/**
 * How long the cart must stay still before a change made elsewhere is announced: one change there
 * (an add, then another line's quantity) reaches this page as several updates, said as one.
 */
const REMOTE_QUIET_MS = 700;
/** Lines named in that announcement; the rest are counted ("and 2 more"). */
const REMOTE_NAMED = 3;

export default function CartPage() {
  const state = useStore(cartState);
  // Stock and price as the shop has them now, not as they were when first seen this session.
  const products = useProducts(
    state.lines.map((l) => l.productId),
    true,
  );
  const online = useOnline();
  // The cart these lines are of, looked up at each tap: the page outlives a cart switch (signing
  // in or out), and an edit must go to the cart on the screen or nowhere.
  const shown = () => {
    const session = currentCart();
    return session && session.cartId === state.cartId ? session.cart : undefined;
  };
  const withCart = (edit: (cart: YjsCart) => void) => {
    const cart = shown();
    if (cart) edit(cart);
  };
  // The line last removed, and from which cart, so that one tap puts it back there.
  const [removed, setRemoved] = useState<{
    cartId: string;
    /**
     * The cart's `remoteNews` when it was removed. Undo adds the quantity back: right only while
     * nothing came from elsewhere since. After another device's add, it would add onto that (3
     * removed, 1 added there: 4); after an order placed elsewhere of the removed entries, it would
     * put back what was bought. So any news from elsewhere (an edit received, the device
     * reconnecting) withdraws the offer.
     */
    news: number;
    productId: string;
    quantity: number;
    title: string;
    /** The price it was added at: Undo puts it back as it was, not as added now. */
    addedPrice: SeenPrice | undefined;
  } | null>(null);
  // What the one status region below says (a live region per line announced a bare number, of no
  // line): the new quantity of the line the shopper last changed with "+" or "−", or what changed
  // in the cart elsewhere (another device), whichever came last.
  const [said, setSaid] = useState<{ stepped: string } | { remote: RemoteChange[] } | null>(null);
  const setStepped = (productId: string | null) => setSaid(productId ? { stepped: productId } : null);
  // Telling the shopper's own edits from changes made elsewhere: the cart's state does not say which
  // device made a change (checkout, likewise, compares the cart with the one it reviewed). So the
  // page keeps the quantities it has accounted for: the lines as it last rendered them, updated at
  // once by its own edits (`own`, right after making them; a Yjs edit publishes the new state
  // synchronously). Whatever differs from them at the next render came from elsewhere. Until this
  // device's copy and the server's have loaded (the first load: the render saying so may bring the
  // server's lines too, so `settled` is of the lines kept, taken once both had loaded), and when
  // another cart is on the screen (signed in or out), the lines are taken as they are, unannounced.
  const known = useRef<{ cartId: string | null; settled: boolean; lines: Map<string, number> } | null>(null);
  // Changes from elsewhere not yet announced (each line's quantity before the first of them).
  const pending = useRef(new Map<string, { from: number; to: number }>());
  const quiet = useRef<ReturnType<typeof setTimeout>>();
  const own = (productId: string) => {
    const mine = known.current;
    const now = cartState.get();
    if (!mine || mine.cartId !== now.cartId) return;
    const quantity = now.lines.find((l) => l.productId === productId)?.quantity ?? 0;
    if (quantity) mine.lines.set(productId, quantity);
    else mine.lines.delete(productId);
    pending.current.delete(productId);
  };
  useEffect(() => {
    const now = new Map(state.lines.map((l) => [l.productId, l.quantity]));
    const mine = known.current;
    if (!mine || mine.cartId !== state.cartId || !mine.settled) {
      if (mine && mine.cartId !== state.cartId) setSaid(null);
      known.current = { cartId: state.cartId, settled: state.ready && state.synced, lines: now };
      pending.current.clear();
      clearTimeout(quiet.current);
      return;
    }
    let changed = false;
    for (const id of new Set([...mine.lines.keys(), ...now.keys()])) {
      const before = mine.lines.get(id) ?? 0;
      const after = now.get(id) ?? 0;
      if (before === after) continue;
      pending.current.set(id, { from: pending.current.get(id)?.from ?? before, to: after });
      changed = true;
    }
    mine.lines = now;
    if (!changed) return;
    clearTimeout(quiet.current);
    quiet.current = setTimeout(() => {
      const changes = [...pending.current]
        .filter(([, c]) => c.from !== c.to)
        .map(([productId, c]) => ({ productId, ...c }));
      pending.current.clear();
      if (changes.length) setSaid({ remote: changes });
    }, REMOTE_QUIET_MS);
  }, [state]);
  useEffect(() => () => clearTimeout(quiet.current), []);
  // The button pressed is gone after a removal or an Undo: where keyboard focus goes instead, once
  // the page shows the change (the Undo button, or the restored line's Remove button).
  const focusNext = useRef<{ undo: true } | { line: string } | { heading: true } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const undoButton = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    const next = focusNext.current;
    if (!next) return;
    focusNext.current = null;
    const target =
      'heading' in next
        ? heading.current
        : 'undo' in next
          ? undoButton.current
          : list.current?.querySelector<HTMLElement>(`[data-product="${CSS.escape(next.line)}"] .remove`);
    // Not there (the cart on the screen changed meanwhile): the page's heading, not <body>.
    (target ?? heading.current)?.focus();
  });
  useTitle('Your cart');
  // "Remove", and "−" down to none: either way the line can come back with one tap.
  const remove = (productId: string, quantity: number, title: string) => {
    const cart = shown();
    if (!cart) return;
    cart.remove(productId);
    own(productId);
    const addedPrice = state.lines.find((l) => l.productId === productId)?.addedPrice;
    setRemoved({
      cartId: state.cartId!,
      news: cartState.get().remoteNews,
      productId,
      quantity,
      title,
      addedPrice,
    });
    setStepped(null);
    focusNext.current = { undo: true };
  };
  // Another cart is on the screen now (signed in or out), or news came from elsewhere since: the
  // removal is not undone (see `removed`).
  const undoable =
    removed && removed.cartId === state.cartId && removed.news === state.remoteNews ? removed : null;
  // Withdrawn while keyboard focus was on it: the focus goes to the page's heading, not <body>.
  if (!undoable && undoButton.current && document.activeElement === undoButton.current)
    focusNext.current ??= { heading: true };
  // No lines yet does not mean empty until this device's copy and the server's have loaded (or the
  // server could not be reached); with no cart open, until it opens (unless offline: there is none).
  const loading =
    state.lines.length === 0 && (state.cartId ? !state.ready || !state.synced : navigator.onLine);
  // Lines whose product has not loaded have no price yet: no subtotal until they do. Lines no
  // longer sold are not counted: they cannot be ordered.
  const pricing = state.lines.some((l) => products.get(l.productId) === undefined);
  // Of those, lines whose product could not load (offline, the shop not answering): asked again by
  // themselves (useProducts), meanwhile said so rather than "Loading…".
  const unpriced = state.lines.some((l) => lineProblem(l, products) === 'failed');
  const subtotal = formatTotal(lineAmounts(state.lines, products));
  // The stepped line's quantity as the cart now has it; nothing once the line is gone (the Undo
  // notice speaks then).
  const stepped = said && 'stepped' in said ? said.stepped : null;
  const steppedLine = stepped ? state.lines.find((l) => l.productId === stepped) : undefined;
  const statusText = steppedLine
    ? `Quantity of ${lineName(products.get(steppedLine.productId), state.lines.indexOf(steppedLine))}: ${steppedLine.quantity}`
    : said && 'remote' in said
      ? remoteText(said.remote, products)
      : '';
  return (
    <section class="cart">
      <h1 tabIndex={-1} ref={heading}>
        Your cart
      </h1>
      <SyncBadge />
      {/* Mounted empty, so that screen readers announce the text when it comes. */}
      <div role="status">
        {undoable && (
          <p class="notice" data-testid="removed">
            Removed {undoable.title}.{' '}
            <button
              type="button"
              class="link"
              ref={undoButton}
              onClick={() => {
                shown()?.add(undoable.productId, undoable.quantity, undoable.addedPrice);
                own(undoable.productId);
                setRemoved(null);
                focusNext.current = { line: undoable.productId };
              }}
            >
              Undo
            </button>
          </p>
        )}
      </div>
      {/* One region for every line's quantity: "Quantity of Desk lamp: 3", not a bare "3"; and for
          what changed elsewhere. */}
      <p class="visually-hidden" role="status" data-testid="quantity-status">
        {statusText}
      </p>
      {loading ? (
        <p class="loading" data-testid="cart-loading">
          Loading your cart…
        </p>
      ) : state.lines.length === 0 ? (
        <p class="empty" data-testid="cart-empty">
          Your cart is empty. <a href="/search">Find something you like</a>.
        </p>
      ) : (
        <>
          <ul class="lines" data-testid="cart-lines" ref={list}>
            {state.lines.map((line, index) => {
              const p = products.get(line.productId);
              const problem = lineProblem(line, products);
              const repriced = p && priceChangeText(line.addedPrice, p.price);
              // What each control names, so that a list of buttons tells the lines apart.
              const what = lineName(p, index);
              return (
                <li key={line.productId} class="line" data-product={line.productId}>
                  <ProductImage src={p?.images[0]} alt="" size="sm" />
                  <div class="line-info">
                    <a href={`/products/${encodeURIComponent(line.productId)}`} class="title">
                      {p?.title ??
                        (p === null
                          ? 'No longer available'
                          : unloadedText(problem === 'failed' ? 'failed' : 'loading', online))}
                    </a>
                    {problem === 'failed' && online && (
                      <button
                        type="button"
                        class="link"
                        aria-label={`Try again to load ${what}`}
                        onClick={reloadProducts}
                      >
                        Try again
                      </button>
                    )}
                    {p && <span class="price">{formatMoney(p.price)}</span>}
                    {repriced && (
                      <p class="notice" data-testid="line-price">
                        {repriced}
                      </p>
                    )}
                    {mustFix(problem) && (
                      <p class="notice stock-short" data-testid="line-stock">
                        {problemText(
                          problem,
                          p?.stock ?? 0,
                          'The shop no longer sells this item: remove it to check out.',
                        )}
                      </p>
                    )}
                    {line.capped && (
                      <p class="notice" data-testid="line-capped">
                        More were added than one order takes: the cart keeps {MAX_PER_LINE}.
                      </p>
                    )}
                  </div>
                  <fieldset class="qty">
                    <legend class="visually-hidden">Quantity of {what}</legend>
                    <button
                      type="button"
                      aria-label={`Decrease quantity of ${what}`}
                      onClick={() => {
                        if (line.quantity > 1) {
                          withCart((cart) => decrease(cart, line.productId, line.quantity));
                          own(line.productId);
                          setStepped(line.productId);
                        } else remove(line.productId, line.quantity, p?.title ?? what);
                      }}
                    >
                      −
                    </button>
                    {/* Not a live region (an <output> is one by default): the region above speaks. */}
                    <output data-testid="quantity" aria-live="off">
                      {line.quantity}
                    </output>
                    <button
                      type="button"
                      aria-label={`Increase quantity of ${what}`}
                      // Up to what one order takes and what the shop has (the notice above says why).
                      disabled={
                        line.quantity >= MAX_PER_LINE || (!!p && line.quantity >= p.stock) || p === null
                      }
                      onClick={() => {
                        withCart((cart) => increase(cart, line.productId));
                        own(line.productId);
                        setStepped(line.productId);
                      }}
                    >
                      +
                    </button>
                  </fieldset>
                  <span class="line-total" data-testid="line-total">
                    {p && formatMoney({ amount: p.price.amount * line.quantity, currency: p.price.currency })}
                  </span>
                  <button
                    type="button"
                    class="link remove"
                    aria-label={`Remove ${what}`}
                    onClick={() => remove(line.productId, line.quantity, p?.title ?? what)}
                  >
                    Remove
                  </button>
                </li>
              );
            })}
          </ul>
          <p class="subtotal">
            Subtotal: <strong>{pricing ? '—' : subtotal}</strong>
          </p>
          {unpriced && (
            <p class="notice" data-testid="cart-unpriced">
              {online
                ? 'Some items could not load: the subtotal shows once they do.'
                : 'Some items’ details are unavailable offline: the subtotal shows once you are back online.'}
            </p>
          )}
          <a class="button primary" href="/checkout">
            Proceed to checkout
          </a>
        </>
      )}
    </section>
  );
}

/** How the cart's controls name a line's product: its title, or what stands for it. */
function nameOf(p: { title: string } | null | undefined): string {
  return p?.title ?? (p === null ? 'the item no longer sold' : 'this item');
}

/**
 * What changed in the cart elsewhere, briefly: "Your cart changed on another device: Kettle added;
 * Lamp now 3; Mug removed; and 2 more." Adds first, then new quantities, then removals. Nothing until
 * the named lines' products have loaded (the cache keeps removed ones): a text that changed from
 * "this item" to the title would be announced twice.
 */
function remoteText(changes: RemoteChange[], products: Map<string, { title: string } | null>): string {
  const order = (c: RemoteChange) => (c.from === 0 ? 0 : c.to === 0 ? 2 : 1);
  const sorted = [...changes].sort((a, b) => order(a) - order(b));
  const named = sorted.slice(0, REMOTE_NAMED);
  if (named.some((c) => products.get(c.productId) === undefined)) return '';
  const parts = named.map((c) => {
    const what = nameOf(products.get(c.productId));
    return c.from === 0 ? `${what} added` : c.to === 0 ? `${what} removed` : `${what} now ${c.to}`;
  });
  const rest = sorted.length - named.length;
  return `Your cart changed on another device: ${parts.join('; ')}${rest ? `; and ${rest} more` : ''}.`;
}
