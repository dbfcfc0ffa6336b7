import type { CartLine } from '@shopsync/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { addressText } from '../address.js';
import { type Address, ApiError, api, errorText } from '../api.js';
import { cartState, currentCart } from '../cart/session.js';
import { fixText, type LineFix, lineFixes, type Rejection, rejectionOf } from '../checkout-fixes.js';
import { AddressForm } from '../components/address-form.js';
import { useFocusOnError } from '../focus.js';
import { formatMoney, formatTotal, totalsByCurrency } from '../format.js';
import { unloadedText, useOnline } from '../line-name.js';
import { lineAmounts, lineProblem, noteRejection, reloadProducts, useProducts } from '../products.js';
import { retryDelay, retryWhenOnline, worthRetrying } from '../retry.js';
import { navigate } from '../router.js';
import { currentUser } from '../session.js';
import { useStore } from '../store.js';
import { useTitle } from '../title.js';
import { accountHref } from './account-form.js';

interface Review {
  lines: CartLine[];
  key: string;
}

export default function Checkout() {
  const user = useStore(currentUser);
  useTitle('Checkout');
  if (user === undefined) return <p class="loading">Loading…</p>;
  if (!user) {
    return (
      <section>
        <h1>Checkout</h1>
        <p>
          Please <a href={accountHref('signin', '/checkout')}>sign in</a> or{' '}
          <a href={accountHref('signup', '/checkout')}>create an account</a> to place your order. Your cart
          comes with you.
        </p>
      </section>
    );
  }
  // Keyed by who is signed in: another tab signing in as someone else must not leave the last
  // account's reviewed cart (or its addresses) under the new one.
  return <CheckoutPage key={user.id} />;
}

function CheckoutPage() {
  const state = useStore(cartState);
  // The order is exactly what the shopper reviewed: these lines and their entry tags.
  const [review, setReview] = useState<Review | null>(null);
  // null while they load; the shopper's own addresses, not a form for a new one, come first.
  const [addresses, setAddresses] = useState<Address[] | null>(null);
  const [addressesFailed, setAddressesFailed] = useState<string | null>(null);
  const [loadAddresses, setLoadAddresses] = useState(0);
  const [addressId, setAddressId] = useState<string>('');
  const [error, setError] = useState<string | null>(null);
  const [placing, setPlacing] = useState(false);
  // The last attempt was sent and its answer lost: it may have reached the shop or not. Placed
  // again under the same key (the shop answers with the order if it has it, and makes it once if
  // not) until an answer comes (retryWhenOnline); meanwhile the cart losing the ordered lines is
  // not "changed".
  const [unsure, setUnsure] = useState(false);
  // The latest `place` (defined below, once there is a review), for the retries.
  const placeAgain = useRef<() => Promise<boolean>>(async () => false);
  // Each Place order pressed that did not lead to the order: focus goes to the alert saying why
  // (not for the retries in the background, which must not move it).
  const [alertBox, focusAlert] = useFocusOnError();
  // "Review the new cart" is gone once pressed: focus goes to the new review's heading (the page's,
  // when the new cart is empty).
  const pageHeading = useRef<HTMLHeadingElement>(null);
  const reviewHeading = useRef<HTMLHeadingElement>(null);
  const [reviewedAgain, setReviewedAgain] = useState(0);
  useEffect(() => {
    if (reviewedAgain) (reviewHeading.current ?? pageHeading.current)?.focus();
  }, [reviewedAgain]);
  // The last order the shop refused (out of stock, a new price, no longer sold): the shopper stays
  // here, and each line says what to change, with a button that changes it. A new price is taken
  // once pressed OK (`accepted`), so that the next order carries it knowingly.
  const [rejection, setRejection] = useState<Rejection | null>(null);
  const [accepted, setAccepted] = useState<ReadonlySet<string>>(new Set());
  // What the last fix did ("Mug: quantity now 1."), said in a status region.
  const [fixed, setFixed] = useState('');
  // Focus goes to the first line's fix after a refusal and after each fix (the button pressed is
  // gone), or to Place order once nothing is left to fix.
  const reviewList = useRef<HTMLUListElement>(null);
  const placeButton = useRef<HTMLButtonElement>(null);
  const [focusFix, setFocusFix] = useState(0);
  useEffect(() => {
    if (!focusFix) return;
    const next =
      reviewList.current?.querySelector<HTMLElement>('.fix button') ??
      (placeButton.current && !placeButton.current.disabled ? placeButton.current : null) ??
      reviewHeading.current ??
      pageHeading.current;
    next?.focus();
  }, [focusFix]);
  const refused = (r: Rejection, focus: boolean) => {
    noteRejection(r.reasons);
    setRejection(r);
    setAccepted(new Set());
    setFixed('');
    if (focus) setFocusFix((n) => n + 1);
  };
  // From an order page (an order refused after the shop answered "pending"): its fixes, here.
  useEffect(() => {
    const id = new URLSearchParams(location.search).get('order');
    if (!id) return;
    api.order(id).then(
      (order) => {
        const r = rejectionOf(order);
        if (r) refused(r, false);
      },
      () => undefined,
    );
  }, []);
  useEffect(() => {
    if (unsure) return retryWhenOnline(async () => !(await placeAgain.current()));
  }, [unsure]);
  const products = useProducts(
    (review?.lines ?? []).map((l) => l.productId),
    true,
  );
  const online = useOnline();
  useEffect(() => {
    if (!review && state.ready && state.lines.length)
      setReview({ lines: state.lines, key: crypto.randomUUID() });
  }, [state, review]);
  useEffect(() => {
    setAddressesFailed(null);
    api.addresses().then(
      (r) => {
        addressRetries.current = 0;
        setAddresses(r.items);
        if (r.items[0]) setAddressId((id) => (r.items.some((a) => a.id === id) ? id : r.items[0]!.id));
      },
      (err: unknown) => {
        addressesRetry.current = worthRetrying(err);
        setAddressesFailed(
          err instanceof ApiError && err.status === 0
            ? `Your addresses could not load: ${navigator.onLine ? 'the shop did not answer' : 'you are offline'}.`
            : `Your addresses could not load. ${errorText(err)}`,
        );
      },
    );
  }, [loadAddresses]);
  // Addresses that could not load are asked again when the connection returns, and while online
  // after 1 s, 2 s, 4 s… (a request made as the browser says it is back may still fail), unless
  // the shop's answer would be the same (worthRetrying).
  const addressRetries = useRef(0);
  const addressesRetry = useRef(false);
  useEffect(() => {
    if (!addressesFailed) return;
    const again = () => setLoadAddresses((n) => n + 1);
    addEventListener('online', again);
    const timer =
      navigator.onLine && addressesRetry.current
        ? setTimeout(again, retryDelay(addressRetries.current++))
        : undefined;
    return () => {
      removeEventListener('online', again);
      clearTimeout(timer);
    };
  }, [addressesFailed]);

  if (!review)
    return (
      <section>
        <h1 tabIndex={-1} ref={pageHeading}>
          Checkout
        </h1>
        {/* Until this device's copy and the server's have loaded, no lines does not mean empty;
            lines that have loaded become the review as soon as this renders. */}
        {!state.ready || !state.synced || state.lines.length ? (
          <p class="loading">Loading your cart…</p>
        ) : (
          <p class="empty">
            Your cart is empty. <a href="/search">Find something you like</a>.
          </p>
        )}
      </section>
    );

  // Changed entries count even at the same quantities ("−" then "+" elsewhere): the order names
  // the reviewed entries, and the server cannot order ones that are gone.
  const changed = linesKey(state.lines) !== linesKey(review.lines);
  // Some reviewed entries are no longer in this device's cart (ordered or changed elsewhere): the
  // shop cannot order them either, so Place order waits for a new review. Not while an order whose
  // answer was lost is asked again: its own entries leave the cart when it is placed.
  const stale = !unsure && !reviewedIn(review, state.lines);
  // The order charges the prices this page shows (they go with it, and a changed one is refused):
  // none is placed until every line shows its product and price and can be ordered as it is.
  const problems = review.lines.map((l) => lineProblem(l, products));
  const waiting = problems.some((p) => p === 'loading');
  const failed = problems.some((p) => p === 'failed');
  // What each line must change before it can be ordered: the stock or sale the shop has now, and
  // a new price the last refused order named, not yet accepted.
  const fixes = review.lines.map((l) => lineFixes(l, products.get(l.productId), rejection, accepted));
  const unavailable = review.lines.filter((_, i) => fixes[i]!.length > 0);
  // Fixing in place: the cart session changes the line, as the cart's steppers do, and the order is
  // reviewed afresh (a new key: the refused one would answer with the refused order).
  const fix = (line: CartLine, what: LineFix, title: string) => {
    if (what.kind === 'price') {
      setAccepted(new Set([...accepted, line.productId]));
      setReview({ lines: review.lines, key: crypto.randomUUID() });
      setFixed(`${title}: new price ${formatMoney(what.now)} accepted.`);
    } else {
      const session = currentCart();
      if (!session || session.cartId !== state.cartId) return;
      if (what.kind === 'reduce') session.cart.setQuantity(line.productId, what.to);
      else session.cart.remove(line.productId);
      // Not when the cart had changed elsewhere meanwhile: that notice still asks for a new review.
      if (!changed) {
        const lines = cartState.get().lines;
        setReview(lines.length ? { lines, key: crypto.randomUUID() } : null);
      }
      setFixed(what.kind === 'reduce' ? `${title}: quantity now ${what.to}.` : `${title} removed.`);
    }
    setError(null);
    setFocusFix((n) => n + 1);
  };
  const totals = totalsByCurrency(lineAmounts(review.lines, products));
  // An order is paid in one currency (the shop refuses one that mixes them): said before Place
  // order rather than after it.
  const mixed = !waiting && !failed && totals.length > 1;

  /** Places the reviewed order; true when the request went out and its answer was lost. */
  const place = async (): Promise<boolean> => {
    // The API leaves the address optional (for API clients); a shopper's order always has one.
    if (!addressId) {
      setError('Add a delivery address before placing your order.');
      return false;
    }
    setPlacing(true);
    setError(null);
    let lost = false;
    // The prices this page shows (every line's: Place order waits for them), refused
    // (price_changed) if one is no longer current.
    const prices = [
      ...new Map(
        review.lines.flatMap((l) => {
          const product = products.get(l.productId);
          return product ? [[l.productId, { productId: l.productId, price: product.price }] as const] : [];
        }),
      ).values(),
    ];
    const body = { cartId: state.cartId!, tags: review.lines.flatMap((l) => l.tags), addressId, prices };
    let sentOnline = false;
    for (let attempt = 0; ; attempt++) {
      try {
        sentOnline = navigator.onLine;
        const order = await api.placeOrder(review.key, body);
        // Refused (out of stock, a new price, no longer sold): the shopper stays here to fix it.
        const r = rejectionOf(order);
        if (r) {
          setReview({ lines: review.lines, key: crypto.randomUUID() });
          refused(r, true);
          break;
        }
        // The order takes the checkout's place in the history: Back leads to the cart, not to a
        // checkout of a cart the order has emptied.
        navigate(`/orders/${order.id}`, true);
        return false;
      } catch (err) {
        // The server has not received this device's latest edits yet: let them sync, then retry
        // (for about 6 s). Then say why nothing was ordered: the reviewed entries have left this
        // device's cart too (ordered or changed elsewhere), or they have not reached the shop.
        // Only while this device still has every reviewed entry: once some are gone here too, no
        // retry can find them (it cost five requests and some 4 s to say so).
        if (err instanceof ApiError && err.code === 'cart_out_of_date') {
          const here = reviewedIn(review, cartState.get().lines);
          if (here && attempt < 4) {
            await new Promise((r) => setTimeout(r, 400 * (attempt + 1)));
            continue;
          }
          setError(
            here
              ? 'Your cart has not reached the shop yet, so nothing was ordered. Check your connection, then place your order again.'
              : 'Your cart changed since you reviewed it, so nothing was ordered. Review the new cart, then place your order.',
          );
          break;
        }
        // Another tab or device is placing these items: show that order rather than a second one.
        if (err instanceof ApiError && err.code === 'already_ordered') {
          const orderId = (err.details as { orderId?: unknown } | undefined)?.orderId;
          navigate(typeof orderId === 'string' ? `/orders/${encodeURIComponent(orderId)}` : '/orders', true);
          return false;
        }
        // Removed on another device since this page loaded them: offer the ones left.
        if (err instanceof ApiError && err.code === 'address_removed') {
          setAddressId('');
          setAddresses(null);
          setLoadAddresses((n) => n + 1);
          setError('That address was removed on another device. Choose where to deliver.');
          break;
        }
        if (err instanceof ApiError && err.status === 0) {
          if (!sentOnline) {
            setError('You are offline. Placing an order needs a connection.');
            break;
          }
          // Sent, and the answer lost: the order may exist. The same key finds out, and places
          // it once if it does not.
          lost = true;
          setError(
            'The connection dropped before the shop answered. This page asks again under the same order until it does (it is never placed twice), or press Place order.',
          );
          break;
        }
        setError(errorText(err));
        break;
      }
    }
    setUnsure(lost);
    setPlacing(false);
    return lost;
  };
  placeAgain.current = place;

  return (
    <section class="checkout">
      <h1 tabIndex={-1} ref={pageHeading}>
        Checkout
      </h1>
      {addresses ? (
        <AddressPicker
          addresses={addresses}
          selected={addressId}
          onSelect={setAddressId}
          onAdded={(a) => {
            setAddresses([...addresses, a]);
            setAddressId(a.id);
            setError(null);
          }}
        />
      ) : addressesFailed ? (
        <p class="notice error" role="alert">
          {addressesFailed}{' '}
          <button type="button" class="link" onClick={() => setLoadAddresses((n) => n + 1)}>
            Try again
          </button>
        </p>
      ) : (
        <p class="loading">Loading your addresses…</p>
      )}
      <h2 tabIndex={-1} ref={reviewHeading}>
        Review your order
      </h2>
      {rejection && unavailable.length > 0 && (
        <p class="notice error" role="alert" key={rejection.orderId} data-testid="checkout-rejected">
          Your order was not placed: some items changed at the shop. Fix them below, then place your order
          again.
        </p>
      )}
      <ul class="lines review" data-testid="review-lines" ref={reviewList}>
        {review.lines.map((l, i) => {
          const product = products.get(l.productId);
          const problem = problems[i];
          return (
            <li key={l.productId} class="line" data-product={l.productId}>
              <span class="title" id={`review-title-${i}`}>
                {product?.title ??
                  (product === null
                    ? 'No longer available'
                    : unloadedText(problem === 'failed' ? 'failed' : 'loading', online))}
              </span>
              <span>× {l.quantity}</span>
              <span class="price">
                {product
                  ? formatMoney({
                      amount: product.price.amount * l.quantity,
                      currency: product.price.currency,
                    })
                  : '—'}
              </span>
              {fixes[i]!.map((f) => {
                const text = fixText(f, formatMoney);
                return (
                  <span key={f.kind} class="notice stock-short fix" data-testid="line-problem">
                    <span id={`review-fix-${i}-${f.kind}`}>{text.problem}</span>
                    {' — '}
                    <button
                      type="button"
                      class="link"
                      aria-describedby={`review-title-${i} review-fix-${i}-${f.kind}`}
                      onClick={() => fix(l, f, product?.title ?? 'The item no longer sold')}
                    >
                      {text.action}
                    </button>
                  </span>
                );
              })}
            </li>
          );
        })}
      </ul>
      <p class="subtotal">
        Total: <strong data-testid="checkout-total">{waiting || failed ? '—' : formatTotal(totals)}</strong>
      </p>
      {/* Mounted empty, so that screen readers announce the text when it comes. */}
      <div role="status" data-testid="checkout-fixed">
        {fixed && (
          <p class="visually-hidden">
            {fixed}
            {unavailable.length === 0 && ' Nothing left to fix: place your order when ready.'}
          </p>
        )}
      </div>
      {/* Mounted empty, so that screen readers announce the text when it comes. */}
      <div role="status" data-testid="checkout-blocked">
        {unavailable.length > 0 ? (
          // After a refusal, the alert above says it.
          rejection ? null : (
            <p class="notice error">
              {unavailable.length === 1 ? 'One item' : `${unavailable.length} items`} cannot be ordered as
              {unavailable.length === 1 ? ' it is' : ' they are'}: fix{' '}
              {unavailable.length === 1 ? 'it' : 'them'} above, or <a href="/cart">change your cart</a>.
            </p>
          )
        ) : mixed ? (
          <p class="notice error">
            Your cart is priced in {totals.length} currencies ({totals.map((t) => t.currency).join(', ')}),
            and an order is paid in one: <a href="/cart">remove the items of one currency</a>, order the rest,
            then add them again.
          </p>
        ) : failed ? (
          <p class="notice error">
            Prices could not load: {online ? 'the shop did not answer' : 'you are offline'}.{' '}
            <button type="button" class="link" onClick={reloadProducts}>
              Try again
            </button>
          </p>
        ) : waiting ? (
          <p class="loading">Loading prices…</p>
        ) : null}
      </div>
      {/* Mounted empty, so that screen readers announce the text when it comes. */}
      <div role="status" data-testid="checkout-changed">
        {changed && !unsure && (
          <p class="notice" id="checkout-changed-why">
            Your cart changed on another device.
            {stale && ' Some items you reviewed are no longer in it, so they cannot be ordered as reviewed.'}{' '}
            <button
              type="button"
              class="link"
              onClick={() => {
                setReview(state.lines.length ? { lines: state.lines, key: crypto.randomUUID() } : null);
                setReviewedAgain((n) => n + 1);
              }}
            >
              Review the new cart
            </button>
          </p>
        )}
      </div>
      {error && (
        <p class="notice error" role="alert" tabIndex={-1} ref={alertBox}>
          {error}
        </p>
      )}
      {/* While placing, aria-disabled, not disabled: that dropped keyboard focus to <body>. Likewise
          while the review is stale (the notice above says why), as it may become so while placing. */}
      <button
        ref={placeButton}
        type="button"
        class="primary"
        disabled={!addresses || waiting || failed || mixed || unavailable.length > 0}
        aria-disabled={placing || stale ? 'true' : undefined}
        aria-describedby={stale && !placing ? 'checkout-changed-why' : undefined}
        onClick={() => {
          if (placing || stale) return;
          void place().then(focusAlert);
        }}
      >
        {placing ? 'Placing your order…' : 'Place order'}
      </button>
    </section>
  );
}

/** Whether every entry `review` names is still among `lines` (the entries an order takes). */
function reviewedIn(review: Review, lines: CartLine[]): boolean {
  const here = new Set(lines.flatMap((l) => l.tags));
  return review.lines.every((l) => l.tags.every((t) => here.has(t)));
}

/** What identifies a cart's lines for the review: products, quantities and their entries. */
function linesKey(lines: CartLine[]): string {
  return JSON.stringify(lines.map((l) => [l.productId, l.quantity, [...l.tags].sort()]));
}

function AddressPicker(props: {
  addresses: Address[];
  selected: string;
  onSelect: (id: string) => void;
  onAdded: (a: Address) => void;
}) {
  const [adding, setAdding] = useState(false);
  // The button pressed (Save address, Add an address, Cancel) is gone once the picker changes:
  // where keyboard focus goes instead, after it has.
  const focusNext = useRef<'checked' | 'add' | null>(null);
  const choices = useRef<HTMLFieldSetElement>(null);
  const add = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const next = focusNext.current;
    if (!next || !choices.current) return;
    focusNext.current = null;
    if (next === 'add') add.current?.focus();
    else choices.current.querySelector<HTMLInputElement>('input[type=radio]:checked')?.focus();
  });
  if (props.addresses.length && !adding) {
    return (
      <fieldset ref={choices}>
        <legend>Deliver to</legend>
        {props.addresses.map((a) => (
          <label key={a.id} class="check">
            <input
              type="radio"
              name="address"
              checked={props.selected === a.id}
              onChange={() => props.onSelect(a.id)}
            />
            {addressText(a)}
          </label>
        ))}
        <button type="button" class="link" ref={add} onClick={() => setAdding(true)}>
          Add an address
        </button>
      </fieldset>
    );
  }
  return (
    <AddressForm
      focusFirst={adding}
      onSaved={(a) => {
        props.onAdded(a);
        setAdding(false);
        focusNext.current = 'checked';
      }}
      onCancel={
        props.addresses.length
          ? () => {
              setAdding(false);
              focusNext.current = 'add';
            }
          : undefined
      }
    />
  );
}
