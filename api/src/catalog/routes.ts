import { ProductInput, ProductPatch, SearchParams, StockInput } from '@shopsync/core';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { type AppEnv, requireVendor } from '../http/auth.js';
import { ApiError, parseBody, parseQuery } from '../http/errors.js';
import { requestHeader } from '../http/headers.js';
import type { SearchFeed } from '../search/feed.js';
import type { Catalog, WriteResult } from './products.js';

const PopularParams = z.object({ limit: z.coerce.number().int().min(1).max(48).default(12) });
const ProductIdParam = z.string().min(1).max(64);
const SuggestParams = z.object({
  q: z.string().max(200).default(''),
  limit: z.coerce.number().int().min(1).max(20).default(8),
});

/**
 * The version a vendor write is made on: `If-Match` (`"3"`, `W/"3"` or `3`), else `fallback` (a
 * PATCH body's `version`), else none (an unconditional write). `*` (RFC 9110: any current version)
 * checks nothing more than that the product exists; any other value, an empty one included, is 400
 * `invalid_if_match`, not a 412.
 */
function expectedVersion(c: Context<AppEnv>, fallback?: number): number | undefined {
  const ifMatch = requestHeader(c, 'if-match');
  if (ifMatch === undefined || ifMatch.trim() === '*') return fallback;
  const version = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(ifMatch)?.[1];
  if (version === undefined) throw new ApiError(400, 'invalid_if_match', 'If-Match must be a version');
  return Number(version);
}

export function catalogRoutes(catalog: Catalog, feed: SearchFeed) {
  const app = new Hono<AppEnv>();

  const productId = (raw: string) => {
    const parsed = ProductIdParam.safeParse(raw);
    if (!parsed.success) throw new ApiError(404, 'product_not_found', 'no such product');
    return parsed.data;
  };

  /** Maps a failed catalog write to its API error; a success is made searchable at once. */
  const written = (result: WriteResult) => {
    if (!result.ok) {
      if (result.reason === 'not_found') throw new ApiError(404, 'product_not_found', 'no such product');
      if (result.reason === 'id_taken')
        throw new ApiError(409, 'product_exists', 'a product with this id exists');
      throw new ApiError(412, 'version_mismatch', 'the product changed; reload it', {
        version: result.current?.version,
      });
    }
    feed.catchUp();
    return result.product;
  };

  // /products/popular is this route's too, not a route of its own: two routes that both match it
  // are more than Hono's RegExpRouter can order, and its refusal sent every request of the app
  // through the slower TrieRouter.
  app.get('/products/:id', (c) => {
    const id = c.req.param('id');
    if (id === 'popular') {
      const { limit } = parseQuery(c, PopularParams);
      return c.json({ items: catalog.popular(limit) });
    }
    const product = catalog.get(productId(id));
    if (!product) throw new ApiError(404, 'product_not_found', 'no such product');
    const etag = `"${product.version}"`;
    // Compression turns the ETag weak (W/"n"); the version matches either way.
    const ifNoneMatch = requestHeader(c, 'if-none-match')?.replace(/^W\//, '');
    if (ifNoneMatch === etag) return c.body(null, 304, { ETag: etag });
    return c.json(product, 200, { ETag: etag });
  });

  app.post('/products', async (c) => {
    requireVendor(c);
    const input = await parseBody(c, ProductInput);
    return c.json(written(catalog.create(input)), 201);
  });

  app.patch('/products/:id', async (c) => {
    requireVendor(c);
    const id = productId(c.req.param('id'));
    const patch = await parseBody(c, ProductPatch);
    if (patch.id !== undefined && patch.id !== id)
      throw new ApiError(400, 'invalid_request', "a product's id cannot change", { id: patch.id });
    // A product sent back as GET returned it carries its version: without If-Match, that is the
    // version the edit was made on (a stock level read then must not overwrite orders since).
    const product = written(catalog.update(id, patch, expectedVersion(c, patch.version)));
    return c.json(product, 200, { ETag: `"${product.version}"` });
  });

  app.delete('/products/:id', (c) => {
    requireVendor(c);
    if (!catalog.delete(productId(c.req.param('id'))))
      throw new ApiError(404, 'product_not_found', 'no such product');
    feed.catchUp();
    return c.body(null, 204);
  });

  app.put('/products/:id/stock', async (c) => {
    requireVendor(c);
    const id = productId(c.req.param('id'));
    const { stock } = await parseBody(c, StockInput);
    // As PATCH: a level set on a read from before orders took stock is 412, not written over them.
    const product = written(catalog.setStock(id, stock, expectedVersion(c)));
    return c.json(product, 200, { ETag: `"${product.version}"` });
  });

  app.get('/search', async (c) => {
    // `brand` may be given more than once: any of them.
    const params = parseQuery(c, SearchParams, ['brand']);
    return c.json(await feed.index.search(params));
  });

  app.get('/suggest', async (c) => {
    const { q, limit } = parseQuery(c, SuggestParams);
    return c.json({ suggestions: await feed.index.suggest(q, limit) });
  });

  return app;
}
