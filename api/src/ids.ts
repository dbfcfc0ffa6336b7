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
