import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SyncClaims {
  /** Who the token is for: `user:<id>` or `guest:<id>`. */
  sub: string;
  /** The one cart (room) it opens. */
  cart: string;
  /** Expiry, epoch milliseconds. */
  exp: number;
  /**
   * The sign-in it was issued on, when it was issued on one: the issuer refuses the token once
   * that sign-in has ended (signed out). Opaque here.
   */
  sid?: string;
}

const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('base64url');

/** A short-lived sync token: base64url(JSON claims) + "." + HMAC-SHA256 of that. */
export function createSyncToken(secret: string, claims: SyncClaims): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${sign(secret, body)}`;
}

/** The claims of a genuine, unexpired token; undefined for anything else. Never throws. */
export function verifySyncToken(secret: string, token: string, now = Date.now()): SyncClaims | undefined {
  if (token.length > 2048) return undefined;
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined) return undefined;
  const expected = Buffer.from(sign(secret, body));
  const actual = Buffer.from(mac);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<SyncClaims>;
    if (
      typeof claims.sub !== 'string' ||
      typeof claims.cart !== 'string' ||
      typeof claims.exp !== 'number' ||
      (claims.sid !== undefined && typeof claims.sid !== 'string')
    ) {
      return undefined;
    }
    return claims.exp > now ? (claims as SyncClaims) : undefined;
  } catch {
    return undefined;
  }
}

/** The token of an `Authorization: Bearer <token>` header; undefined for any other header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
}

/** Whether two secrets are equal: compared as SHA-256 digests, in constant time whatever their lengths. */
export function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
