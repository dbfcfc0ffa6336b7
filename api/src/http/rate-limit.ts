import type { Context } from 'hono';
import type { Budget } from '../accounts/budget.js';
import { ApiError } from './errors.js';

/** Who a request budget counts: a signed-in shopper, or (a guest) the client address. */
export type Spender = { per: 'user'; userId: string } | { per: 'address'; address: string };

/**
 * Spends one of the spender's requests of `budget` (a token bucket: all at once, then back
 * steadily), or throws 429 `too_many_requests` with `Retry-After` and `details: {retryAfterSeconds,
 * per}`. `what` names the requests in the message ("cart edits").
 */
export function spendRequest(c: Context, budget: Budget, spender: Spender, what: string): void {
  const key = spender.per === 'user' ? `user:${spender.userId}` : `address:${spender.address}`;
  const waitMs = budget.take(key);
  if (waitMs === undefined) return;
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  c.header('Retry-After', String(seconds));
  const from = spender.per === 'user' ? 'this account' : 'this address';
  throw new ApiError(
    429,
    'too_many_requests',
    `too many ${what} from ${from} (${budget.checks} a minute); try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
    { retryAfterSeconds: seconds, per: spender.per },
  );
}
