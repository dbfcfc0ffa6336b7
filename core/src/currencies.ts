/**
 * The currencies a price may be in: ISO 4217's active codes (list one, as amended to 2026; the
 * withdrawn ANG, BGN, CUC, HRK, SLL and ZWL left out for XCG, EUR, CUP, EUR, SLE and ZWG), without
 * the codes that are no money a shopper pays with: funds codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW), metals
 * (XAG, XAU, XPD, XPT), units of account (XDR, XSU, XUA, XBA-XBD) and XTS, XXX.
 *
 * A table, not `Intl.supportedValuesOf('currency')`: that list is the runtime's ICU data (162
 * codes on Node 20, with the withdrawn HRK and ZWL and the unit XDR; fewer on a small-icu
 * build), so a price one build accepts another could refuse. No zod here, as countries.ts.
 */
export const CURRENCY_CODES: ReadonlySet<string> = new Set(
  [
    'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD',
    'CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS',
    'GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW',
    'KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR',
    'MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR',
    'SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX',
    'USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG',
  ]
    .join(' ')
    .split(' '),
);

/** Whether `code` (as written: upper case) is a currency a price may be in. */
export function isCurrencyCode(code: string): boolean {
  return CURRENCY_CODES.has(code);
}
