import { z } from 'zod';
import { isCurrencyCode } from './currencies.js';

/**
 * A currency a vendor prices in: an active ISO 4217 code (currencies.ts), upper case. "XYZ" has
 * the shape of one and is none.
 */
export const CurrencyCode = z
  .string()
  .refine(isCurrencyCode, 'not an active ISO 4217 currency code (three capitals, as "USD")');

/**
 * Money is always integer minor units (cents) plus an ISO 4217 currency code. Its currency is
 * checked for the shape only: a price read back, or named in an order (the checkout page sends
 * the prices it showed), may be one a product was given before prices were checked against
 * ISO 4217; a vendor's write is checked in full (`CurrencyCode`, catalog.ts).
 */
export const Money = z.object({
  amount: z.number().int().min(0).max(1_000_000_000_00),
  currency: z.string().regex(/^[A-Z]{3}$/),
});
export type Money = z.infer<typeof Money>;

export const DEFAULT_CURRENCY = 'USD';

export function money(amount: number, currency = DEFAULT_CURRENCY): Money {
  return { amount, currency };
}

export { formatMoney } from './format.js';
