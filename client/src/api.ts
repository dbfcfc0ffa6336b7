import type { CartView, Money, Order, Product, SearchResult, Suggestion, User } from '@shopsync/core';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Any failure as an ApiError (one the API did not answer: status 0, code `error`). */
export function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, 'error', String(err));
}

/** "in 40 seconds", "in 1 minute", "in 15 minutes" (rounded up: never sooner than allowed). */
function waitText(seconds: number): string {
  if (seconds < 60) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** Sentences for the API's error codes whose own message is meant for developers, not shoppers. */
const CODE_TEXT: Record<string, (err: ApiError) => string | undefined> = {
  invalid_credentials: () => "That email and password don't match an account.",
  too_many_attempts: (err) => {
    const details = err.details as { retryAfterSeconds?: unknown; per?: unknown } | undefined;
    const wait = details?.retryAfterSeconds;
    const when =
      typeof wait === 'number' && Number.isFinite(wait) && wait > 0
        ? waitText(Math.ceil(wait))
        : 'in a few minutes';
    // Per address, across emails: sign-ups and password changes too, whatever the email.
    if (details?.per === 'address') return `Too many attempts from your network. Please try again ${when}.`;
    return `Too many sign-in attempts for this email. Please try again ${when}.`;
  },
  busy: () => 'The shop is busy right now. Please try again in a moment.',
  wrong_password: () => 'That is not your current password.',
  email_unchanged: () => 'That is the email address your account has now.',
  password_changed: () => 'Your password was changed on another device meanwhile. Nothing was changed here.',
  already_ordered: () => 'These items are already in an order, placed on another tab or device.',
};

/**
 * What to tell the shopper about a failed request: for a body the server found invalid, what
 * is wrong with each field ("Password must have at least 8 characters.") rather than the
 * generic "the request body is not valid"; for a wrong password or too many attempts, a sentence
 * of our own (with when to try again) rather than the API's lowercase message.
 */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    const said = CODE_TEXT[err.code]?.(err);
    if (said) return said;
  }
  if (err instanceof ApiError && Array.isArray(err.details)) {
    const said = (err.details as { path?: unknown; message?: unknown }[]).map((d) => {
      if (typeof d?.message !== 'string' || !d.message) return '';
      // "postalCode" -> "postal code"; named unless the message names it ("password must…").
      const field =
        typeof d.path === 'string' ? d.path.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() : '';
      const text = !field || d.message.toLowerCase().startsWith(field) ? d.message : `${field}: ${d.message}`;
      return `${text[0]!.toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
    });
    const unique = [...new Set(said.filter(Boolean))];
    if (unique.length) return unique.join(' ');
  }
  return err instanceof Error ? err.message : String(err);
}

/** True when the failure is the network, not the server's answer. */
export const isOffline = (err: unknown) => err instanceof ApiError && err.status === 0;

async function request<T>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'offline', 'You are offline: this needs a connection.');
  }
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => undefined);
  if (!res.ok) {
    const e = (data as { error?: { code: string; message: string; details?: unknown } } | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? 'http_error', e?.message ?? `HTTP ${res.status}`, e?.details);
  }
  return data as T;
}

export interface Address {
  id: string;
  name: string;
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postalCode: string;
  country: string;
  phone?: string;
}

const productPath = (id: string) => `/api/products/${encodeURIComponent(id)}`;

/** The products this page load asked the shop for (`api.product`): viewed, or lines of the cart. */
const askedProducts = new Set<string>();

/**
 * Asks the shop again for every product this page load asked for before the service worker took
 * it over, so that the worker keeps them (it keeps only what it serves): without it, the product
 * a shopper opened on the first visit, and the products of their cart, did not open offline,
 * though the page said "the products you viewed still work". The most recent 200, as many as
 * the worker keeps (MAX_PRODUCTS in sw.js). Failures are nothing to tell: the next view asks.
 */
export async function keepProductsOffline(): Promise<void> {
  await Promise.all(
    [...askedProducts].slice(-200).map((id) =>
      fetch(productPath(id)).then(
        (res) => res.body?.cancel(),
        () => undefined,
      ),
    ),
  );
}

export const api = {
  me: () => request<{ user: User }>('GET', '/api/me'),
  signup: (email: string, password: string, name: string) =>
    request<{ user: User; guestLinesMerged?: number }>('POST', '/api/auth/signup', { email, password, name }),
  login: (email: string, password: string) =>
    request<{ user: User; guestLinesMerged?: number }>('POST', '/api/auth/login', { email, password }),
  logout: () => request<void>('POST', '/api/auth/logout', {}),
  /** Ends the account's other sign-ins too; how many. */
  changePassword: (currentPassword: string, newPassword: string) =>
    request<{ endedSessions: number }>('POST', '/api/me/password', { currentPassword, newPassword }),
  logoutOthers: () => request<{ endedSessions: number }>('POST', '/api/auth/logout-others', {}),
  /** Mails a link to choose a new password, if an account uses the email (the answer is the same). */
  requestPasswordReset: (email: string) => request<void>('POST', '/api/auth/password-reset', { email }),
  /** A new password with a reset link's token: signed in, the account's other sign-ins ended. */
  resetPassword: (token: string, newPassword: string) =>
    request<{ user: User; endedSessions: number; guestLinesMerged?: number }>(
      'POST',
      '/api/auth/password-reset/confirm',
      { token, newPassword },
    ),
  /** Mails a link to `email` that makes it the account's email (the password is checked first). */
  changeEmail: (email: string, password: string) =>
    request<void>('POST', '/api/me/email', { email, password }),
  /** The token of an email change's link: the account's email is now the address it was mailed to. */
  confirmEmail: (token: string) => request<{ email: string }>('POST', '/api/me/email/confirm', { token }),
  search: (params: URLSearchParams) => request<SearchResult>('GET', `/api/search?${params}`),
  suggest: (q: string) =>
    request<{ suggestions: Suggestion[] }>('GET', `/api/suggest?q=${encodeURIComponent(q)}`),
  popular: (limit = 8) => request<{ items: Product[] }>('GET', `/api/products/popular?limit=${limit}`),
  product: (id: string) => {
    askedProducts.add(id);
    return request<Product>('GET', productPath(id));
  },
  cart: () => request<CartView>('GET', '/api/cart'),
  /** Changes the signed-in shopper's name; the account as now. */
  rename: (name: string) => request<{ user: User }>('PATCH', '/api/me', { name }),
  addresses: () => request<{ items: Address[] }>('GET', '/api/me/addresses'),
  addAddress: (a: Omit<Address, 'id'>) => request<Address>('POST', '/api/me/addresses', a),
  /** One of the shopper's addresses, also one they removed (an order shows where it went). */
  address: (id: string) =>
    request<Address & { removed: boolean }>('GET', `/api/me/addresses/${encodeURIComponent(id)}`),
  removeAddress: (id: string) => request<void>('DELETE', `/api/me/addresses/${encodeURIComponent(id)}`),
  placeOrder: (
    key: string,
    body: {
      cartId: string;
      tags: string[];
      addressId?: string;
      prices?: { productId: string; price: Money }[];
    },
  ) => request<Order>('POST', '/api/orders', body, { 'idempotency-key': key }),
  order: (id: string) => request<Order>('GET', `/api/orders/${encodeURIComponent(id)}`),
  /** The shopper's orders, newest first, `limit` at a time; `after`: the last order of the page before. */
  orders: (limit: number, after?: string) =>
    request<{ items: Order[]; next: string | null }>(
      'GET',
      `/api/orders?limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
    ),
  cancelOrder: (id: string) => request<Order>('POST', `/api/orders/${encodeURIComponent(id)}/cancel`, {}),
};
