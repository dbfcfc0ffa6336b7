import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** What a form on another site posts: "JSON" as text/plain, which needs no CORS preflight. */
const forged = { 'content-type': 'text/plain' };

describe('requests from other sites', () => {
  it("refuses a forged form's write from another site or a sibling subdomain, and changes nothing", async () => {
    const shopper = await signUp(server.url);
    const body = JSON.stringify({ productId: 'gen-000001', quantity: 5 });
    for (const site of ['cross-site', 'same-site']) {
      const res = await shopper.request('POST', '/api/cart/lines', body, {
        ...forged,
        'sec-fetch-site': site,
      });
      expect(res.status, site).toBe(403);
      expect(res.json.error.code).toBe('cross_site_request');
      const signIn = await shopper.request('POST', '/api/auth/logout', undefined, { 'sec-fetch-site': site });
      expect(signIn.status, site).toBe(403);
    }
    const cart = await shopper.get('/api/cart', { 'sec-fetch-site': 'cross-site' });
    expect(cart.status).toBe(200);
    expect(cart.json.lines).toEqual([]);
    // Still signed in: the forged logout did nothing.
    expect((await shopper.get('/api/me')).status).toBe(200);
  });

  it('refuses, from a browser that sends no Sec-Fetch-Site, a write whose Origin is another host', async () => {
    const shopper = await signUp(server.url);
    const body = JSON.stringify({ productId: 'gen-000001', quantity: 5 });
    for (const origin of ['https://evil.example', 'http://evil.localhost:1', 'null', 'not a url']) {
      const res = await shopper.request('POST', '/api/cart/lines', body, { ...forged, origin });
      expect(res.status, origin).toBe(403);
      expect(res.json.error.code).toBe('cross_site_request');
    }
    // Sec-Fetch-Site, where a browser sends it, says more than Origin: a same-origin write passes.
    const own = await shopper.request('POST', '/api/cart/lines', body, {
      ...forged,
      origin: 'https://evil.example',
      'sec-fetch-site': 'same-origin',
    });
    expect(own.status).toBe(200);
    const cart = await shopper.get('/api/cart');
    expect(cart.json.lines).toEqual([expect.objectContaining({ productId: 'gen-000001', quantity: 5 })]);
  });

  it("takes an old browser's write whose Origin is the shop's, as addressed or as a proxy forwards it", async () => {
    const shopper = await signUp(server.url);
    const line = { productId: 'gen-000001', quantity: 1 };
    const own = await shopper.post('/api/cart/lines', line, { origin: new URL(server.url).origin });
    expect(own.status).toBe(200);
    const forwarded = { origin: 'https://shop.example', 'x-forwarded-host': 'shop.example' };
    // Without a proxy declared, X-Forwarded-Host is anyone's to write: it does not vouch for Origin.
    const unproxied = await shopper.post('/api/cart/lines', line, forwarded);
    expect(unproxied.status).toBe(403);
    expect(unproxied.json.error.code).toBe('cross_site_request');
    // Behind a declared proxy (SHOPSYNC_TRUSTED_PROXIES), it names the host the browser addressed.
    const behind = await startTestServer({ SHOPSYNC_TRUSTED_PROXIES: '1' });
    try {
      const viaProxy = await signUp(behind.url);
      const proxied = await viaProxy.post('/api/cart/lines', line, forwarded);
      expect(proxied.status).toBe(200);
      expect(proxied.json.lines).toEqual([expect.objectContaining({ productId: 'gen-000001', quantity: 1 })]);
      const other = await viaProxy.post('/api/cart/lines', line, {
        ...forwarded,
        origin: 'https://evil.example',
      });
      expect(other.status).toBe(403);
    } finally {
      await behind.close();
    }
  });

  it("takes the shop's own pages' writes, and clients that send no Sec-Fetch-Site", async () => {
    const shopper = await signUp(server.url);
    const line = { productId: 'gen-000001', quantity: 1 };
    const own = await shopper.post('/api/cart/lines', line, { 'sec-fetch-site': 'same-origin' });
    expect(own.status).toBe(200);
    const plain = await shopper.post('/api/cart/lines', line);
    expect(plain.status).toBe(200);
    expect(plain.json.lines).toEqual([expect.objectContaining({ productId: 'gen-000001', quantity: 2 })]);
  });
});
