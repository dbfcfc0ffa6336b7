import { isIP } from 'node:net';

/**
 * The ranges an operator may set for the sync server's limits; the shop's config and the
 * standalone server both check them. An idle time past 2^31-1 ms would make Node run the sweeper
 * every millisecond. A module of its own, so a config reader need not load the server.
 */
export const LIMIT_RANGES = {
  idleRoomMs: { min: 10, max: 86_400_000 },
  maxRooms: { min: 1, max: 10_000_000 },
  /** maxMemoryBytes, in MiB. */
  maxMemoryMb: { min: 1, max: 65_536 },
  maxConnectionsPerAddress: { min: 1, max: 10_000_000 },
  /** writeBytesPerAddressPerSecond, in KiB. */
  writeKibPerAddress: { min: 1, max: 10_000_000 },
  /** Reverse proxies in front of the server that append to X-Forwarded-For (address.ts). */
  trustedProxies: { min: 0, max: 16 },
} as const;

/**
 * The most bytes a cart document may take: SyncLimits.maxDocumentBytes's default (DEFAULT_LIMITS in
 * server.ts), which the shop keeps. The shop's HTTP cart edits are refused
 * past it too (api/src/cart/carts.ts), as a device's are.
 */
export const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

/**
 * The number `raw` writes, when it is a whole number in plain decimal digits within the range;
 * otherwise undefined. Not `Number(raw)`: that reads "1e3" as 1000, "0x10" as 16 and " 8 " as 8,
 * so `PORT=0x10` would listen on port 16. The shop's config and the standalone server read every
 * number they are given with it.
 */
export function wholeNumber(raw: string, { min, max }: { min: number; max: number }): number | undefined {
  if (!/^\d{1,16}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
}

/** The log levels LOG_LEVEL may name (pino's), for the shop and the standalone server alike. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** An RFC 1123 host name: labels of letters, digits and inner hyphens, 253 characters at most. */
const HOST_NAME = /^(?=.{1,253}\.?$)[a-z\d]([a-z\d-]{0,61}[a-z\d])?(\.[a-z\d]([a-z\d-]{0,61}[a-z\d])?)*\.?$/i;

/**
 * Whether HOST names an address to listen on: an IP address or a host name (whether the name
 * resolves is listen's to say). The shop's config and the standalone server both check it.
 */
export function isHost(host: string): boolean {
  return isIP(host) !== 0 || HOST_NAME.test(host);
}
