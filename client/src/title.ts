import { useEffect } from 'preact/hooks';

/** Names the page in the browser's tab and history: "Cart · ShopSync". */
export function useTitle(title: string | null): void {
  useEffect(() => {
    document.title = title ? `${title} · ShopSync` : 'ShopSync';
  }, [title]);
}
