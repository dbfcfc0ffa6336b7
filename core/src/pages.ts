/**
 * The storefront's pages, by path. The client routes them (client/src/app.tsx); the shop answers
 * any other path with its page and status 404, and a product page of no product with 404 too
 * (api/src/http/static.ts), so crawlers and uptime checks see what the shopper is shown.
 */
export const PAGES = {
  home: /^\/$/,
  search: /^\/search$/,
  product: /^\/products\/([^/]+)$/,
  cart: /^\/cart$/,
  checkout: /^\/checkout$/,
  orders: /^\/orders$/,
  order: /^\/orders\/([^/]+)$/,
  signInOrUp: /^\/(signin|signup)$/,
  forgotPassword: /^\/forgot-password$/,
  /** The page a reset mail links to, with `?token=`. */
  resetPassword: /^\/reset-password$/,
  /** The page an email change's mail links to, with `?token=`. */
  confirmEmail: /^\/confirm-email$/,
  account: /^\/account$/,
} as const;

/** Whether `path` (decoded) is one of the storefront's pages. */
export function isPagePath(path: string): boolean {
  return Object.values(PAGES).some((re) => re.test(path));
}
