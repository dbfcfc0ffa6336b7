import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { addAddress, createProduct, PASSWORD, signUpContext } from './helpers.js';

// Without a service worker: Chromium does not always hand Playwright's routes a request that a
// controlling worker lets pass (see races.spec.ts), and this test must see the page's requests.
test.describe(() => {
  test.use({ serviceWorkers: 'block' });
  test('a form on a sibling subdomain cannot add to a signed-in shopper’s cart', async ({
    browser,
    request,
  }) => {
    const port = new URL(test.info().project.use.baseURL!).port;
    // *.localhost is the loopback in Chromium, and shop.site.localhost and evil.site.localhost are
    // one site (site.localhost; shop.localhost and evil.localhost would be two): SameSite=Lax
    // session cookies go with a form posted from one to the other.
    const shop = `http://shop.site.localhost:${port}`;
    const evil = `http://evil.site.localhost:${port}`;
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
    await context.route(`${evil}/**`, (r) =>
      r.fulfill({
        contentType: 'text/html',
        body: `<form method="post" enctype="text/plain" action="${shop}/api/cart/lines">
          <input name='${name}' value='${value}'></form><script>document.forms[0].submit()</script>`,
      }),
    );
    const answer = page.waitForResponse(`${shop}/api/cart/lines`);
    await page.goto(`${evil}/`);
    const res = await answer;
    // The browser sent the session cookie along (Playwright does not show the Sec-Fetch-* headers
    // Chromium adds, "same-site" here, which is what the shop refuses on).
    expect((await res.request().allHeaders()).cookie).toContain('shopsync_session=');
    expect(res.status()).toBe(403);
    expect((await res.json()).error.code).toBe('cross_site_request');

    await page.goto(`${shop}/`);
    expect((await call('GET', '/api/cart')).json.lines).toEqual([]);
    // The shop's own page still adds to the cart.
    await page.goto(`${shop}/products/${id}`);
    await page.getByRole('button', { name: /add to cart/i }).click();
    await expect.poll(async () => (await call('GET', '/api/cart')).json.lines.length).toBe(1);
    await context.close();
  });
});

test('the storefront runs under its Content-Security-Policy, which stops an injected script', async ({
  browser,
  request,
}) => {
  const id = await createProduct(request, 'Policy lamp');
  const context = await browser.newContext();
  await signUpContext(context);
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
  });
  const home = await page.goto('/');
  expect(home?.headers()['content-security-policy']).toContain("script-src 'self'");
  await expect(page.locator('main h1').first()).toBeVisible();
  // Every page, with its images, cart sync (a WebSocket) and the service worker at work.
  for (const [url, ready] of [
    ['/search?q=lamp', page.locator('main h1')],
    [`/products/${id}`, page.getByTestId('product-title')],
    ['/cart', page.getByTestId('sync-status')],
    ['/checkout', page.getByTestId('review-lines')],
    ['/account', page.locator('main h1')],
    ['/orders', page.locator('main h1')],
  ] as const) {
    await page.goto(url);
    await expect(ready.first()).toBeVisible();
  }
  await expect(page.locator('html[data-offline-ready="true"]')).toHaveCount(1, { timeout: 15_000 });
  await page.goto('/cart');
  await expect(page.getByTestId('sync-status')).toHaveText('Saved');
  expect(violations).toEqual([]);

  // What an injected script would be (a product text rendered as HTML, say) does not run.
  const ran = await page.evaluate(async () => {
    const refused = new Promise<string>((resolve) =>
      document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), {
        once: true,
      }),
    );
    const script = document.createElement('script');
    script.textContent = 'window.__injected = true';
    document.body.append(script);
    return { ran: (window as { __injected?: boolean }).__injected === true, directive: await refused };
  });
  expect(ran).toEqual({ ran: false, directive: expect.stringMatching(/^script-src/) });
  await context.close();
});
