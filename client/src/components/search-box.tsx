import type { Suggestion } from '@shopsync/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { navigate, route } from '../router.js';
import { useStore } from '../store.js';

/**
 * The search box with as-you-type suggestions: arrow keys walk them, each shown in the box as it
 * is reached (what was typed returns above the first), Enter searches, Esc puts back what was
 * typed, then closes them.
 */
export function SearchBox() {
  const url = useStore(route);
  // What the shopper typed: suggestions are for it, whichever suggestion the box shows meanwhile.
  const [q, setQ] = useState(url.pathname === '/search' ? (url.searchParams.get('q') ?? '') : '');
  const [items, setItems] = useState<Suggestion[]>([]);
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    if (url.pathname === '/search') setQ(url.searchParams.get('q') ?? '');
  }, [url]);

  useEffect(() => {
    const text = q.trim();
    // Every change of the text makes answers to earlier text stale, even one that asks nothing: a
    // slow answer for words since cleared must not open under an empty box.
    const mine = ++seq.current;
    // Past 200 characters the API refuses to suggest (400), and nobody types that far to be helped.
    if (text.length < 2 || text.length > 200) {
      setItems([]);
      return;
    }
    const timer = setTimeout(() => {
      api.suggest(text).then(
        (r) => {
          if (mine !== seq.current) return;
          setItems(r.suggestions);
          setActive(-1);
        },
        () => mine === seq.current && setItems([]),
      );
    }, 120);
    return () => clearTimeout(timer);
  }, [q]);

  const chosen = active >= 0 ? items[active] : undefined;
  const listed = open && items.length > 0;

  const go = (text: string, suggestion?: Suggestion) => {
    setOpen(false);
    const params = new URLSearchParams();
    if (suggestion?.kind === 'brand') params.set('brand', suggestion.text);
    else if (suggestion?.kind === 'category') params.set('category', suggestion.text);
    else params.set('q', text.trim());
    navigate(`/search?${params}`);
  };

  return (
    <form
      class="search"
      aria-label="Search the catalog"
      onSubmit={(e) => {
        e.preventDefault();
        go(chosen ? chosen.text : q, chosen);
      }}
    >
      <label for="q" class="visually-hidden">
        Search products
      </label>
      {/* The WAI-ARIA combobox pattern: a text input that owns a listbox of options. */}
      <input
        id="q"
        type="search"
        placeholder="Search products, brands and categories"
        autocomplete="off"
        role="combobox"
        aria-expanded={listed}
        // Only while the list is there: a reference to no element is an error to a screen reader.
        aria-controls={listed ? 'suggestions' : undefined}
        aria-activedescendant={active >= 0 ? `suggestion-${active}` : undefined}
        value={chosen && open ? chosen.text : q}
        onInput={(e) => {
          // Typing on from a suggestion shown in the box makes it what was typed.
          setQ((e.target as HTMLInputElement).value);
          setActive(-1);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() =>
          setTimeout(() => {
            setOpen(false);
            setActive(-1);
          }, 150)
        }
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setOpen(true);
            setActive((a) => Math.min(items.length - 1, a + 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(-1, a - 1));
          } else if (e.key === 'Escape' && open && items.length > 0) {
            // Not the browser's own Escape in a search field, which empties it: that is left for
            // when no suggestions are open.
            e.preventDefault();
            if (chosen) setActive(-1);
            else setOpen(false);
          }
        }}
      />
      <button type="submit">Search</button>
      {listed && (
        <ul id="suggestions" role="listbox" aria-label="Suggestions" class="suggestions">
          {items.map((s, i) => (
            <li
              id={`suggestion-${i}`}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'active' : ''}
              key={`${s.kind}:${s.text}`}
              onMouseDown={(e) => {
                e.preventDefault();
                go(s.text, s);
              }}
            >
              <span>{s.text}</span>
              {s.kind !== 'term' && <small>{s.kind}</small>}
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}
