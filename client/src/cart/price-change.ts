import { formatMoney, type MoneyValue } from '@shopsync/core/format';

/**
 * What a cart line says of its price when it is not the one the shopper added it at (`addedPrice`,
 * as the adding device showed it): up, down, or in another currency; undefined when unchanged or
 * not known. Checkout prices the order anew either way: this only says so before.
 */
export function priceChangeText(added: MoneyValue | undefined, now: MoneyValue): string | undefined {
  if (!added) return undefined;
  if (added.currency !== now.currency)
    return `Priced in ${now.currency} now: it was ${formatMoney(added)} when you added it.`;
  if (added.amount === now.amount) return undefined;
  return now.amount > added.amount
    ? `The price went up from ${formatMoney(added)} since you added it.`
    : `The price dropped from ${formatMoney(added)} since you added it.`;
}
