import type { TypeSignature } from './document.js';

/** A product whose type is what the query names ("tablet" -> a Tablet) is what the shopper wants. */
const IS_A = 1.5;
/** One whose type only mentions it ("tablet" -> a Tablet case) is an accessory for it. */
const ACCESSORY = 0.7;
/**
 * For a product line's name ("thinkpad"), a product of another type than the line's own is one
 * named for it: a battery, a dock, an adapter (the line's notebooks, with their long titles, came
 * after 26 of them).
 */
const LINE_ACCESSORY = 0.5;
/**
 * When the query's head names a type, a product whose type is another word of the query is the
 * context, not the thing asked for ("printer ink": an inkjet printer; "tv mount": a TV).
 */
const CONTEXT = 0.5;

/**
 * Query understanding against a product's type: multiplies the text score. `wanted`: the type
 * the query asks for (its head noun); `queryStems`: every word of it, which an accessory's type
 * mentions ("tablet case" for "tablet"); `phrase`: the type name the head word is an initialism
 * of ("ssd": an "Internal solid state drive" is one); `kinds`: compound types that are kinds of
 * their first word (synonyms.ts `learnKinds`); `line`: the query's head names a product line
 * whose own type is in `wanted`, so that any other type is the line's accessory. `context`: the
 * query's other words (and their learnt synonyms) when its head names a type (`CONTEXT`).
 */
export function typeFactor(
  signature: TypeSignature,
  wanted: Set<string>,
  queryStems: readonly string[],
  phrase?: readonly string[],
  kinds: ReadonlySet<string> = NO_KINDS,
  line = false,
  context: ReadonlySet<string> = NO_KINDS,
): number {
  if (!signature.head) return 1;
  if (wanted.has(signature.head) || (phrase && namedBy(signature, phrase))) return IS_A;
  // A learnt kind of the wanted type ("Toner cartridge" for "toner") is one, not an accessory.
  if (kinds.size > 0)
    for (const w of wanted)
      if (signature.modifiers.has(w) && kinds.has(`${w} ${signature.head}`)) return IS_A;
  if (line) return LINE_ACCESSORY;
  if (context.has(signature.head)) return CONTEXT;
  // The query's few words against the type's modifiers (a set): no iterator per product.
  for (let i = 0; i < queryStems.length; i++) if (signature.modifiers.has(queryStems[i]!)) return ACCESSORY;
  return 1;
}

const NO_KINDS: ReadonlySet<string> = new Set();

/** Whether a type is the one a (stemmed) type name names: its head last, its other words before. */
function namedBy(signature: TypeSignature, phrase: readonly string[]): boolean {
  if (signature.head !== phrase[phrase.length - 1]) return false;
  for (let i = 0; i < phrase.length - 1; i++) if (!signature.modifiers.has(phrase[i]!)) return false;
  return true;
}

const PHRASE = 2;

/**
 * A stem's bit in a title's 30-bit summary (FNV-1a of its characters): for a product matched by
 * "usb" alone, "usb gadget" is no phrase of its title as soon as the bit for "gadget" is clear,
 * without reading its stems (`phraseFactor`, `titleFactor`). Ten stems set about a third of the bits.
 */
export function stemBit(stemmed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < stemmed.length; i++) h = Math.imul(h ^ stemmed.charCodeAt(i), 0x01000193);
  return 1 << ((h >>> 0) % 30);
}

/**
 * A product's title as the title factors read it: its stems, and the bits of their hashes (a
 * stem whose bit is clear is not among them; `stemBit`).
 */
export interface TitleStems {
  titleStems: readonly string[];
  titleBits: number;
}

/** A product's name read as its title is (`nameOf`), and how many of its stems say what it is. */
export interface ProductName extends TitleStems {
  typeEnd: number;
}

/**
 * Whether the title has `stem`, whose bit is `bit` (0: no title has it). The bit answers "no" for
 * most stems without reading the title's.
 */
function says(title: TitleStems, stem: string, bit: number): boolean {
  return bit !== 0 && (title.titleBits & bit) !== 0 && title.titleStems.includes(stem);
}

/**
 * Whether the title can hold the query as a phrase: two words or more, and every query stem's bit
 * set in the title's summary. What `phraseFactor` checks first and `maxFactor` bounds by.
 */
function mayHoldPhrase(title: TitleStems, queryBits: readonly number[]): boolean {
  if (queryBits.length < 2) return false;
  for (const bit of queryBits) if ((title.titleBits & bit) === 0) return false;
  return true;
}

/**
 * Query words side by side and in order in the title ("usb hub" in "4 Port USB Hub") rank higher.
 * `queryBits`: each query stem's bit (see TitleStems).
 */
export function phraseFactor(title: TitleStems, queryStems: string[], queryBits: readonly number[]): number {
  if (!mayHoldPhrase(title, queryBits)) return 1;
  const { titleStems } = title;
  outer: for (let i = 0; i + queryStems.length <= titleStems.length; i++) {
    for (let j = 0; j < queryStems.length; j++) if (titleStems[i + j] !== queryStems[j]) continue outer;
    return PHRASE;
  }
  return 1;
}

const IN_TITLE = 1.3;

/**
 * The most the factors above can multiply a title's product's text score by, with a margin for
 * rounding: no phrase factor unless the title or the product's name has every query stem's bit
 * (`phraseFactor`). A candidate whose text score times this is below a page's lowest score need
 * not be weighed.
 */
export function maxFactor(title: TitleStems, queryBits: readonly number[], name?: TitleStems): number {
  const phrase = mayHoldPhrase(title, queryBits) || (name !== undefined && mayHoldPhrase(name, queryBits));
  return (phrase ? IS_A * PHRASE * IN_TITLE : IS_A * IN_TITLE) * (1 + 1e-9);
}

/**
 * A title that says every query word names what the shopper asked for; a product that matched
 * some word only in its description or type ranks lower ("cd drive": a CD-ROM drive, not a hard
 * drive whose text mentions CDs). The head word (at `at`) may be said as the catalog's word for it (`head`),
 * two words as the one word they join into (`joined`: "head set" in "USB Headset"), and an
 * initialism as the words it stands for (`phrase`: "ssd" in "internal solid state drive").
 * `headEnd`: how many of the title's stems say what the product is (those before "for …" and
 * "with …"); the head word as the shopper typed it counts only among them: "StarTech.com 3.5in USB
 * 3.0 SATA Hard Drive Enclosure w/ Fan" says "fan" as what it comes with, not as what it is.
 * `name`: the product's name (`nameOf`), whose words count as the title's.
 */
export function titleFactor(
  title: TitleStems,
  queryStems: string[],
  queryBits: readonly number[],
  at: number,
  head?: string,
  joined: readonly { term: string; first: number }[] = [],
  phrase?: readonly string[],
  headEnd = Number.POSITIVE_INFINITY,
  name?: ProductName,
): number {
  const all = (1 << queryStems.length) - 1;
  let said = saidIn(title, headEnd, queryStems, queryBits, at, head, joined, phrase);
  if (said !== all && name)
    said |= saidIn(name, name.typeEnd, queryStems, queryBits, at, head, joined, phrase);
  return said === all ? IN_TITLE : 1;
}

/** The query words a title (or a name) says, a bit each (`titleFactor`). */
function saidIn(
  title: TitleStems,
  headEnd: number,
  queryStems: string[],
  queryBits: readonly number[],
  at: number,
  head: string | undefined,
  joined: readonly { term: string; first: number }[],
  phrase: readonly string[] | undefined,
): number {
  const { titleStems } = title;
  let said = 0;
  for (let i = 0; i < queryStems.length; i++) {
    if (!says(title, queryStems[i]!, queryBits[i]!)) continue;
    // The head said only in "… for iPhone" or "… with Fan" names what the product fits or comes with.
    if (i === at && !(titleStems.indexOf(queryStems[i]!) < headEnd)) continue;
    said |= 1 << i;
  }
  const all = (1 << queryStems.length) - 1;
  if (said === all) return said;
  if (head && titleStems.includes(head)) said |= 1 << at;
  if (phrase?.every((w) => titleStems.includes(w))) said |= 1 << at;
  for (const { term, first } of joined) if (titleStems.includes(term)) said |= 3 << first;
  return said;
}
