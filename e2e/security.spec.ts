import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { createProduct, PASSWORD } from './helpers.js';

test('a form on a sibling subdomain cannot add to a signed-in shopper’s cart', async ({
  browser,
  request,
}) => {
  const port = new URL(test.info().project.use.baseURL!).port;
  // *.localhost is the loopback in Chromium, and shop.localhost and evil.localhost are one site:
  // SameSite=Lax session cookies go with a form posted from one to the other.
  const shop = `http://shop.localhost:${port}`;
  const id = await createProduct(request, 'Forged lamp');
  const context = await browser.newContext();
  const page = await context.newPage();
  // Node cannot resolve *.localhost: everything at the shop goes through the browser.
  await page.goto(`${shop}/`);
  const call = (method: string, path: string, data?: unknown) =>
    page.evaluate(
      async ([method, path, data]) => {
        const res = await fetch(path as string, {
          method: method as string,
          headers: { 'content-type': 'application/json' },
          body: data === undefined ? undefined : JSON.stringify(data),
        });
        return { status: res.status, json: await res.json() };
      },
      [method, path, data] as const,
    );
  const signup = await call('POST', '/api/auth/signup', {
    email: `e2e-${randomUUID()}@example.com`,
    password: PASSWORD,
    name: 'Target',
  });
  expect(signup.status).toBe(201);
  const body = JSON.stringify({ productId: id, quantity: 3 });
  // A text/plain form sends `name=value`: the name holds the JSON up to a last string, the value closes it.
  const [name, value] = [`${body.slice(0, -1)},"x":"`, '"}'];
  await context.route('http://evil.localhost:*/**', (r) =>
    r.fulfill({
      contentType: 'text/html',
      body: `<form method="post" enctype="text/plain" action="${shop}/api/cart/lines">
        <input name='${name}' value='${value}'></form><script>document.forms[0].submit()</script>`,
    }),
  );
  const answer = page.waitForResponse(`${shop}/api/cart/lines`);
  await page.goto(`http://evil.localhost:${port}/`);
  const res = await answer;
  expect(res.status()).toBe(403);
  await page.goto(`${shop}/`);
  expect((await call('GET', '/api/cart')).json.lines).toEqual([]);
  // The shop's own page still adds to the cart.
  await page.goto(`${shop}/products/${id}`);
  await page.getByRole('button', { name: /add to cart/i }).click();
  await expect.poll(async () => (await call('GET', '/api/cart')).json.lines.length).toBe(1);
  await context.close();
});
