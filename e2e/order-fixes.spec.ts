import { expect, type Page, test } from '@playwright/test';
import {
  ADMIN,
  addAddress,
  createProduct,
  expectQuantity,
  goWithin,
  line,
  productTitle,
  serverCart,
  signUpContext,
} from './helpers.js';

const reviewed = (page: Page, productId: string) =>
  page.getByTestId('review-lines').locator(`[data-product="${productId}"]`);

test('an order refused for stock, a new price and a product gone stays at checkout, fixed in one tap each', async ({
  context,
  page,
  request,
}) => {
  const [mug, lamp, vase] = [
    await createProduct(request, 'Fix Mug', 5, 2599),
    await createProduct(request, 'Fix Lamp', 5, 2599),
    await createProduct(request, 'Fix Vase', 5, 1000),
  ];
  const [mugTitle, lampTitle] = [await productTitle(request, mug), await productTitle(request, lamp)];
  await signUpContext(context);
  await addAddress(context);
  for (const [productId, quantity] of [
    [mug, 3],
    [lamp, 1],
    [vase, 1],
  ] as const)
    await context.request.post('/api/cart/lines', { data: { productId, quantity } });
  await page.goto('/checkout');
  await expect(page.getByTestId('checkout-total')).toHaveText('$113.96');
  // While the shopper reads the page, the vendor sells down, reprices and withdraws.
  expect((await request.put(`/api/products/${mug}/stock`, { headers: ADMIN, data: { stock: 1 } })).ok()).toBe(
    true,
  );
  expect((await request.patch(`/api/products/${lamp}`, { headers: ADMIN, data: { price: 3199 } })).ok()).toBe(
    true,
  );
  expect((await request.delete(`/api/products/${vase}`, { headers: ADMIN })).status()).toBe(204);
  await page.getByRole('button', { name: 'Place order' }).click();

  // Still at checkout: what went wrong, line by line, each with its fix; focus on the first.
  await expect(page.getByTestId('checkout-rejected')).toHaveText(
    'Your order was not placed: some items changed at the shop. Fix them below, then place your order again.',
  );
  await expect(page).toHaveURL(/\/checkout$/);
  await expect(reviewed(page, mug).getByTestId('line-problem')).toHaveText('Only 1 left — Reduce to 1');
  await expect(reviewed(page, lamp).getByTestId('line-problem')).toHaveText('Now $31.99 (was $25.99) — OK');
  await expect(reviewed(page, vase).getByTestId('line-problem')).toHaveText('No longer sold — Remove');
  await expect(reviewed(page, mug).getByRole('button', { name: 'Reduce to 1' })).toHaveAccessibleDescription(
    `${mugTitle} Only 1 left`,
  );
  await expect(page.getByRole('button', { name: 'Place order' })).toBeDisabled();
  // Focus is on the first line's fix, and after each (the button pressed is gone) on the next:
  // the keyboard alone fixes them all.
  const said: Record<string, string> = {
    'Reduce to 1': `${mugTitle}: quantity now 1.`,
    OK: `${lampTitle}: new price $31.99 accepted.`,
    Remove: 'removed.',
  };
  for (let left = 3; left > 0; left--) {
    const fixes = page.getByTestId('review-lines').locator('.fix button');
    await expect(fixes).toHaveCount(left);
    await expect(fixes.first()).toBeFocused();
    const action = (await fixes.first().textContent()) ?? '';
    await page.keyboard.press('Enter');
    await expect(fixes).toHaveCount(left - 1);
    await expect(page.getByTestId('checkout-fixed')).toContainText(said[action]!);
  }
  await expect(reviewed(page, mug)).toContainText('× 1');
  await expect(reviewed(page, vase)).toHaveCount(0);
  await expect(page.getByTestId('checkout-fixed')).toContainText(
    'Nothing left to fix: place your order when ready.',
  );
  await expect(page.getByTestId('checkout-rejected')).toHaveCount(0);
  await expect(page.getByTestId('checkout-total')).toHaveText('$57.98');
  const place = page.getByRole('button', { name: 'Place order' });
  await expect(place).toBeFocused();
  await expect(await serverCart(context)).toEqual({ [mug]: 1, [lamp]: 1 });

  // A fresh review: the order goes through at the new price.
  await place.click();
  await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
  await expect(page.getByTestId('order-total')).toHaveText('Total: $57.98');

  // The refused attempt stays in the history, marked as not placed and not charged.
  await goWithin(page, '/orders');
  const rows = page.locator('table.orders tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText('Not placed');
  await expect(rows.nth(1).locator('td').nth(3)).toHaveText('Not charged');
  await expect(rows.nth(0).locator('td').nth(3)).toHaveText('$57.98');
  await rows.nth(1).getByRole('link').click();
  await expect(page.getByTestId('order-status')).toHaveText('Not placed');
  await expect(page.getByTestId('order-total')).toHaveText(
    'Nothing was charged. The order would have come to $113.96.',
  );
  await expect(page.getByText('Total:')).toHaveCount(0);
});

// Without a service worker: Playwright's routes must see the page's own requests (races.spec.ts).
test.describe(() => {
  test.use({ serviceWorkers: 'block' });
  test('an order refused after the shop answered "pending" leads back to checkout with its fixes', async ({
    context,
    page,
    request,
  }) => {
    const mug = await createProduct(request, 'Pending Mug', 5, 2599);
    await signUpContext(context);
    await addAddress(context);
    await context.request.post('/api/cart/lines', { data: { productId: mug, quantity: 3 } });
    await page.goto('/checkout');
    await expect(page.getByTestId('checkout-total')).toHaveText('$77.97');
    expect(
      (await request.put(`/api/products/${mug}/stock`, { headers: ADMIN, data: { stock: 1 } })).ok(),
    ).toBe(true);
    // A shop under load answers before deciding: the page follows the order on its own page.
    await page.route(
      '**/api/orders',
      async (route) => {
        const response = await route.fetch();
        await route.fulfill({
          response,
          json: { ...(await response.json()), status: 'pending', reasons: undefined },
        });
      },
      { times: 1 },
    );
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect(page.getByTestId('order-status')).toHaveText('Not placed');
    await expect(page.getByTestId('order-total')).toHaveText(
      'Nothing was charged. The order would have come to $77.97.',
    );
    await page.getByRole('link', { name: 'Fix it at checkout' }).click();
    await expect(page.getByTestId('checkout-rejected')).toBeVisible();
    await expect(reviewed(page, mug).getByTestId('line-problem')).toHaveText('Only 1 left — Reduce to 1');
    await reviewed(page, mug).getByRole('button', { name: 'Reduce to 1' }).click();
    await expect(page.getByTestId('checkout-total')).toHaveText('$25.99');
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
    await expect(page.getByTestId('order-total')).toHaveText('Total: $25.99');
  });
});

// Storefront problems a product review found (2027-02): a refused order leaves the shopper at
// checkout with one-tap fixes; a cart line whose product cannot load says why, not "Loading…".

test('a cart line whose product cannot load offline says so, and its quantity still changes', async ({
  context,
  page,
  request,
}) => {
  const id = await createProduct(request, 'Unseen Umbrella', 5, 1250);
  await signUpContext(context);
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 2 } });
  // The product is never shown while online: the device keeps no copy of its details.
  await page.goto('/');
  await expect(page.getByTestId('cart-count')).toHaveText('2');
  await expect(page.locator('html[data-offline-ready="true"]')).toHaveCount(1, { timeout: 15_000 });
  await context.setOffline(true);
  await goWithin(page, '/cart');
  const row = line(page, id);
  await expect(row.locator('.title')).toHaveText('Details unavailable offline');
  await expect(page.getByTestId('cart-unpriced')).toContainText('unavailable offline');
  await expect(page.locator('.subtotal')).toHaveText('Subtotal: —');
  // The controls name the line by its place, and work offline.
  await expect(row.getByRole('group', { name: 'Quantity of item 1' })).toBeVisible();
  await row.getByRole('button', { name: 'Increase quantity of item 1' }).click();
  await expectQuantity(page, id, 3);
  await expect(page.getByTestId('quantity-status')).toHaveText('Quantity of item 1: 3');
  await row.getByRole('button', { name: 'Decrease quantity of item 1' }).click();
  await expectQuantity(page, id, 2);
  // Checkout says the same of the line.
  await goWithin(page, '/checkout');
  await expect(page.getByTestId('review-lines').locator(`[data-product="${id}"] .title`)).toHaveText(
    'Details unavailable offline',
  );
  await goWithin(page, '/cart');
  await context.setOffline(false);
  await expect(row.locator('.title')).toHaveText(/^Unseen Umbrella/);
  await expect(page.locator('.subtotal')).toHaveText('Subtotal: $25.00');
  await expect(page.getByTestId('cart-unpriced')).toHaveCount(0);
});

// Without a service worker: its network-first copy would answer for the shop (races.spec.ts).
test.describe(() => {
  test.use({ serviceWorkers: 'block' });
  test('a cart line whose product the shop does not answer for says it could not load, and loads on Try again', async ({
    context,
    page,
    request,
  }) => {
    const id = await createProduct(request, 'Silent Saucepan', 5, 1000);
    await signUpContext(context);
    await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
    await context.route(`**/api/products/${id}`, (route) => route.abort('connectionrefused'));
    await page.goto('/cart');
    const row = line(page, id);
    await expect(row.locator('.title')).toHaveText('Could not load this product');
    await expect(page.getByTestId('cart-unpriced')).toContainText('could not load');
    await context.unroute(`**/api/products/${id}`);
    await row.getByRole('button', { name: 'Try again to load item 1' }).click();
    await expect(row.locator('.title')).toHaveText(/^Silent Saucepan/);
    await expect(page.locator('.subtotal')).toHaveText('Subtotal: $10.00');
  });
});
