import { useState } from 'preact/hooks';

/**
 * A product image in a box of fixed shape (styles.css `.img`): a neutral placeholder colour until
 * the image arrives, so a slow image leaves no blank white card, and a "No image" placeholder
 * when it is missing or fails to load. An empty `alt` marks it decorative (a link beside it names
 * the product): the placeholder is then hidden from assistive technology too, as an `<img alt="">`
 * is.
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
  // Kept per source: another image shown in the same place (the gallery) loads afresh.
  const [failed, setFailed] = useState<string | null>(null);
  const [loaded, setLoaded] = useState<string | null>(null);
  if (!src || failed === src) {
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
        {size !== 'sm' && <span aria-hidden="true">No image</span>}
      </div>
    );
  }
  return (
    <img
      class={`img img-${size}${loaded === src ? '' : ' img-loading'}`}
      src={src}
      alt={alt}
      loading="lazy"
      decoding="async"
      onLoad={() => setLoaded(src)}
      onError={() => setFailed(src)}
    />
  );
}
