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

/**
 * Sums of money, one per currency, in the order each currency first comes; never added across
 * currencies (a cart may hold products a vendor priced in another one).
 */
export function totalsByCurrency(items: Iterable<MoneyValue>): MoneyValue[] {
  const sums = new Map<string, number>();
  for (const m of items) sums.set(m.currency, (sums.get(m.currency) ?? 0) + m.amount);
  return [...sums].map(([currency, amount]) => ({ amount, currency }));
}

/**
 * A total as text: "$377.80", or "€59.95 + $317.85" across currencies; nothing to add up is
 * zero in `empty`'s currency.
 */
export function formatTotal(items: Iterable<MoneyValue>, empty = 'USD', locale = 'en-US'): string {
  const totals = totalsByCurrency(items);
  if (totals.length === 0) return formatMoney({ amount: 0, currency: empty }, locale);
  return totals.map((m) => formatMoney(m, locale)).join(' + ');
}

/** Text made safe to place as HTML. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
