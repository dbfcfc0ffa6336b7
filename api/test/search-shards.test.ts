import type { ShardedIndex } from '@shopsync/search';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, KETTLE, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  server = await startTestServer({ SHOPSYNC_SEARCH_SHARDS: '2' });
});
afterAll(async () => {
  await server?.close();
});

describe('search over worker-thread shards', () => {
  it('answers through the API, and reopens the shards after one thread dies', async () => {
    const vendor = admin(server.url);
    const created = await vendor.post('/api/products', KETTLE);
    expect(created.status).toBe(201);
    const search = async (q: string) => vendor.get(`/api/search?q=${encodeURIComponent(q)}`);
    expect((await search('zanzibar kettle')).json.hits.map((h: { id: string }) => h.id)).toEqual([
      created.json.id,
    ]);
    const before = (await search('')).json.total;
    expect(before).toBe(201);

    const broken = server.feed.index as ShardedIndex;
    await broken.crashShard(1);
    // The shards are reopened from their saved bases and the catalog; then every product is back.
    for (let i = 0; i < 500 && server.feed.index === broken; i++) await new Promise((r) => setTimeout(r, 10));
    await server.feed.recovered();
    expect(server.feed.index).not.toBe(broken);
    expect((await search('')).json.total).toBe(before);
    expect((await search('zanzibar kettle')).json.hits.map((h: { id: string }) => h.id)).toEqual([
      created.json.id,
    ]);
    // Writes after the restart reach the new shards.
    const later = await vendor.post('/api/products', {
      title: 'Marmoset toaster',
      brand: 'Acme',
      price: 900,
      stock: 1,
    });
    expect((await search('marmoset')).json.hits.map((h: { id: string }) => h.id)).toEqual([later.json.id]);
  }, 60_000);
});
