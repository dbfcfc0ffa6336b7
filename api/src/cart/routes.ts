import { CartLineInput, CartQuantityInput, type CartView, MAX_PER_LINE } from '@shopsync/core';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { sessionId } from '../accounts/accounts.js';
import type { Budget } from '../accounts/budget.js';
import type { Catalog } from '../catalog/products.js';
import { type AppEnv, guestId, presentsBearer } from '../http/auth.js';
import { ApiError, parseBody } from '../http/errors.js';
import { requestAddress } from '../http/headers.js';
import { spendRequest } from '../http/rate-limit.js';
import type { CartEdit, Carts, Owner } from './carts.js';
import type { SyncTokens } from './tokens.js';

/**
 * Who owns the cart of this request: the signed-in user, else the guest of the cookie (made on
 * first use). A bearer token that signs no one in (signed out, expired) is 401: its client meant
 * the user's cart, and a guest cart in its place would take lines the user never sees.
 */
export function cartOwner(c: Context<AppEnv>, secureCookies: boolean): Owner {
  const user = c.get('user');
  if (user) return `user:${user.id}`;
  if (presentsBearer(c) && !c.get('vendor'))
    throw new ApiError(401, 'unauthenticated', 'this token signs no one in (signed out or expired)');
  return `guest:${guestId(c, secureCookies)}`;
}

/**
 * `writes`: the HTTP cart edits one signed-in shopper, or the guests of one client address
 * together (a made-up guest cookie costs nothing), may make (SHOPSYNC_CART_WRITES_PER_MINUTE);
 * past them 429. Edits over cart sync are the sync server's to limit.
 */
export function cartRoutes(
  carts: Carts,
  catalog: Catalog,
  tokens: SyncTokens,
  secureCookies: boolean,
  writes?: { budget: Budget; trustedProxies: number },
) {
  const app = new Hono<AppEnv>();

  /** Spends a cart edit of the shopper, or of the guest's address (429 when none is left). */
  const spendWrite = (c: Context<AppEnv>) => {
    if (!writes) return;
    const user = c.get('user');
    spendRequest(
      c,
      writes.budget,
      user
        ? { per: 'user', userId: user.id }
        : { per: 'address', address: requestAddress(c, writes.trustedProxies) },
      'cart edits',
    );
  };

  /** The cart view of this request's owner; its sync token names the sign-in it rests on, if any. */
  const view = async (c: Context<AppEnv>, owner: Owner): Promise<CartView> => {
    const cartId = carts.cartFor(owner);
    const session = c.get('sessionToken');
    return {
      cartId,
      lines: await carts.lines(cartId),
      maxPerLine: MAX_PER_LINE,
      syncUrl: '/sync',
      syncToken: tokens.issue(owner, cartId, session && sessionId(session)),
    };
  };

  app.get('/cart', async (c) => c.json(await view(c, cartOwner(c, secureCookies))));

  app.post('/cart/lines', async (c) => {
    const owner = cartOwner(c, secureCookies);
    spendWrite(c);
    const { productId, quantity } = await parseBody(c, CartLineInput);
    const product = catalog.get(productId);
    if (!product) throw new ApiError(404, 'product_not_found', 'no such product');
    // The cart's operation, never refused (ARCHITECTURE): the read clamps a line to maxPerLine,
    // which the view carries so a client can say so. At today's price, which the cart compares
    // with the product's later (`addedPrice`).
    refused(await carts.add(carts.cartFor(owner), productId, quantity, product.price));
    return c.json(await view(c, owner));
  });

  app.patch('/cart/lines/:productId', async (c) => {
    const owner = cartOwner(c, secureCookies);
    spendWrite(c);
    const productId = c.req.param('productId');
    const { quantity } = await parseBody(c, CartQuantityInput);
    // Setting 0 removes the line, also of a product deleted since; any other quantity is an add.
    if (productId.length > 64 || (quantity > 0 && !catalog.get(productId)))
      throw new ApiError(404, 'product_not_found', 'no such product');
    refused(await carts.setQuantity(carts.cartFor(owner), productId, quantity));
    return c.json(await view(c, owner));
  });

  return app;
}

/** An edit refused because the cart document is full: 413, as the sync server's 4413 for a device. */
function refused(edit: CartEdit): void {
  if (edit.ok) return;
  throw new ApiError(
    413,
    'cart_too_large',
    'this cart has reached its size limit: remove lines (or order them) before adding more',
    { maxBytes: edit.maxBytes },
  );
}
