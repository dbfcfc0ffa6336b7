import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';

// scrypt (RFC 7914) from Node's own crypto: a memory-hard, vetted password hash with no native
// add-on to install. Parameters follow OWASP's minimum for scrypt (N=2^17, r=8, p=1).
/** log2 of scrypt's N for new hashes: OWASP's minimum, 2^17 (128 MiB and a few hundred ms). */
export const PASSWORD_COST = 17;
/**
 * The costs a shop may hash new passwords at (SHOPSYNC_PASSWORD_COST). Below 17 is below OWASP's
 * minimum, there for test suites (as Django's test settings swap in a fast hasher); 18 takes
 * 256 MiB a hash. A stored hash of a higher cost is not checked (no hash of ours has one).
 */
export const PASSWORD_COSTS = { min: 10, max: 18 } as const;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

/** Whose hash: checking a sign-in's password goes before hashing a new account's. */
export type HashPriority = 'sign-in' | 'sign-up';

/** Too many hashes of this priority are waiting; answer 503 and let the client retry. */
export class PasswordsBusy extends Error {
  constructor(message = 'too many password checks are waiting') {
    super(message);
  }
}

/**
 * Too many hashes of one asker (HashShare.key: a client address) are waiting: its fair share of
 * the queue is taken. A PasswordsBusy, so whatever is not done for one is not counted either.
 */
export class ShareTaken extends PasswordsBusy {
  constructor() {
    super("too many of this client's password checks are waiting");
  }
}

/** Who asks for a hash (a client address), and how many of its hashes may wait at once. */
export interface HashShare {
  key: string;
  most: number;
}

/**
 * Runs password hashes a few at a time, sign-ins first. Each scrypt holds 128 MiB and a thread of
 * libuv's pool (four, shared with file I/O) for a few hundred milliseconds; unqueued, a burst of
 * signups would take every thread and each sign-in would wait behind all of them. Here a sign-in
 * waits at most for the hashes already running, and a priority with `maxWaiting` hashes waiting
 * refuses the next (PasswordsBusy) instead of queueing it for minutes. A hash run with a share
 * waits only while fewer than `share.most` of its key's wait (else ShareTaken): one client sending
 * hundreds at once cannot fill the queue and keep everyone else's out.
 */
export class HashQueue {
  private running = 0;
  private readonly waiting: Record<HashPriority, Array<() => void>> = { 'sign-in': [], 'sign-up': [] };
  /** Hashes waiting, of both priorities, by share key; a key none wait for has no entry. */
  private readonly waitingBy = new Map<string, number>();

  constructor(
    readonly atOnce = Math.max(1, Math.min(4, availableParallelism())),
    readonly maxWaiting = 256,
  ) {}

  run<T>(priority: HashPriority, work: () => Promise<T>, share?: HashShare): Promise<T> {
    if (this.running < this.atOnce) return this.start(work);
    // The share first: a client over its share is told so (its doing), not that the shop is busy.
    const mine = share ? (this.waitingBy.get(share.key) ?? 0) : 0;
    if (share && mine >= share.most) return Promise.reject(new ShareTaken());
    const queue = this.waiting[priority];
    if (queue.length >= this.maxWaiting) return Promise.reject(new PasswordsBusy());
    if (share) this.waitingBy.set(share.key, mine + 1);
    return new Promise<T>((resolve, reject) => {
      queue.push(() => {
        if (share) this.leave(share.key);
        this.start(work).then(resolve, reject);
      });
    });
  }

  /** Hashes of this share key waiting (for tests). */
  waitingFor(key: string): number {
    return this.waitingBy.get(key) ?? 0;
  }

  private leave(key: string): void {
    const left = (this.waitingBy.get(key) ?? 1) - 1;
    if (left > 0) this.waitingBy.set(key, left);
    else this.waitingBy.delete(key);
  }

  /** Hashes waiting, by priority (for metrics and tests). */
  get queued(): Record<HashPriority, number> {
    return { 'sign-in': this.waiting['sign-in'].length, 'sign-up': this.waiting['sign-up'].length };
  }

  private start<T>(work: () => Promise<T>): Promise<T> {
    this.running++;
    let result: Promise<T>;
    try {
      result = work();
    } catch (err) {
      result = Promise.reject(err);
    }
    return result.finally(() => {
      this.running--;
      (this.waiting['sign-in'].shift() ?? this.waiting['sign-up'].shift())?.();
    });
  }
}

/** The process's queue: libuv's pool and the memory are the process's. */
export const passwordHashes = new HashQueue();

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // scrypt needs 128 * N * r bytes; twice that leaves room for its own bookkeeping.
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: n, r, p, maxmem: 256 * n * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

async function hashUnqueued(password: string, cost: number): Promise<string> {
  const n = 2 ** cost;
  const salt = randomBytes(16);
  const key = await derive(password, salt, n, R, P);
  return ['scrypt', n, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * Returns a self-describing hash: `scrypt$N$r$p$salt$key` (base64url), N = 2^cost. Queued as a
 * sign-up's: rejects with PasswordsBusy when too many are waiting (ShareTaken: too many of
 * `share`'s).
 */
export function hashPassword(
  password: string,
  queue = passwordHashes,
  share?: HashShare,
  cost: number = PASSWORD_COST,
): Promise<string> {
  return queue.run('sign-up', () => hashUnqueued(password, cost), share);
}

/** Queued as a sign-in's: rejects with PasswordsBusy when too many are waiting (as hashPassword). */
export async function verifyPassword(
  password: string,
  stored: string,
  queue = passwordHashes,
  share?: HashShare,
): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  // The parameters we hash with (N = 2^cost, at most the highest cost): anything else is no hash
  // of ours, and is not worth a thread and up to gigabytes of memory.
  const cost = Math.log2(Number(n));
  if (!Number.isInteger(cost) || cost < 1 || cost > PASSWORD_COSTS.max || Number(r) !== R || Number(p) !== P)
    return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await queue.run(
    'sign-in',
    () => derive(password, Buffer.from(salt, 'base64url'), 2 ** cost, R, P),
    share,
  );
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The cost (log2 N) a stored hash was made at; undefined for one that is no hash of ours. */
export function costOf(stored: string): number | undefined {
  const [scheme, n] = stored.split('$');
  const cost = Math.log2(Number(n));
  return scheme === 'scrypt' && Number.isInteger(cost) ? cost : undefined;
}

const dummyHashes = new Map<number, Promise<string>>();
/**
 * A hash of `cost` to verify against for unknown emails, so both failures take the same time.
 * Made once per cost, outside the queue (a refusal must not be remembered in its place).
 */
export function dummyPasswordHash(cost: number = PASSWORD_COST): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = hashUnqueued('not-a-real-password-0', cost);
    dummyHashes.set(cost, hash);
  }
  return hash;
}
