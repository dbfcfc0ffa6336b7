import path from 'node:path';
import { isHost, LIMIT_RANGES, LOG_LEVELS, wholeNumber } from '@shopsync/sync-server/limits';
import { z } from 'zod';
import { PASSWORD_COST, PASSWORD_COSTS } from './accounts/passwords.js';
import type { Durability } from './db.js';

/** A whole number in plain digits in [min, max] (wholeNumber), or `fallback` when unset. */
const whole = (min: number, max: number, fallback: number) =>
  z
    .string()
    .transform((raw, ctx) => {
      const n = wholeNumber(raw, { min, max });
      if (n === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a whole number from ${min} to ${max} in plain digits`,
        });
        return z.NEVER;
      }
      return n;
    })
    .default(fallback);

/** An absolute URL of one of `protocols` (each with its colon, as URL.protocol has it). */
const urlOf = (protocols: readonly string[], message: string) =>
  z.string().refine((raw) => {
    try {
      return protocols.includes(new URL(raw).protocol);
    } catch {
      return false;
    }
  }, message);

/** A whole number in one of the sync server's ranges (limits.ts), or the default when unset. */
const within = ({ min, max }: { min: number; max: number }, fallback: number) => whole(min, max, fallback);

const Env = z.object({
  PORT: whole(0, 65535, 8787),
  // An IP address or a host name (RFC 1123 labels): a typo is refused before the catalog is
  // seeded and the search index built, not by listen after them. Whether it resolves is listen's.
  HOST: z.string().refine(isHost, 'must be an IP address or a host name').default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  SHOPSYNC_ADMIN_TOKEN: z.string().min(1).optional(),
  SHOPSYNC_METRICS_TOKEN: z.string().min(16).optional(),
  SHOPSYNC_SEED: z.enum(['generated', 'none']).default('generated'),
  SHOPSYNC_SEED_COUNT: whole(0, 1_000_000, 10_000),
  SHOPSYNC_SECRET: z.string().min(16).optional(),
  SHOPSYNC_CLIENT_DIR: z.string().optional(),
  SHOPSYNC_SECURE_COOKIES: z.enum(['0', '1']).default('0'),
  SHOPSYNC_SYNC_IDLE_MS: within(LIMIT_RANGES.idleRoomMs, 60_000),
  SHOPSYNC_DURABILITY: z.enum(['normal', 'full']).default('normal'),
  SHOPSYNC_SYNC_MAX_ROOMS: within(LIMIT_RANGES.maxRooms, 50_000),
  SHOPSYNC_SYNC_MAX_MEMORY_MB: within(LIMIT_RANGES.maxMemoryMb, 32),
  SHOPSYNC_SYNC_MAX_PER_ADDRESS: within(LIMIT_RANGES.maxConnectionsPerAddress, 256),
  SHOPSYNC_SYNC_WRITE_KIB_PER_ADDRESS: within(LIMIT_RANGES.writeKibPerAddress, 32),
  SHOPSYNC_TRUSTED_PROXIES: within(LIMIT_RANGES.trustedProxies, 0),
  SHOPSYNC_CHECKOUT_BATCH: whole(1, 10_000, 512),
  SHOPSYNC_SEARCH_SHARDS: whole(0, 64, 0),
  SHOPSYNC_REQUEST_TIMEOUT_MS: whole(100, 600_000, 60_000),
  SHOPSYNC_PASSWORD_CHECKS_PER_ADDRESS: whole(1, 1_000_000, 100),
  // The hash queue holds 256 of a kind: a share larger than that is no share.
  SHOPSYNC_PASSWORD_WAITING_PER_ADDRESS: whole(1, 256, 8),
  SHOPSYNC_PASSWORD_COST: whole(PASSWORD_COSTS.min, PASSWORD_COSTS.max, PASSWORD_COST),
  SHOPSYNC_CART_WRITES_PER_MINUTE: whole(1, 1_000_000, 120),
  SHOPSYNC_ORDERS_PER_MINUTE: whole(1, 1_000_000, 20),
  // Where the shop's mails go; unset, they are written to DATA_DIR/outbox (mail/sender.ts).
  SHOPSYNC_SMTP_URL: urlOf(['smtp:', 'smtps:'], 'must be an smtp:// or smtps:// URL').optional(),
  // One line (a header's value), naming an address.
  SHOPSYNC_MAIL_FROM: z
    .string()
    .max(320)
    .refine((from) => from.includes('@') && !/[\r\n]/.test(from), 'must be a mail address, as `Name <a@b.c>`')
    .default('ShopSync <no-reply@localhost>'),
  // The shop's address as shoppers reach it, for the links in its mails; no query or fragment,
  // since a path is appended to it.
  SHOPSYNC_PUBLIC_URL: urlOf(['http:', 'https:'], 'must be an http:// or https:// URL')
    .refine((raw) => !raw.includes('?') && !raw.includes('#'), 'must have no query or fragment')
    .optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  adminToken: string | undefined;
  /** When set, `GET /metrics` needs it as a bearer token. */
  metricsToken: string | undefined;
  seed: 'generated' | 'none';
  seedCount: number;
  /** Signs sync tokens; when unset a random secret is generated and kept in the database. */
  secret: string | undefined;
  clientDir: string;
  secureCookies: boolean;
  /** Cart documents with no device connected leave memory after this long. */
  syncIdleMs: number;
  /** Most cart documents in memory (see SyncLimits.maxRooms). */
  syncMaxRooms: number;
  /** Stored size of the cart documents in memory, together, in MiB (see SyncLimits.maxMemoryBytes). */
  syncMaxMemoryMb: number;
  /** Open sync connections from one client address (see SyncLimits.maxConnectionsPerAddress). */
  syncMaxPerAddress: number;
  /** Sustained KiB of cart changes per second one client address may send (writeBytesPerAddressPerSecond). */
  syncWriteKibPerAddress: number;
  /**
   * Reverse proxies in front of the shop that append to X-Forwarded-For: the client address of
   * the per-address limits (sync connections, sign-in attempts) is read through them.
   */
  trustedProxies: number;
  /** 'full': every commit is fsynced (survives power loss); 'normal': survives a process crash. */
  durability: Durability;
  /** Most orders the stock writer decides in one transaction (1: a transaction per order). */
  checkoutBatch: number;
  /** Worker-thread shards of the search index; 0: one index on the main thread. */
  searchShards: number;
  /**
   * The longest a client may take to send a whole request (headers and body): one that stalls is
   * answered 408 and closed rather than hold a socket for Node's default 5 minutes.
   */
  requestTimeoutMs: number;
  /**
   * Password checks (sign-ins, sign-ups, password changes) one client address may have across
   * all emails in 15 minutes; they come back steadily (AccountsOptions.addressChecks).
   */
  passwordChecksPerAddress: number;
  /** Password checks of one client address that may wait for the hash queue at once. */
  passwordWaitingPerAddress: number;
  /** log2 of scrypt's N for new password hashes; below 17 (OWASP's minimum) only for tests. */
  passwordCost: number;
  /**
   * HTTP cart edits (POST and PATCH /api/cart/lines) a signed-in shopper, or the guests of one
   * client address together, may make in a minute; all at once, then back steadily.
   */
  cartWritesPerMinute: number;
  /** Orders (POST /api/orders) a signed-in shopper may place in a minute, as cart edits come back. */
  ordersPerMinute: number;
  /** The SMTP server mails go through (smtp://user:pass@host:587); unset: to DATA_DIR/outbox. */
  smtpUrl: string | undefined;
  /** The From of the shop's mails. */
  mailFrom: string;
  /**
   * The shop's address as shoppers reach it, without a trailing slash, for links in mails;
   * unset: http://HOST:PORT, as the shop listens (server.ts).
   */
  publicUrl: string | undefined;
  logLevel: string;
}

/** The one config loader: every setting comes from the environment, with the defaults of API.md. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // A variable set to nothing (`PORT=` in a compose file or unit) is not set: `PORT=` must not
  // mean port 0 (any free port), nor `SHOPSYNC_SYNC_IDLE_MS=` a refusal to start. The standalone
  // sync server reads its limits the same way (sync-server/src/main.ts).
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    adminToken: e.SHOPSYNC_ADMIN_TOKEN,
    metricsToken: e.SHOPSYNC_METRICS_TOKEN,
    seed: e.SHOPSYNC_SEED,
    seedCount: e.SHOPSYNC_SEED_COUNT,
    secret: e.SHOPSYNC_SECRET,
    clientDir: path.resolve(e.SHOPSYNC_CLIENT_DIR ?? path.join(import.meta.dirname, '../../client/dist')),
    secureCookies: e.SHOPSYNC_SECURE_COOKIES === '1',
    syncIdleMs: e.SHOPSYNC_SYNC_IDLE_MS,
    syncMaxRooms: e.SHOPSYNC_SYNC_MAX_ROOMS,
    syncMaxMemoryMb: e.SHOPSYNC_SYNC_MAX_MEMORY_MB,
    syncMaxPerAddress: e.SHOPSYNC_SYNC_MAX_PER_ADDRESS,
    syncWriteKibPerAddress: e.SHOPSYNC_SYNC_WRITE_KIB_PER_ADDRESS,
    trustedProxies: e.SHOPSYNC_TRUSTED_PROXIES,
    durability: e.SHOPSYNC_DURABILITY,
    checkoutBatch: e.SHOPSYNC_CHECKOUT_BATCH,
    searchShards: e.SHOPSYNC_SEARCH_SHARDS,
    requestTimeoutMs: e.SHOPSYNC_REQUEST_TIMEOUT_MS,
    passwordChecksPerAddress: e.SHOPSYNC_PASSWORD_CHECKS_PER_ADDRESS,
    passwordWaitingPerAddress: e.SHOPSYNC_PASSWORD_WAITING_PER_ADDRESS,
    passwordCost: e.SHOPSYNC_PASSWORD_COST,
    cartWritesPerMinute: e.SHOPSYNC_CART_WRITES_PER_MINUTE,
    ordersPerMinute: e.SHOPSYNC_ORDERS_PER_MINUTE,
    smtpUrl: e.SHOPSYNC_SMTP_URL,
    mailFrom: e.SHOPSYNC_MAIL_FROM,
    publicUrl: e.SHOPSYNC_PUBLIC_URL?.replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL,
  };
}
