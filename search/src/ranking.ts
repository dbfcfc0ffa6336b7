import type { TypeSignature } from './document.js';

/** A product whose type is what the query names ("tablet" -> a Tablet) is what the shopper wants. */
const IS_A = 1.5;
/** One whose type only mentions it ("tablet" -> a Tablet case) is an accessory for it. */
const ACCESSORY = 0.7;

/**
 * Query understanding against a product's type: multiplies the text score. `wanted`: the type
 * the query asks for (its head noun); `queryStems`: every word of it, which an accessory's type
 * mentions ("tablet case" for "tablet"); `phrase`: the type name the head word is an initialism
 * of ("ssd": an "Internal solid state drive" is one).
 */
export function typeFactor(
  signature: TypeSignature,
  wanted: Set<string>,
  queryStems: Set<string>,
  phrase?: readonly string[],
): number {
  if (!signature.head) return 1;
  if (wanted.has(signature.head) || (phrase && namedBy(signature, phrase))) return IS_A;
  for (const m of signature.modifiers) if (queryStems.has(m)) return ACCESSORY;
  return 1;
}

/** Whether a type is the one a (stemmed) type name names: its head last, its other words before. */
function namedBy(signature: TypeSignature, phrase: readonly string[]): boolean {
  if (signature.head !== phrase[phrase.length - 1]) return false;
  for (let i = 0; i < phrase.length - 1; i++) if (!signature.modifiers.has(phrase[i]!)) return false;
  return true;
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
 * two words as the one word they join into (`joined`: "head set" in "USB Headset"), and an
 * initialism as the words it stands for (`phrase`: "ssd" in "internal solid state drive").
 */
export function titleFactor(
  titleStems: string[],
  queryStems: string[],
  head?: string,
  joined: readonly { term: string; first: number }[] = [],
  phrase?: readonly string[],
): number {
  let said = 0;
  for (let i = 0; i < queryStems.length; i++) if (titleStems.includes(queryStems[i]!)) said |= 1 << i;
  if (head && titleStems.includes(head)) said |= 1 << (queryStems.length - 1);
  if (phrase?.every((w) => titleStems.includes(w))) said |= 1 << (queryStems.length - 1);
  for (const { term, first } of joined) if (titleStems.includes(term)) said |= 3 << first;
  return said === (1 << queryStems.length) - 1 ? IN_TITLE : 1;
}
