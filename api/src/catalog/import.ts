import fs from 'node:fs';
import path from 'node:path';
import { ProductInput } from '@shopsync/core';
import { type CategoryVocabulary, icecatToProduct, icecatVocabulary } from '@shopsync/search';
import { unzipSync } from 'fflate';
import type { Catalog } from './products.js';

export interface ImportReport {
  file: string;
  records: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: { position: number; error: string }[];
  /** Ids more than one record gives: the last record of each is imported, the earlier ones not. */
  duplicateIds: number;
  /** The earlier records of those ids, left out. */
  superseded: number;
  /** Existing products whose stock a record's explicit `stock` set (an `adjust` movement each). */
  stockSet: number;
  /** Records of products the shop's vendor deleted, left out (see `restoreDeleted`). */
  deletedSkipped: number;
}

export interface ImportOptions {
  /** Import records of products the vendor deleted (as new products) instead of leaving them out. */
  restoreDeleted?: boolean;
}

export type ImportProgress = (file: string, done: number, total: number) => void;

/**
 * What one file may hold: its JSON (a zip's files unpacked) at most MAX_UNPACKED_BYTES (an
 * Icecat file is ~8 MB), and at most MAX_RECORDS records, counted before the records are made
 * (the lines of JSON Lines, the top-level elements of an array). A 733 KB zip of 480 MB of tiny
 * records took 6 GB and would have run for an hour; it is refused at once, and so are 64 MiB of
 * the smallest records (`{},`), which would parse into ~22 million objects, about a gigabyte.
 */
export const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;
export const MAX_RECORDS = 1_000_000;

/**
 * Reads a file's records: a zip holding JSON, a JSON array, or JSON Lines. Throws on unreadable
 * files and on files past the limits (MAX_UNPACKED_BYTES, MAX_RECORDS by default).
 */
export function readRecords(
  file: string,
  limits: { maxUnpackedBytes: number; maxRecords: number } = {
    maxUnpackedBytes: MAX_UNPACKED_BYTES,
    maxRecords: MAX_RECORDS,
  },
): unknown[] {
  const bytes = fs.readFileSync(file);
  const isZip =
    bytes.length > 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  let records: unknown[];
  if (isZip) {
    let unpacked = 0;
    const entries = unzipSync(new Uint8Array(bytes), {
      filter: (f) => {
        if (!/\.(json|jsonl|ndjson)$/i.test(f.name)) return false;
        // As the zip declares it; fflate unpacks into a buffer of that size, so no more comes out.
        unpacked += f.originalSize;
        if (unpacked > limits.maxUnpackedBytes)
          throw new Error(`the zip unpacks to more than ${limits.maxUnpackedBytes} bytes of JSON`);
        return true;
      },
    });
    const names = Object.keys(entries).sort();
    if (names.length === 0) throw new Error('the zip holds no .json, .jsonl or .ndjson file');
    records = names.flatMap((name) =>
      parseText(new TextDecoder().decode(entries[name]!), name, limits.maxRecords),
    );
  } else {
    if (bytes.length > limits.maxUnpackedBytes)
      throw new Error(`the file holds more than ${limits.maxUnpackedBytes} bytes of JSON`);
    records = parseText(bytes.toString('utf8'), path.basename(file), limits.maxRecords);
  }
  if (records.length > limits.maxRecords)
    throw new Error(`${records.length} records; at most ${limits.maxRecords} a file (split it)`);
  return records;
}

function parseText(text: string, name: string, maxRecords: number): unknown[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    if (moreElementsThan(trimmed, maxRecords))
      throw new Error(`${name}: more than ${maxRecords} records; at most ${maxRecords} a file (split it)`);
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed)) throw new Error(`${name}: expected a JSON array`);
    return parsed;
  }
  // JSON Lines: a line that does not parse becomes a rejected record, not a failed file. Lines are
  // counted first, so a file of millions is refused before they are made.
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1 && lines <= maxRecords; at = text.indexOf('\n', at + 1))
    lines++;
  if (lines > maxRecords)
    throw new Error(
      `${name}: more than ${maxRecords} lines; at most ${maxRecords} records a file (split it)`,
    );
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        return { __invalidJson: line.slice(0, 80) };
      }
    });
}

/**
 * Whether the JSON array `text` holds more than `max` elements: its commas at the top level,
 * outside strings, counted in one pass without making anything (malformed text is left to
 * JSON.parse to refuse).
 */
function moreElementsThan(text: string, max: number): boolean {
  let depth = 0;
  let commas = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, past escaped characters.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) {
      if (--depth === 0) return false;
    } else if (c === 0x2c && depth === 1 && ++commas >= max) return true;
  }
  return false;
}

type Mapped =
  | {
      ok: true;
      product: ProductInput & { id: string; category?: string };
      /** Whether the file states the stock (else `product.stock` is only a new product's). */
      stockGiven: boolean;
    }
  | { ok: false; error: string };

/**
 * One record to a product: Icecat records by their fields, others as the vendor API's product
 * shape, whose `stock` may be left out (a new product then starts with none).
 */
export function mapRecord(raw: unknown, vocabulary?: CategoryVocabulary): Mapped {
  if (raw && typeof raw === 'object' && '__invalidJson' in raw)
    return { ok: false, error: 'invalid JSON line' };
  let record = raw;
  // Icecat has no stock: ICECAT_DEFAULT_STOCK is what a product it creates starts with.
  let stockGiven = false;
  if (raw && typeof raw === 'object' && ('supplier' in raw || 'short_description' in raw)) {
    const mapped = icecatToProduct(raw, vocabulary);
    if (!mapped.ok) return mapped;
    // The mapped product is checked as a vendor's would be, so that what GET returns of it a
    // PATCH accepts back (a 400-character title or a data: image URL stops here).
    record = mapped.product;
  } else if (raw && typeof raw === 'object' && !Array.isArray(raw) && !('stock' in raw)) {
    record = { ...raw, stock: 0 };
  } else {
    stockGiven = true;
  }
  const parsed = ProductInput.safeParse(record);
  if (!parsed.success) {
    return {
      ok: false,
      error: parsed.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; '),
    };
  }
  if (!parsed.data.id)
    return { ok: false, error: 'id: required for imported products (it makes re-imports idempotent)' };
  return { ok: true, product: { ...parsed.data, id: parsed.data.id }, stockGiven };
}

/** A record's id as the product's (Icecat's 1 and "1" are one product), if it names one. */
function recordId(raw: unknown): string | undefined {
  try {
    const id = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  } catch {
    return undefined; // unreadable: mapping rejects it
  }
}

/**
 * Imports records idempotently: an existing id is updated (version bumped only if it changed).
 * An update writes the record's fields, price included, over the product's; its stock only when
 * the record states one (not Icecat's), as a vendor's stock level, through the ledger. A product
 * the vendor deleted stays deleted unless `restoreDeleted`. Of records sharing an id, the last is
 * imported.
 */
export function importRecords(
  catalog: Catalog,
  runInTransaction: <T>(fn: () => T) => T,
  file: string,
  records: unknown[],
  onProgress?: ImportProgress,
  options: ImportOptions = {},
): ImportReport {
  const report: ImportReport = {
    file,
    records: records.length,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: [],
    duplicateIds: 0,
    superseded: 0,
    stockSet: 0,
    deletedSkipped: 0,
  };
  // Of records sharing an id, only the last is imported (the last used to win by overwriting).
  const lastOf = new Map<string, number>();
  const repeated = new Set<string>();
  records.forEach((r, i) => {
    const id = recordId(r);
    if (id === undefined) return;
    if (lastOf.has(id)) {
      repeated.add(id);
      report.superseded++;
    }
    lastOf.set(id, i);
  });
  report.duplicateIds = repeated.size;
  const deleted = new Set<string>();
  let feedSeen = 0;
  const batch = 500;
  // Product types are learnt from the whole file first (Icecat states few of them).
  const vocabulary = icecatVocabulary(records);
  for (let start = 0; start < records.length; start += batch) {
    runInTransaction(() => {
      // Read in the chunk's transaction, so a product deleted while the import runs stays deleted.
      if (!options.restoreDeleted) {
        const since = catalog.deletedSince(feedSeen);
        for (const id of since.ids) deleted.add(id);
        feedSeen = since.last;
      }
      for (let i = start; i < Math.min(start + batch, records.length); i++) {
        const id = recordId(records[i]);
        if (id !== undefined && lastOf.get(id) !== i) continue; // superseded by a later record
        let mapped: Mapped;
        try {
          mapped = mapRecord(records[i], vocabulary);
        } catch (err) {
          // Mapping reads only the record: whatever in it made it throw rejects that record alone.
          mapped = { ok: false, error: `unreadable record: ${(err as Error).message}`.slice(0, 200) };
        }
        if (!mapped.ok) {
          report.rejected.push({ position: i + 1, error: mapped.error });
          continue;
        }
        if (deleted.has(mapped.product.id) && !catalog.get(mapped.product.id)) {
          report.deletedSkipped++;
          continue;
        }
        const result = catalog.create(mapped.product, { upsert: true, keepStock: !mapped.stockGiven });
        if (!result.ok) report.rejected.push({ position: i + 1, error: result.reason });
        else if (result.created) report.created++;
        else if (result.changed) report.updated++;
        else report.unchanged++;
        if (result.ok && result.stockMoved) report.stockSet++;
      }
    });
    onProgress?.(file, Math.min(start + batch, records.length), records.length);
  }
  return report;
}
