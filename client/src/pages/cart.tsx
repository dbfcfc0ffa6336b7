import { DEFAULT_MAX_PER_LINE as MAX_PER_LINE } from '@shopsync/core/cart/entry';
import { useState } from 'preact/hooks';
import { cartState, currentCart } from '../cart/session.js';
import { decrease, increase } from '../cart/steppers.js';
import { ProductImage } from '../components/image.js';
import { SyncBadge } from '../components/sync-badge.js';
import { formatMoney } from '../format.js';
import { useProducts } from '../products.js';
import { useStore } from '../store.js';
import { useTitle } from '../title.js';

export default function CartPage() {
  const state = useStore(cartState);
  // Stock and price as the shop has them now, not as they were when first seen this session.
  const products = useProducts(
    state.lines.map((l) => l.productId),
    true,
  );
  const cart = currentCart()?.cart;
  // The line last removed, so that one tap puts it back.
  const [removed, setRemoved] = useState<{ productId: string; quantity: number; title: string } | null>(null);
  useTitle('Your cart');
  // "Remove", and "−" down to none: either way the line can come back with one tap.
  const remove = (productId: string, quantity: number, title: string) => {
    cart?.remove(productId);
    setRemoved({ productId, quantity, title });
  };
  const subtotal = state.lines.reduce(
    (s, l) => s + (products.get(l.productId)?.price.amount ?? 0) * l.quantity,
    0,
  );
  return (
    <section class="cart">
      <h1>Your cart</h1>
      <SyncBadge />
      {/* Mounted empty, so that screen readers announce the text when it comes. */}
      <div role="status">
        {removed && (
          <p class="notice" data-testid="removed">
            Removed {removed.title}.{' '}
            <button
              type="button"
              class="link"
              onClick={() => {
                cart?.add(removed.productId, removed.quantity);
                setRemoved(null);
              }}
            >
              Undo
            </button>
          </p>
        )}
      </div>
      {state.lines.length === 0 ? (
        <p class="empty" data-testid="cart-empty">
          Your cart is empty. <a href="/search">Find something you like</a>.
        </p>
      ) : (
        <>
          <ul class="lines" data-testid="cart-lines">
            {state.lines.map((line) => {
              const p = products.get(line.productId);
              return (
                <li key={line.productId} class="line" data-product={line.productId}>
                  <ProductImage src={p?.images[0]} alt="" size="sm" />
                  <div class="line-info">
                    <a href={`/products/${encodeURIComponent(line.productId)}`} class="title">
                      {p?.title ?? (p === null ? 'No longer available' : line.productId)}
                    </a>
                    {p && <span class="price">{formatMoney(p.price)}</span>}
                    {p && (p.stock === 0 || line.quantity > p.stock) && (
                      <p class="notice stock-short" data-testid="line-stock">
                        {p.stock === 0 ? 'Out of stock' : `Only ${p.stock} left`}
                      </p>
                    )}
                    {line.capped && (
                      <p class="notice" data-testid="line-capped">
                        More were added than one order takes: the cart keeps {MAX_PER_LINE}.
                      </p>
                    )}
                  </div>
                  <fieldset class="qty">
                    <legend class="visually-hidden">Quantity</legend>
                    <button
                      type="button"
                      aria-label="Decrease quantity"
                      onClick={() =>
                        line.quantity > 1
                          ? cart && decrease(cart, line.productId, line.quantity)
                          : remove(line.productId, line.quantity, p?.title ?? 'the item')
                      }
                    >
                      −
                    </button>
                    <output data-testid="quantity" aria-live="polite">
                      {line.quantity}
                    </output>
                    <button
                      type="button"
                      aria-label="Increase quantity"
                      disabled={line.quantity >= MAX_PER_LINE}
                      onClick={() => cart && increase(cart, line.productId)}
                    >
                      +
                    </button>
                  </fieldset>
                  <span class="line-total" data-testid="line-total">
                    {p && formatMoney({ amount: p.price.amount * line.quantity, currency: p.price.currency })}
                  </span>
                  <button
                    type="button"
                    class="link"
                    onClick={() => remove(line.productId, line.quantity, p?.title ?? 'the item')}
                  >
                    Remove
                  </button>
                </li>
              );
            })}
          </ul>
          <p class="subtotal">
            Subtotal: <strong>{formatMoney({ amount: subtotal, currency: 'USD' })}</strong>
          </p>
          <a class="button primary" href="/checkout">
            Proceed to checkout
          </a>
        </>
      )}
    </section>
  );
}
