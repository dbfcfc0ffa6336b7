/** Formatting of money for display, without the zod schemas (the storefront imports this alone). */
export interface MoneyValue {
  amount: number;
  currency: string;
}

const formatters = new Map<string, { format: Intl.NumberFormat; minor: number }>();

/**
 * Money in minor units as text, e.g. `{amount: 4995, currency: 'USD'}` -> "$49.95". A minor unit
 * is the currency's own: a cent of a dollar, a yen of a yen (`{amount: 1500, currency: 'JPY'}` ->
 * "¥1,500"), a fils of a dinar, a thousandth (as its digits after the point, which Intl knows).
 */
export function formatMoney(m: MoneyValue, locale = 'en-US'): string {
  const key = `${locale}:${m.currency}`;
  let f = formatters.get(key);
  if (!f) {
    const format = new Intl.NumberFormat(locale, { style: 'currency', currency: m.currency });
    f = { format, minor: 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2) };
    formatters.set(key, f);
  }
  return f.format.format(m.amount / f.minor);
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
