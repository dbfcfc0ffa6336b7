import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Client, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  // One reverse proxy in front; one open cart connection per client address; room in the hash
  // queue for a burst of 20 sign-ins from one address (8 may wait by default).
  server = await startTestServer({
    SHOPSYNC_TRUSTED_PROXIES: '1',
    SHOPSYNC_SYNC_MAX_PER_ADDRESS: '1',
    SHOPSYNC_PASSWORD_WAITING_PER_ADDRESS: '32',
  });
});
afterAll(() => server.close());

/** A guest's cart opened over /sync as if through the proxy, which says the client is `address`. */
async function openCart(address: string, forged?: string): Promise<{ ws: WebSocket; status?: number }> {
  const view = (await new Client(server.url).get('/api/cart')).json;
  const url = `${server.url.replace(/^http/, 'ws')}/sync/${view.cartId}?token=${view.syncToken}`;
  const forwarded = forged ? `${forged}, ${address}` : address;
  const ws = new WebSocket(url, { headers: { 'x-forwarded-for': forwarded } });
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode }));
    ws.on('open', () => resolve({ ws }));
  });
}

describe('behind a trusted reverse proxy', () => {
  it('limits cart connections by the address the proxy saw, not the one the client wrote', async () => {
    const first = await openCart('203.0.113.1');
    expect(first.status).toBeUndefined();
    // Same client, another cart (and a forged entry further left): its address is at its limit.
    expect((await openCart('203.0.113.1', '198.51.100.99')).status).toBe(429);
    // Another client behind the same proxy is not.
    const other = await openCart('203.0.113.2');
    expect(other.status).toBeUndefined();
    // A request that did not come through the proxy (no X-Forwarded-For entry of its) counts as
    // its peer, here 127.0.0.1, which has no connection yet.
    const view = (await new Client(server.url).get('/api/cart')).json;
    const direct = new WebSocket(
      `${server.url.replace(/^http/, 'ws')}/sync/${view.cartId}?token=${view.syncToken}`,
    );
    await new Promise((resolve, reject) => {
      direct.on('open', resolve);
      direct.on('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    });
    direct.close();
    first.ws.close();
    other.ws.close();
  });

  it('counts sign-in attempts by the address the proxy saw', async () => {
    await new Client(server.url).post('/api/auth/signup', {
      email: 'ivy@example.com',
      password: 'password-9',
      name: 'Ivy',
    });
    const login = (address: string, password: string) =>
      new Client(server.url).post(
        '/api/auth/login',
        { email: 'ivy@example.com', password },
        { 'x-forwarded-for': address },
      );
    const guesses = await Promise.all(Array.from({ length: 20 }, () => login('203.0.113.7', 'guess')));
    expect(guesses.map((g) => g.status)).toEqual(Array(20).fill(401));
    expect((await login('203.0.113.7', 'password-9')).status).toBe(429);
    // The owner, from another address behind the same proxy, signs in.
    expect((await login('203.0.113.8', 'password-9')).status).toBe(200);
    // ~20 scrypt hashes at OWASP's cost: seconds alone, more beside other test files on 2 cores.
  }, 120_000);
});
