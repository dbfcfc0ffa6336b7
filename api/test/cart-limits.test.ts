import { MAX_DOCUMENT_BYTES } from '@shopsync/sync-server/limits';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { HTTP_COMPACT_AFTER } from '../src/cart/carts.js';
import { admin, type Client, createProduct, quickShoppers, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  // Rooms stay in memory: the idle compaction never runs, as in a cart in constant use.
  server = await startTestServer({
    SHOPSYNC_SYNC_IDLE_MS: '3600000',
    SHOPSYNC_CART_WRITES_PER_MINUTE: '1000',
  });
});
afterAll(() => server.close());

const documentBytes = async (cartId: string) =>
  Y.encodeStateAsUpdate(await server.sync.getDocument(cartId)).byteLength;

describe('HTTP cart edits', () => {
  it('keep a line added to again and again at a few entries, while its room stays open', async () => {
    const product = await createProduct(admin(server.url), 100);
    const [shopper] = quickShoppers(server, 1) as [Client];
    let cartId = '';
    for (let i = 0; i < 200; i++) {
      const view = (await shopper.post('/api/cart/lines', { productId: product, quantity: 1 })).json;
      cartId = view.cartId;
      expect(view.lines[0].tags.length).toBeLessThanOrEqual(HTTP_COMPACT_AFTER);
    }
    const [line] = (await shopper.get('/api/cart')).json.lines;
    expect(line).toMatchObject({
      productId: product,
      quantity: 10,
      addedPrice: { amount: 500, currency: 'USD' },
    });
    expect(server.sync.stats().rooms).toBeGreaterThan(0);
    // Each add leaves its removed tag behind (~25 bytes); without compaction each left its entry
    // (~110 bytes, 22 KB for these 200).
    expect(await documentBytes(cartId)).toBeLessThan(8 * 1024);
  });

  it("are refused with 413 cart_too_large once the document is past the sync server's limit; removals are not", async () => {
    const [kept, other] = [
      await createProduct(admin(server.url), 100),
      await createProduct(admin(server.url), 100),
    ];
    const [shopper] = quickShoppers(server, 1) as [Client];
    const { cartId } = (await shopper.post('/api/cart/lines', { productId: kept, quantity: 2 })).json;
    // What a device could not send (4413), made server-side: the document past its limit.
    await server.sync.withDocument(cartId, (doc) =>
      doc.getMap('padding').set('x', 'x'.repeat(MAX_DOCUMENT_BYTES)),
    );
    expect(await documentBytes(cartId)).toBeGreaterThan(MAX_DOCUMENT_BYTES);

    const add = await shopper.post('/api/cart/lines', { productId: other, quantity: 1 });
    expect(add.status).toBe(413);
    expect(add.json).toEqual({
      error: {
        code: 'cart_too_large',
        message: expect.stringMatching(/size limit/),
        details: { maxBytes: MAX_DOCUMENT_BYTES },
      },
    });
    expect((await shopper.patch(`/api/cart/lines/${kept}`, { quantity: 5 })).status).toBe(413);
    expect((await shopper.get('/api/cart')).json.lines).toEqual([
      expect.objectContaining({ productId: kept, quantity: 2 }),
    ]);
    const removed = await shopper.patch(`/api/cart/lines/${kept}`, { quantity: 0 });
    expect(removed.status).toBe(200);
    expect(removed.json.lines).toEqual([]);
  });
});
