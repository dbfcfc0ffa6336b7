import { randomBytes } from 'node:crypto';

/** The one id generator: url-safe random ids with a readable prefix. */
export function newId(prefix: string, bytes = 12): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}
