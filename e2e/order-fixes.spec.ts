import { expect, test } from '@playwright/test';
import { addAddress, createProduct, expectQuantity, goWithin, line, signUpContext } from './helpers.js';

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
