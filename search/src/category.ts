/**
 * A category for products that have none (Icecat has no category field).
 *
 * Icecat titles follow "Brand Model product type attributes…" ("Xerox 006R90321 toner cartridge
 * Original Black"): most titles spell the product type as a run of lowercase words after the
 * model. Some capitalize it ("HP Pavilion dv7 Notebook Silver"), so the types are learnt from the
 * catalog itself: every lowercase run seen in at least a few titles, plus every type Icecat
 * states in `attr_t_product_type`, forms a vocabulary; a title's category is the first (longest)
 * vocabulary phrase after its brand. A stated `attr_t_product_type` always wins. A title that
 * names no phrase of the vocabulary may still end in its head word ("Chief Flat Panel Fixed Wall
 * Mount Black": a mount, as "flat screen wall mount" is).
 */

import { firstClause } from './text.js';

const NOT_A_TYPE = new Set(
  'to for with and or of on in over by from at through via up will incl cm mm ft m inch kg g ml l ppm pcs pc sheets pages dots gen series year born blank de'.split(
    ' ',
  ),
);
const MAX_PHRASE = 4;
/** The most words of a description's first clause that is read for a type (`described`). */
const MAX_DESCRIBED = 8;
const STOP_SCAN = new Set(['for', 'with', 'compatible', 'not']);

/** Alternatives written with a slash ("adapter/inverter"); the first word is the capture. */
const ALTERNATIVES = /^([a-z][a-z-]*)\/[a-z][a-z-]*$/;

/**
 * Whether a (lowercased) title word ends the part of the title that says what the product is:
 * "for", "with", or their abbreviations "w/" and "f/", alone or glued to the next word
 * ("Supermicro Thermal fan w/holder"). "Computer Case Fan w/ TX3 Connector" is a fan. Not an
 * aperture ("Canon EF 50mm f/1.8 STM lens" is a lens), connector genders ("Null Modem Cable F/F
 * signal cable", "F/M") or a cable's shielding ("Cat5e F/UTP").
 */
function stopsScan(word: string): boolean {
  return STOP_SCAN.has(word) || /^(?:w\/|f\/(?![\d.]|[a-z]$|[fsu]tp\b))/.test(word);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function afterBrand(title: string, brand: string): string[] {
  const rest = title.toLowerCase().startsWith(brand.toLowerCase()) ? title.slice(brand.length) : title;
  return rest.split(/\s+/).filter(Boolean);
}

/** Colour names every catalog uses; the vocabulary learns more from stated product colours. */
const BASE_COLOURS =
  'black white grey gray silver red blue green yellow magenta cyan pink purple orange brown gold beige transparent'.split(
    ' ',
  );

/** A whole number: a count ("4 Port", "3 Year") or a model ("HP 250 notebook"). */
const COUNT = /^\d+$/;
/** Of the titles that say a word, the share that say it after a whole number for it to be counted. */
const COUNTED_SHARE = 0.5;

/** A number or a measurement ("1080", "48.3", "(19\")"): a word after it is a unit, not a type. */
const NUMERIC = /^[(]?[\d.,x"'/-]+[)]?$/;

/**
 * The first run of lowercase words after the brand and model, as Icecat titles spell types.
 * Colours and units ("1920 x 1080 pixels") are not types.
 */
function lowercaseRun(words: string[], colours: ReadonlySet<string> = new Set(BASE_COLOURS)): string[] {
  const phrase: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    // What follows "for" or "with" is what the product fits or comes with, not what it is.
    if (stopsScan(w.toLowerCase())) break;
    // Position 1 is the model ("HP 250 notebook"); later a number is a measurement.
    const unit = phrase.length === 0 && i > 1 && NUMERIC.test(words[i - 1]!);
    // A word ending in a hyphen is the first half of a shared compound ("notebook- or telephone
    // holder"), no type by itself.
    const typeWord =
      /^[a-z](?:[a-z-]*[a-z])?$/.test(w) &&
      !NOT_A_TYPE.has(w) &&
      !colours.has(w) &&
      (phrase.length > 0 || w.length >= 3);
    // Alternatives ("power adapter/inverter"): the first names the type, and ends it.
    const alternatives = phrase.length > 0 && !unit ? ALTERNATIVES.exec(w) : null;
    if (typeWord && !unit) {
      phrase.push(w);
      if (phrase.length === MAX_PHRASE) break;
    } else if (alternatives && !NOT_A_TYPE.has(alternatives[1]!) && !colours.has(alternatives[1]!)) {
      phrase.push(alternatives[1]!);
      break;
    } else if (phrase.length) break;
  }
  return phrase;
}

export class CategoryVocabulary {
  private readonly phrases = new Set<string>();
  /** The last words of the phrases: words that name a type. */
  private readonly heads = new Set<string>();
  /**
   * Head words that name a type alone, for a title that says no phrase of the vocabulary: the last
   * words of lowercase runs seen in a few titles, that titles say more often as that than as an
   * attribute after a type. The file that says "flat screen wall mount" has no run "wall mount",
   * but "Chief Flat Panel Fixed Wall Mount Black" is a mount. Where titles say "fan" more often
   * after their type ("Intel FPP4FANKIT4W computer cooling component Fan 9.2 cm Black") than as
   * one, it is no such head: "APC Condenser 2 Fan White" stays untyped.
   */
  private readonly typeHeads = new Set<string>();
  readonly colours = new Set(BASE_COLOURS);
  /**
   * Words that describe rather than name a product (USB, Wireless, Optical, QWERTY…): learnt as
   * the words Icecat titles put after their product type ("HP FK221AT keyboard USB QWERTY").
   */
  private readonly attributes = new Set<string>();
  /**
   * Words that titles mostly say after a whole number, as what there are so many of ("4 Port USB
   * 2.0 Hub", "16 Port KVM Switch", "3 Year"): no type after a number, where they were read as one
   * (27 products of type "Port", Hubs among them).
   */
  readonly counted = new Set<string>();

  /** Learns product-type phrases (and colour names, which are not types) from a catalog. */
  static learn(
    records: Iterable<{
      title: string;
      brand: string;
      productType?: string | null;
      colour?: string | null;
      /** The record's attribute names (Icecat's `attr_…` keys), for `typeOfAttributes`. */
      attributeKeys?: readonly string[];
    }>,
    minCount = 3,
  ) {
    const list = [...records];
    const counts = new Map<string, number>();
    const vocabulary = new CategoryVocabulary();
    for (const r of list)
      for (const c of r.colour?.toLowerCase().split(/[,/]/) ?? [])
        if (/^[a-z]+$/.test(c.trim())) vocabulary.colours.add(c.trim());
    const attributeCounts = new Map<string, number>();
    // Per word: the titles that say it, and those that say it after a whole number.
    const said = new Map<string, [number, number]>();
    for (const r of list) {
      const words = r.title.split(/\s+/);
      const seen = new Map<string, boolean>();
      words.forEach((w, i) => {
        const word = plainWord(w);
        if (word) seen.set(word, seen.get(word) === true || (i > 0 && COUNT.test(words[i - 1]!)));
      });
      for (const [word, counted] of seen) {
        const n = said.get(word) ?? [0, 0];
        said.set(word, [n[0] + 1, n[1] + (counted ? 1 : 0)]);
      }
    }
    for (const [word, [n, counted]] of said)
      if (counted >= minCount && counted >= COUNTED_SHARE * n) vocabulary.counted.add(word);
    for (const r of list) {
      const stated = usableType(r.productType);
      // A two-letter type ("PC") names its own product, but read in other titles it would make
      // every "Notebook PC" a PC.
      if (stated && /[A-Za-z]{3}/.test(stated)) vocabulary.phrases.add(stated.toLowerCase());
      const words = afterBrand(r.title, r.brand);
      const runWords = lowercaseRun(words, vocabulary.colours);
      const run = runWords.join(' ');
      if (!run) continue;
      counts.set(run, (counts.get(run) ?? 0) + 1);
      const end = words.indexOf(runWords[runWords.length - 1]!) + 1;
      for (const w of words.slice(end)) {
        if (stopsScan(w.toLowerCase().replace(/[,;:.]+$/, ''))) break;
        const word = plainWord(w);
        if (word) attributeCounts.set(word, (attributeCounts.get(word) ?? 0) + 1);
      }
    }
    for (const [phrase, n] of counts) if (n >= minCount) vocabulary.phrases.add(phrase);
    for (const phrase of vocabulary.phrases) vocabulary.heads.add(phrase.slice(phrase.lastIndexOf(' ') + 1));
    for (const [word, n] of attributeCounts) if (n >= minCount) vocabulary.attributes.add(word);
    const headCounts = new Map<string, number>();
    for (const [run, n] of counts) {
      const head = run.slice(run.lastIndexOf(' ') + 1);
      headCounts.set(head, (headCounts.get(head) ?? 0) + n);
    }
    for (const [head, n] of headCounts)
      if (n >= minCount && n > (attributeCounts.get(head) ?? 0)) vocabulary.typeHeads.add(head);
    vocabulary.neighbours = AttributeNeighbours.learn(
      list.flatMap((r) => {
        if (!r.attributeKeys?.length) return [];
        // Only types the record states or its title spells in lowercase, Icecat's own convention:
        // a type read from capitalized words can be a model's word ("Galaxy S10 Lite": "Lite").
        const type =
          usableType(r.productType) ??
          lowercaseRun(afterBrand(r.title, r.brand), vocabulary.colours).join(' ');
        return type ? [{ type: capitalize(type), keys: r.attributeKeys }] : [];
      }),
    );
    return vocabulary;
  }

  /** Types learnt from attribute names: see `AttributeNeighbours`. */
  private neighbours: AttributeNeighbours | undefined;

  /** The type of the products whose attribute names are most like these, when they agree on it. */
  typeOfAttributes(keys: readonly string[], text = ''): string | undefined {
    return this.neighbours?.typeOf(keys, text);
  }

  get size(): number {
    return this.phrases.size;
  }

  /**
   * The vocabulary phrase that ends last before "for"/"with" (capitalized English titles put the
   * head noun last: "4 Port USB 2.0 Hub"), the longest one ending there, with the plain words
   * that follow it: those name what the product is ("Monitor Stand", "Mouse Wrist Pillow": a
   * stand, a pillow) unless they are colours or words the catalog uses for attributes. `heads`: a
   * head word alone is a phrase too (`typeHeads`), for titles that say no phrase.
   */
  find(words: string[], extend = true, heads = false): string | undefined {
    const lower: string[] = [];
    // Of alternatives ("Keypad/Calculator"), the first names the type, as in lowercase runs; after
    // a type phrase only one that ends some phrase does ("Notebook Keypad/Calculator" is a keypad,
    // "Mouse Medium/Small" a mouse).
    const alternatives = new Set<number>();
    for (const w of words) {
      const word = w.toLowerCase().replace(/[,;:]+$/, '');
      if (stopsScan(word)) break;
      const first = ALTERNATIVES.exec(word)?.[1];
      if (first) alternatives.add(lower.length);
      lower.push(first ?? word);
    }
    for (let end = lower.length; end > 0; end--) {
      for (let len = Math.min(MAX_PHRASE, end); len >= 1; len--) {
        const phrase = lower.slice(end - len, end).join(' ');
        const known = this.phrases.has(phrase) || (heads && len === 1 && this.typeHeads.has(phrase));
        if (!known || this.colours.has(phrase)) continue;
        // What there are so many of ("4 Port"), not what the product is.
        if (this.counted.has(lower[end - len]!) && COUNT.test(lower[end - len - 1] ?? '')) continue;
        const head: string[] = [];
        // A type written in lowercase, as Icecat's own runs are, ends there: the capitalized
        // words after it are attributes ("calculator Desktop Financial" is a calculator).
        const lowercase = /^[a-z]/.test(words[end - 1] ?? '');
        for (let i = end; extend && i < lower.length; i++) {
          if (lowercase && /^[A-Z]/.test(words[i] ?? '')) break;
          const word = plainWord(lower[i]!);
          if (
            !word ||
            (alternatives.has(i) && !this.heads.has(word)) ||
            word.length < 3 ||
            NOT_A_TYPE.has(word) ||
            this.colours.has(word) ||
            this.attributes.has(word)
          )
            break;
          head.push(word);
        }
        return [phrase, ...head.slice(0, MAX_PHRASE - 1)].join(' ');
      }
    }
    return undefined;
  }
}

/** The word lowercased without trailing punctuation, or '' when it is no plain word (codes, numbers). */
function plainWord(w: string): string {
  const word = w.toLowerCase().replace(/[,;:.]+$/, '');
  return /^[a-z][a-z-]*$/.test(word) ? word : '';
}

function usableType(productType: string | null | undefined): string | undefined {
  const stated = productType?.trim();
  return stated && /[A-Za-z]{2}/.test(stated) ? stated : undefined;
}

export function deriveCategory(
  title: string,
  brand: string,
  productType?: string | null,
  vocabulary?: CategoryVocabulary,
  description?: string | null,
  attributeKeys?: readonly string[],
): string {
  const stated = usableType(productType);
  if (stated) return capitalize(stated);
  const words = afterBrand(title, brand);
  // Icecat's own convention (a lowercase run) first; the learnt vocabulary for capitalized titles.
  const run = lowercaseRun(words, vocabulary?.colours).join(' ');
  // A head word alone last: a phrase of the title or its description says more.
  const phrase =
    run ||
    vocabulary?.find(words) ||
    (description && vocabulary && described(description, brand, vocabulary)) ||
    vocabulary?.find(words, true, true);
  if (phrase) return capitalize(phrase);
  // Last, what the products with the same specifications are ("DELL P2421D 60.5 cm (23.8\") 2560 x
  // 1440 pixels Quad HD LCD Black": a display diagonal, a response time, a pivot… as monitors have).
  return (
    (attributeKeys && vocabulary?.typeOfAttributes(attributeKeys, `${title} ${description ?? ''}`)) || 'Other'
  );
}

/**
 * The type a description's first clause names, for a title that names none ("HP 780 Original
 * Light magenta 1 pc(s)": "HP 780 500-ml Light Magenta Ink Cartridge").
 */
function described(description: string, brand: string, vocabulary: CategoryVocabulary): string | undefined {
  const clause = afterBrand(firstClause(description), brand);
  // A name ("Light Cyan Ink Cartridge"), not prose ("Protect your iPhone…" "…makes your monitor
  // easier to…"), and no more than the vocabulary's phrase: "Ink Cartridge light Magenta f Stylus"
  // is an ink cartridge.
  return clause.length <= MAX_DESCRIBED ? vocabulary.find(clause, false) : undefined;
}

/** Neighbours compared; their similarities vote for their types' head words. */
const NEIGHBOURS = 5;
/** The closest neighbour's cosine at least, and the winning head's share of the votes. */
const MIN_SIMILARITY = 0.45;
const MIN_SHARE = 0.8;
/** Attribute names fewer records give are the ones that tell (a pivot angle, a SIM card type). */
const MIN_KEYS = 8;
/** Typed records a head needs to be voted for. */
const MIN_HEAD = 5;

/**
 * A title that names no type ("DELL P2421D 60.5 cm (23.8") 2560 x 1440 pixels Quad HD LCD Black",
 * "Samsung Galaxy A71 SM-A715F …": Icecat's newer titles for monitors, phones and TVs) still comes
 * with the attributes of its kind: a monitor states a display diagonal, a response time, a pivot
 * angle; a phone a SIM card type and talk time. The typed records of the same file are its
 * neighbours: the products whose attribute names are most like its own (cosine over the names,
 * each weighted by its IDF, so the package weight every record gives says little), the closest
 * five voting for their types' head words with their similarity. It takes the winning head's
 * commonest type when the closest is similar enough and the five agree (80% of the votes): on
 * Icecat, 95% of typed records that pass would be given their own type's head again.
 */
export class AttributeNeighbours {
  private readonly postings = new Map<string, number[]>();
  private readonly idf = new Map<string, number>();
  private types: string[] = [];
  private norms: Float64Array = new Float64Array(0);
  private scores: Float64Array = new Float64Array(0);

  static learn(records: { type: string; keys: readonly string[] }[]): AttributeNeighbours | undefined {
    // A head few records have is more likely a title's odd word than a kind ("Widescreen flat").
    const heads = new Map<string, number>();
    for (const r of records) heads.set(headWord(r.type), (heads.get(headWord(r.type)) ?? 0) + 1);
    const typed = records.filter(
      (r) => r.keys.length >= MIN_KEYS && heads.get(headWord(r.type))! >= MIN_HEAD,
    );
    if (typed.length < NEIGHBOURS) return undefined;
    const n = new AttributeNeighbours();
    const df = new Map<string, number>();
    for (const r of typed) for (const k of new Set(r.keys)) df.set(k, (df.get(k) ?? 0) + 1);
    for (const [k, d] of df) n.idf.set(k, Math.log((typed.length + 1) / d));
    n.types = typed.map((r) => r.type);
    n.norms = new Float64Array(typed.length);
    typed.forEach((r, i) => {
      let norm = 0;
      for (const k of new Set(r.keys)) {
        const w = n.idf.get(k)!;
        norm += w * w;
        const list = n.postings.get(k) ?? [];
        if (!list.length) n.postings.set(k, list);
        list.push(i);
      }
      n.norms[i] = Math.sqrt(norm);
    });
    return n;
  }

  /**
   * `text`: the product's own words (title, description). A type's words before its head must be
   * among them, else the head alone is its type: a LaserJet whose neighbours are inkjet printers is
   * a "Printer", an ink tank among toner cartridges a "Cartridge".
   */
  typeOf(keys: readonly string[], text = ''): string | undefined {
    const own = [...new Set(keys)];
    if (own.length < MIN_KEYS) return undefined;
    // Dot products accumulated in a reused array over the postings of the record's names.
    if (this.scores.length !== this.types.length) this.scores = new Float64Array(this.types.length);
    const scores = this.scores;
    const touched: number[] = [];
    let norm = 0;
    for (const k of own) {
      const w = this.idf.get(k);
      if (w === undefined) continue;
      norm += w * w;
      for (const i of this.postings.get(k)!) {
        if (scores[i] === 0) touched.push(i);
        scores[i]! += w * w;
      }
    }
    // The closest few, kept in order (ties: the earlier record).
    const closest: [number, number][] = [];
    for (const i of touched) {
      const similarity = scores[i]! / (Math.sqrt(norm) * this.norms[i]!);
      scores[i] = 0;
      if (closest.length === NEIGHBOURS && similarity <= closest[NEIGHBOURS - 1]![1]) continue;
      let at = closest.length;
      while (
        at > 0 &&
        (closest[at - 1]![1] < similarity || (closest[at - 1]![1] === similarity && closest[at - 1]![0] > i))
      )
        at--;
      closest.splice(at, 0, [i, similarity]);
      if (closest.length > NEIGHBOURS) closest.pop();
    }
    if (!closest.length || closest[0]![1] < MIN_SIMILARITY) return undefined;
    const votes = new Map<string, number>();
    let total = 0;
    for (const [i, similarity] of closest) {
      const head = headWord(this.types[i]!);
      votes.set(head, (votes.get(head) ?? 0) + similarity);
      total += similarity;
    }
    const [head, vote] = [...votes].sort((a, b) => b[1] - a[1])[0]!;
    if (vote < MIN_SHARE * total) return undefined;
    // The winning head's type when its neighbours agree on that too ("Computer monitor"), else
    // the head alone: a LaserJet among inkjet and laser printers is a "Printer".
    const named = new Map<string, number>();
    for (const [i, similarity] of closest)
      if (headWord(this.types[i]!) === head)
        named.set(this.types[i]!, (named.get(this.types[i]!) ?? 0) + similarity);
    const [type, agreed] = [...named].sort((a, b) => b[1] - a[1])[0]!;
    const words = new Set(text.toLowerCase().split(/[^a-z]+/));
    const said = type
      .toLowerCase()
      .split(/\s+/)
      .every((w) => w === head || words.has(w));
    return agreed >= vote || (agreed >= MIN_SHARE * vote && said) ? type : capitalize(head);
  }
}

/** A type's head noun: its last word, a trailing parenthesis aside ("Mini PC (<= 3L)": pc). */
function headWord(type: string): string {
  const words = type
    .toLowerCase()
    .replace(/\s*\([^)]*\)\s*$/, '')
    .split(/\s+/);
  return words[words.length - 1] ?? '';
}
