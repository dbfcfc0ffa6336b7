import { DEFAULT_MAX_PER_LINE as MAX_PER_LINE } from '@shopsync/core/cart/entry';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { cartState, editCart } from '../cart/session.js';
import { ProductImage } from '../components/image.js';
import { escapeHtml, formatMoney } from '../format.js';
import { useStore } from '../store.js';
import { useTitle } from '../title.js';
import { ProductCard } from './product-card.js';
import { ErrorNotice, useFetch } from './use-fetch.js';

/** How many specification rows show until the shopper asks for all of them. */
const SPECS_SHOWN = 24;

export default function ProductPage({ params }: { params: string[] }) {
  const id = params[0]!;
  const result = useFetch(() => api.product(id), id);
  const [qty, setQty] = useState(1);
  // What the last add did, said in a live region mounted empty: each add says something new.
  const [added, setAdded] = useState('');
  const cart = useStore(cartState);
  // A line holds at most MAX_PER_LINE units: offer only what still fits, rather than let the cart
  // clamp an add silently.
  const held = cart.lines.find((l) => l.productId === id)?.quantity ?? 0;
  const room = Math.max(MAX_PER_LINE - held, 0);
  const [shown, setShown] = useState(0);
  const [allSpecs, setAllSpecs] = useState(false);
  const missing = result.state === 'error' && result.error.status === 404;
  useTitle(result.state === 'ok' ? result.data.title : missing ? 'Product not found' : null);
  if (result.state === 'loading') return <p class="loading">Loading…</p>;
  if (result.state === 'error') {
    return missing ? (
      <section>
        <h1>Product not found</h1>
        <p>This product is no longer in the catalog, or the link is mistyped.</p>
        <p>
          <a href="/search">Browse all products</a> or go <a href="/">back to the shop</a>.
        </p>
      </section>
    ) : (
      <ErrorNotice error={result.error} retry={result.retry} />
    );
  }
  const p = result.data;
  // Offer no more than fits in the cart line and no more than is in stock beyond what the cart
  // already holds: an order for more would only be turned down at checkout (the cart itself
  // takes any add, by design).
  const left = Math.max(p.stock - held, 0);
  const offer = Math.min(room, left);
  const add = () => {
    // Kept for the cart if it has not opened yet (a page opened from a link loads first).
    const n = Math.min(qty, offer);
    // At the price shown here: the cart says if it changes before the order (`addedPrice`).
    editCart((cart) => cart.add(p.id, n, p.price));
    const items = cart.lines.reduce((sum, l) => sum + l.quantity, 0) + n;
    setAdded(`Added ${n} × ${p.title}. Your cart has ${items} item${items === 1 ? '' : 's'}.`);
  };
  const image = p.images[shown] ?? p.images[0];
  const allSpecRows = Object.entries(p.attributes);
  const specs = allSpecs ? allSpecRows : allSpecRows.slice(0, SPECS_SHOWN);
  return (
    <article class="product">
      <div class="gallery">
        <ProductImage src={image} alt={p.title} size="lg" />
        {p.images.length > 1 && (
          <ul class="thumbs" aria-label="More images">
            {p.images.slice(0, 8).map((src, i) => (
              <li key={i}>
                <button
                  type="button"
                  aria-label={`Image ${i + 1} of ${Math.min(p.images.length, 8)}`}
                  aria-pressed={i === (p.images[shown] === undefined ? 0 : shown)}
                  onClick={() => setShown(i)}
                >
                  <ProductImage src={src} alt="" size="sm" />
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div class="buy">
        <p class="brand-name">{p.brand}</p>
        <h1 data-testid="product-title">{p.title}</h1>
        <p class="category">
          <a href={`/search?category=${encodeURIComponent(p.category)}`}>{p.category}</a>
        </p>
        <p class="price big">{formatMoney(p.price)}</p>
        <p class={`stock ${p.stock === 0 ? 'out' : p.stock < 5 ? 'low' : ''}`} data-testid="stock">
          {p.stock === 0
            ? 'Out of stock'
            : p.stock < 5
              ? `Only ${p.stock} left in stock`
              : `In stock (${p.stock})`}
        </p>
        <div class="add">
          <label>
            Quantity{' '}
            <select
              value={Math.min(qty, Math.max(offer, 1))}
              disabled={offer === 0}
              onChange={(e) => setQty(Number((e.target as HTMLSelectElement).value))}
            >
              {Array.from({ length: Math.max(offer, 1) }, (_, i) => i + 1).map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <button type="button" class="primary" disabled={offer === 0} onClick={add}>
            Add to cart
          </button>
        </div>
        {room > 0 && held > 0 && p.stock > 0 && left === 0 && (
          <p class="notice" data-testid="stock-held">
            {held === p.stock
              ? `Your cart holds all ${p.stock} in stock.`
              : `Your cart holds ${held}, more than the ${p.stock} in stock.`}
          </p>
        )}
        {room === 0 && (
          <p class="notice" data-testid="line-limit">
            Your cart holds {MAX_PER_LINE} of this product, the most one order can take.
          </p>
        )}
        <div role="status">
          {added && (
            <p class="notice ok" data-testid="added">
              {added} <a href="/cart">View cart</a>
            </p>
          )}
        </div>
        {p.description && <p class="description">{p.description}</p>}
      </div>
      {specs.length > 0 && (
        <section class="specs">
          <h2>Specifications</h2>
          <table id="specs-table">
            <tbody>
              {specs.map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td>{v === 'true' ? 'Yes' : v === 'false' ? 'No' : v}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {/* The rest (a laptop's memory, storage, graphics) in place, on request. */}
          {allSpecRows.length > SPECS_SHOWN && (
            <button
              type="button"
              class="link more-specs"
              aria-expanded={allSpecs}
              aria-controls="specs-table"
              onClick={() => setAllSpecs(!allSpecs)}
            >
              {allSpecs ? 'Show fewer specifications' : `Show all ${allSpecRows.length} specifications`}
            </button>
          )}
        </section>
      )}
      <Similar id={p.id} title={p.title} category={p.category} />
    </article>
  );
}

/**
 * Products like this one: a search for its title's words among its category (any category when
 * it has none), this one left out. Nothing is shown when nothing else comes up or offline.
 */
function Similar(props: { id: string; title: string; category: string }) {
  const params = new URLSearchParams({ q: props.title.split(/\s+/).slice(0, 8).join(' '), pageSize: '7' });
  if (props.category && props.category !== 'Other') params.set('category', props.category);
  const result = useFetch(() => api.search(params), `similar:${props.id}`);
  if (result.state !== 'ok') return null;
  const hits = result.data.hits.filter((h) => h.id !== props.id).slice(0, 6);
  if (hits.length === 0) return null;
  return (
    <section class="similar" aria-labelledby="similar">
      <h2 id="similar">Similar products</h2>
      <ul class="grid">
        {hits.map((h) => (
          // No marks: the words searched for are this product's, not the shopper's.
          <ProductCard key={h.id} hit={{ ...h, highlights: { title: escapeHtml(h.title) } }} />
        ))}
      </ul>
    </section>
  );
}
