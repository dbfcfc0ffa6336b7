import type { Product } from '@shopsync/core';
import { firstClause, inchMarks, stem, tokenize } from './text.js';

/** What Lunr indexes of a product: the fields are modelled on how shoppers describe products. */
export interface IndexedDoc {
  id: string;
  /** The title up to "for …" / "compatible with …": what the product is. */
  title: string;
  /** The rest of the title: what the product fits ("Battery for Dell laptops" is no laptop). */
  fits: string;
  brand: string;
  /** The category plus attributes that name a product type (Icecat "device type", "form factor"…). */
  type: string;
  description: string;
}

/** Attribute labels that name what a product is, rather than a property of it (the type field). */
export const TYPE_ATTRIBUTES = ['product type', 'device type', 'form factor', 'platform', 'type'];
/**
 * Attribute labels that say what a product is for or whom it is for, Icecat's "suitable for",
 * "component for", "purpose", "recommended usage" and "market positioning" ("Gaming",
 * "PC/notebook", "Server/Workstation"): indexed in the fits field with the title's "for …", as
 * what the product is for. An Alienware keyboard says "gaming" nowhere else ("gaming keyboard").
 * Not read as its type: a "component for" PCs is no PC.
 */
export const USAGE_ATTRIBUTES = [
  'suitable for',
  'component for',
  'purpose',
  'recommended usage',
  'market positioning',
];
/**
 * The attributes the index reads by name: the type and usage words, and `released`, which
 * "newest" sorts by (`newSince`). A caller may pass products with just these and the barcodes
 * (`BARCODE_KEYS`, read whatever their case), saying with `specCount` how many attributes each
 * states (`OrderedProduct`).
 */
export const INDEXED_ATTRIBUTES = [...TYPE_ATTRIBUTES, ...USAGE_ATTRIBUTES, 'released'];
const FITS = /\s(?:for|compatible with|f\/|suitable for|fits)\s/i;

/**
 * Where the title's "for …" part starts, or -1: only after some word that says what the product
 * is. "Philips DLM63090 For iPhone 3G SlimShell" names the product after "For": brand and model
 * code alone before it say nothing, so the whole title is what the product is.
 */
function fitsStart(title: string, brand: string): number {
  const cut = title.search(FITS);
  if (cut <= 0) return cut;
  const before = title.slice(0, cut);
  const rest = before.toLowerCase().startsWith(brand.toLowerCase()) ? before.slice(brand.length) : before;
  return /(?<![\p{L}\p{N}])\p{L}{2,}(?![\p{L}\p{N}])/u.test(rest) ? cut : -1;
}

/** Icecat's count of pieces, "1 pc(s)": 1,586 titles of 19,406, toners mostly. */
const PIECES = /(?<=\d\s?)pc\(s\)/gi;

/**
 * A title's words as the index reads them: a count of pieces ("Original Black 1 pc(s)") says
 * "pieces", so that "pc" finds PCs, not every toner cartridge; an inch mark says "inch".
 */
function indexedTitle(title: string): string {
  return inchMarks(title.replace(PIECES, 'pieces'));
}

/** A description's first clause of at most this many words may be the product's name. */
const MAX_NAME = 8;
/** Words of prose ("Protect your iPhone…", "Makes your monitor easier to see"), not of a name. */
const PROSE = /(?:^|\s)(?:a|an|the|your|you|our|it|is|are|in|to|this|allows?|makes?|lets?)(?=\s|$)/i;

/**
 * The product's name as its description gives it, or '': Icecat's short description is often
 * the maker's own name for the product ("DELL W009C Black": "E-View Laptop Stand"; "Targus
 * TBC005EU notebook case": "XL Laptop Case"; "Contour Design Shuttle-Pro 2 Wired": "ShuttlePRO V.2
 * Multimedia Controller"), which a title of codes and specs does not say. Its first clause, when
 * that is at most MAX_NAME words and not prose. Not indexed as a field of its own (the words are
 * in the description field already): the ranking reads it as it reads the title (`titleFactor`,
 * `phraseFactor`, and the type of a product whose title names none).
 */
export function nameOf(description: string): string {
  const clause = firstClause(description);
  const words = clause.split(/\s+/).filter(Boolean);
  return words.length === 0 || words.length > MAX_NAME || PROSE.test(clause) ? '' : clause;
}

/**
 * The title as indexed, in two parts: what the product is, and from " for …" what it fits
 * ('' when the title names nothing it fits).
 */
export function titleParts(p: Pick<Product, 'title' | 'brand'>): { title: string; fits: string } {
  const title = indexedTitle(p.title);
  const cut = fitsStart(title, p.brand);
  return { title: cut > 0 ? title.slice(0, cut) : title, fits: cut > 0 ? title.slice(cut) : '' };
}

/** The values of `labels` that are short words ("Full-size tablet", "Server/Workstation"), not codes or sentences. */
function attributeWords(p: Product, labels: readonly string[], pattern: RegExp): string[] {
  return labels.flatMap((label) => {
    const value = p.attributes[label];
    return value && value.length <= 40 && pattern.test(value) ? [value] : [];
  });
}

/**
 * The brand as the brand field indexes it: a brand of one word as it is, one of several (apart
 * by spaces) as the one word they make joined ("Case Logic": caselogic), which a query names by
 * saying all of them (joined query words, segment.ts `joinedTerms`). Its words alone are no brand
 * match: "ipad case" listed Case Logic camera cases, "ram" RAM Mounts first. The title still
 * says them.
 */
function brandField(brand: string): string {
  // Words written together are one name ("StarTech.com", "TP-LINK"): "startech" names it.
  return /\S\s+\S/.test(brand) ? tokenize(brand).join('') : brand;
}

/** `parts`: the product's `titleParts`, when the caller has them already. */
export function toIndexedDoc(p: Product, parts = titleParts(p)): IndexedDoc {
  const { title, fits } = parts;
  // Short alphabetic values only: "Full-size tablet", not "Original" codes or sentences.
  const typeWords = attributeWords(p, TYPE_ATTRIBUTES, /^[\p{L}][\p{L}\s()-]*$/u);
  // What it is for: alternatives and lists too ("PC/notebook", "Home & Office", "Black, Gray").
  const usage = attributeWords(p, USAGE_ATTRIBUTES, /^[\p{L}][\p{L}\s()&/,-]*$/u);
  return {
    id: p.id,
    title,
    fits: [fits, ...usage].filter(Boolean).join(' '),
    brand: brandField(p.brand),
    type: [p.category, ...typeWords].join(' '),
    description: p.description,
  };
}

/**
 * The product type a category names: its head noun is the last word ("Notebook case" is a case),
 * the words before it say what it is for. Stemmed, as query terms are. A trailing parenthesis
 * qualifies the type, it does not name it: "Hybrid (2-in-1)" is a hybrid (its head was "1"),
 * "Mini PC (<= 3L)" a PC; its words count as modifiers.
 */
export interface TypeSignature {
  head: string | null;
  modifiers: Set<string>;
}

const UNTYPED = new Set(['other', '']);

export function typeSignature(category: string): TypeSignature {
  const words = tokenize(category);
  if (words.length === 0 || UNTYPED.has(category.trim().toLowerCase()))
    return { head: null, modifiers: new Set() };
  const named = tokenize(category.replace(QUALIFIER, ''));
  const at = named.length > 0 ? named.length - 1 : words.length - 1;
  return { head: stem(words[at]!), modifiers: new Set(words.filter((_, i) => i !== at).map(stem)) };
}

/** A parenthesis that ends a category ("Hybrid (2-in-1)"). */
const QUALIFIER = /\s*\([^()]*\)\s*$/;
