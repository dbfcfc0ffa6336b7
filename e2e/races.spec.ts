import { expect, type Page, test } from '@playwright/test';
import { addAddress, createProduct, family, PASSWORD, placeOrder, signUpContext } from './helpers.js';

// Races a second audit of the storefront found (2026-12-04): each test failed before its fix.

// These tests hold back or drop the page's own requests. Chromium does not always hand a request
// to Playwright's routes when a service worker controls the page and lets the request pass (1 run
// in 20 placed an order the route never saw), so they run without one; the worker's own behaviour
// is tested in devices.spec.ts.
test.use({ serviceWorkers: 'block' });

/** Signs `page` in as `email` through the form, over whoever was signed in. */
async function switchAccount(page: Page, email: string): Promise<void> {
  await page.goto('/signin');
  await page.getByRole('button', { name: 'Use another account' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a late suggestion answer for words since cleared does not open under the empty box', async ({
  page,
  context,
  request,
}) => {
  await family(request, 'Quorblex', [['Acme', 1000]]);
  await expect
    .poll(async () => (await (await request.get('/api/suggest?q=quorb')).json()).suggestions.length)
    .toBeGreaterThan(0);
  // Suggestion answers wait until the test lets them through.
  let release = () => {};
  let held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let asked = 0;
  await context.route('**/api/suggest**', async (route) => {
    asked++;
    await held;
    await route.fallback();
  });
  await page.goto('/');
  const box = page.getByRole('combobox');
  await box.click();
  await box.pressSequentially('quorb');
  await expect.poll(() => asked).toBeGreaterThan(0);
  await box.fill('');
  const answered = page.waitForEvent('requestfinished', (r) => r.url().includes('/api/suggest'));
  release();
  await answered;
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
  await expect(page.locator('#suggestions')).toHaveCount(0);
  // The same words typed again are suggested: the list was not shut for good.
  held = Promise.resolve();
  await box.pressSequentially('quorb');
  await expect(page.locator('#suggestions')).toBeVisible();
});

test('a cancel whose answer the connection lost is checked once back online, not called failed', async ({
  page,
  context,
  request,
}) => {
  const id = await createProduct(request, 'Lost answer lamp', 5);
  await signUpContext(context);
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  const order = await placeOrder(context);
  await page.goto(`/orders/${order}`);
  await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
  // The request reaches the shop; the connection drops before its answer comes back.
  let dropped = false;
  await context.route('**/api/orders/*/cancel', async (route) => {
    await route.fetch();
    await context.setOffline(true);
    // Going offline may have failed the request already: then there is nothing left to abort.
    await route.abort('internetdisconnected').catch(() => {});
    dropped = true;
  });
  await page.getByRole('button', { name: 'Cancel this order' }).click();
  await page.getByRole('button', { name: 'Yes, cancel it' }).click();
  // Not "not cancelled": the page does not know yet (it may learn at once, if the browser has
  // not noticed being offline), then asks the shop.
  await expect(page.getByText('The order was not cancelled')).toHaveCount(0);
  await expect.poll(() => dropped).toBe(true);
  await context.setOffline(false);
  await expect(page.getByTestId('order-status')).toHaveText('Cancelled');
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect((await (await request.get(`/api/products/${id}`)).json()).stock).toBe(5);
});

test('an order whose answer the connection lost is asked for again once back online, and made once', async ({
  page,
  context,
  request,
}) => {
  const id = await createProduct(request, 'Lost order kettle', 5);
  await signUpContext(context);
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  await page.goto('/checkout');
  await expect(page.getByTestId('review-lines').locator(`[data-product="${id}"]`)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Place order' })).toBeEnabled();
  // The first order request reaches the shop; the connection drops before its answer comes back.
  let drop = true;
  let dropped = false;
  await context.route('**/api/orders', async (route) => {
    if (route.request().method() !== 'POST' || !drop) return route.fallback();
    drop = false;
    await route.fetch();
    await context.setOffline(true);
    // Going offline may have failed the request already: then there is nothing left to abort.
    await route.abort('internetdisconnected').catch(() => {});
    dropped = true;
  });
  await page.getByRole('button', { name: 'Place order' }).click();
  // The page asks again under the same key (at once back online, else after a second or more);
  // the shop made the order and the cart loses its lines: no "changed on another device".
  await expect(page.getByText('Your cart changed on another device.')).toHaveCount(0);
  await expect.poll(() => dropped).toBe(true);
  await context.setOffline(false);
  await expect(page).toHaveURL(/\/orders\/[^/]+$/);
  await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
  const orders = (await (await context.request.get('/api/orders')).json()).items;
  expect(orders).toHaveLength(1);
  expect(page.url()).toContain(orders[0].id);
  expect((await (await request.get(`/api/products/${id}`)).json()).stock).toBe(4);
});

test("the account page of a tab another tab signed into another account never shows the last one's addresses", async ({
  browser,
}) => {
  const context = await browser.newContext();
  await signUpContext(context, 'Alice A');
  await addAddress(context); // 2 Device Row
  const other = await browser.newContext();
  const bob = await signUpContext(other, 'Bob B');
  await other.close();
  const page = await context.newPage();
  await page.goto('/account');
  await expect(page.getByTestId('addresses')).toContainText('2 Device Row');
  // Bob's addresses are slow to come.
  await context.route('**/api/me/addresses', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await route.fallback();
  });
  await switchAccount(await context.newPage(), bob);
  // Read once, as soon as Bob's name shows: Alice's address must not be beside it then either.
  await expect(page.getByRole('main')).toContainText('Bob B');
  expect(await page.getByRole('main').textContent()).not.toContain('2 Device Row');
  await expect(page.getByText('No addresses yet.')).toBeVisible();
  await context.close();
});

test('removing an address another tab removed already takes it off the list, without an error', async ({
  page,
  context,
}) => {
  await signUpContext(context);
  await addAddress(context);
  await page.goto('/account');
  const second = await context.newPage();
  await second.goto('/account');
  await expect(second.getByTestId('addresses')).toContainText('2 Device Row');
  await page.getByRole('button', { name: /Remove 2 Device Row/ }).click();
  await expect(page.getByTestId('addresses')).not.toContainText('2 Device Row');
  await second.getByRole('button', { name: /Remove 2 Device Row/ }).click();
  await expect(second.getByTestId('addresses')).not.toContainText('2 Device Row');
  await expect(second.getByRole('alert')).toHaveCount(0);
});

test("checkout in a tab another tab signed into another account does not review the last one's cart", async ({
  browser,
  request,
}) => {
  const id = await createProduct(request, 'Alice only teapot', 5);
  const context = await browser.newContext();
  await signUpContext(context, 'Alice A');
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  const other = await browser.newContext();
  const bob = await signUpContext(other, 'Bob B');
  await other.close();
  const page = await context.newPage();
  await page.goto('/checkout');
  await expect(page.getByTestId('review-lines').locator(`[data-product="${id}"]`)).toBeVisible();
  await switchAccount(await context.newPage(), bob);
  // This tab follows: Bob's empty cart, not Alice's reviewed teapot.
  await expect(page.getByTestId('cart-count')).toHaveText('0');
  await expect(page.getByText('Your cart is empty.')).toBeVisible();
  await expect(page.getByTestId('review-lines')).toHaveCount(0);
  await context.close();
});

test('addresses that could not load on the account page load on Try again', async ({ page, context }) => {
  await signUpContext(context);
  await addAddress(context);
  let refuse = true;
  await context.route('**/api/me/addresses', (route) =>
    refuse ? route.abort('connectionrefused') : route.fallback(),
  );
  await page.goto('/account');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('The shop is not answering');
  refuse = false;
  await alert.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByTestId('addresses')).toContainText('2 Device Row');
  await expect(page.getByRole('alert')).toHaveCount(0);
});
