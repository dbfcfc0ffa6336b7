import { z } from 'zod';

/** Money is always integer minor units (cents) plus an ISO 4217 currency code. */
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
