import { COUNTRY_CODES } from '@shopsync/core/countries';
import type { Address } from './api.js';

const regions = new Intl.DisplayNames(['en'], { type: 'region' });

/** A country's name in English ("GB": United Kingdom); the code itself if the browser has none. */
export function countryName(code: string): string {
  try {
    return regions.of(code) ?? code;
  } catch {
    return code;
  }
}

let byName: { code: string; name: string }[] | undefined;
/** Every country an address may name, by name: the address form's list. */
export function countriesByName(): { code: string; name: string }[] {
  byName ??= [...COUNTRY_CODES]
    .map((code) => ({ code, name: countryName(code) }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en'));
  return byName;
}

/** An address on one line: "Ada Shopper, 1 Analytical Way, London N1 9GU, United Kingdom". */
export function addressText(a: Address): string {
  const place = [a.city, a.region, a.postalCode].filter(Boolean).join(' ');
  return [a.name, a.line1, a.line2, place, countryName(a.country)].filter(Boolean).join(', ');
}
