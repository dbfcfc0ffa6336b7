import type { SearchHit } from '@shopsync/core';
import { ProductImage } from '../components/image.js';
import { formatMoney } from '../format.js';

export function ProductCard({ hit }: { hit: SearchHit }) {
  return (
    <li class="card">
      <a href={`/products/${encodeURIComponent(hit.id)}`} class="card-link">
        <ProductImage src={hit.image} alt="" />
        {/* Highlights come from the server HTML-escaped, with only <mark> added. */}
        <span class="title" dangerouslySetInnerHTML={{ __html: hit.highlights.title }} />
      </a>
      <span class="brand-name">{hit.brand}</span>
      <span class="price">{formatMoney(hit.price)}</span>
      {hit.stock === 0 ? (
        <span class="stock out">Out of stock</span>
      ) : hit.stock < 5 ? (
        <span class="stock low">Only {hit.stock} left</span>
      ) : null}
    </li>
  );
}
