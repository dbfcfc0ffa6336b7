import type { TypeSignature } from './document.js';

/** A product whose type is what the query names ("tablet" -> a Tablet) is what the shopper wants. */
const IS_A = 1.5;
/** One whose type only mentions it ("tablet" -> a Tablet case) is an accessory for it. */
const ACCESSORY = 0.7;

/**
 * Query understanding against a product's type: multiplies the text score. `wanted`: the type
 * the query asks for (its head noun); `queryStems`: every word of it, which an accessory's type
 * mentions ("tablet case" for "tablet").
 */
export function typeFactor(signature: TypeSignature, wanted: Set<string>, queryStems: Set<string>): number {
  if (!signature.head) return 1;
  if (wanted.has(signature.head)) return IS_A;
  for (const m of signature.modifiers) if (queryStems.has(m)) return ACCESSORY;
  return 1;
}

const PHRASE = 2;

/** Query words side by side and in order in the title ("usb hub" in "4 Port USB Hub") rank higher. */
export function phraseFactor(titleStems: string[], queryStems: string[]): number {
  if (queryStems.length < 2) return 1;
  outer: for (let i = 0; i + queryStems.length <= titleStems.length; i++) {
    for (let j = 0; j < queryStems.length; j++) if (titleStems[i + j] !== queryStems[j]) continue outer;
    return PHRASE;
  }
  return 1;
}

const IN_TITLE = 1.3;

/**
 * A title that says every query word names what the shopper asked for; a product that matched
 * some word only in its description or type ranks lower ("cd drive": a CD-ROM drive, not a hard
 * drive whose text mentions CDs). The head word may be said as the catalog's word for it (`head`),
 * and two words as the one word they join into (`joined`: "head set" in "USB Headset").
 */
export function titleFactor(
  titleStems: string[],
  queryStems: string[],
  head?: string,
  joined: readonly { term: string; first: number }[] = [],
): number {
  let said = 0;
  for (let i = 0; i < queryStems.length; i++) if (titleStems.includes(queryStems[i]!)) said |= 1 << i;
  if (head && titleStems.includes(head)) said |= 1 << (queryStems.length - 1);
  for (const { term, first } of joined) if (titleStems.includes(term)) said |= 3 << first;
  return said === (1 << queryStems.length) - 1 ? IN_TITLE : 1;
}
