/** Formatting of money for display, without the zod schemas (the storefront imports this alone). */
export interface MoneyValue {
  amount: number;
  currency: string;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** Money in minor units as text, e.g. `{amount: 4995, currency: 'USD'}` -> "$49.95". */
export function formatMoney(m: MoneyValue, locale = 'en-US'): string {
  const key = `${locale}:${m.currency}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency: m.currency });
    formatters.set(key, f);
  }
  return f.format(m.amount / 100);
}

/** Text made safe to place as HTML. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
