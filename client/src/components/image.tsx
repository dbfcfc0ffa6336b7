import { useState } from 'preact/hooks';

/**
 * A product image that falls back to a neutral placeholder when it is missing or fails to load.
 * An empty `alt` marks it decorative (a link beside it names the product): the placeholder is then
 * hidden from assistive technology too, as an `<img alt="">` is.
 */
export function ProductImage({
  src,
  alt,
  size = 'md',
}: {
  src: string | null | undefined;
  alt: string;
  size?: 'sm' | 'md' | 'lg';
}) {
  const [failed, setFailed] = useState(false);
  if (!src || failed) {
    return (
      <div
        class={`img img-${size} img-fallback`}
        {...(alt ? { role: 'img', 'aria-label': alt } : { 'aria-hidden': 'true' })}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path
            d="M4 5h16v14H4z M4 15l4-4 4 4 3-3 5 5"
            fill="none"
            stroke="currentColor"
            stroke-width="1.5"
          />
        </svg>
      </div>
    );
  }
  return (
    <img
      class={`img img-${size}`}
      src={src}
      alt={alt}
      loading="lazy"
      decoding="async"
      onError={() => setFailed(true)}
    />
  );
}
