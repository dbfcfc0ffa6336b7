import { expect, test } from '@playwright/test';
import {
  createProduct,
  expectQuantity,
  expectSaved,
  logInContext,
  productTitle,
  saveAddressForm,
  serverCart,
  stockOf,
} from './helpers.js';

test('a shopper signs up, searches, adds to cart on one device, sees it on another, and orders', async ({
  browser,
  request,
}, testInfo) => {
  const id = await createProduct(request, 'Aurora Lantern', 5, 3450);
  const title = await productTitle(request, id);
  const phone = await browser.newContext();
  const page = await phone.newPage();

  await page.goto('/');
  await expect(page.getByRole('heading', { name: /one cart on every device/ })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('home.png'), fullPage: true });

  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Create an account' }).click();
  const email = `e2e-${Date.now()}@example.com`;
  await page.getByLabel('Name').fill('Ada Shopper');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('e2e-password-1');
  await page.screenshot({ path: testInfo.outputPath('signup.png') });
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();

  await page.getByLabel('Search products').fill('aurora lantern');
  await page.getByLabel('Search products').press('Enter');
  await expect(page.getByTestId('result-count')).toContainText('1 result');
  await expect(page.locator('.card mark').first()).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('search.png'), fullPage: true });

  await page.getByRole('link', { name: title }).click();
  await expect(page.getByTestId('product-title')).toHaveText(title);
  await expect(page.getByTestId('stock')).toContainText('5');
  await page.getByLabel('Quantity').selectOption('2');
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('2');
  await page.screenshot({ path: testInfo.outputPath('product.png'), fullPage: true });

  await page.getByRole('link', { name: /^Cart/ }).click();
  await expectQuantity(page, id, 2);
  await expectSaved(page);

  // The same shopper's laptop: a second browser context signed in to the same account.
  const laptop = await browser.newContext();
  await logInContext(laptop, email);
  const other = await laptop.newPage();
  await other.goto('/cart');
  await expectQuantity(other, id, 2);
  await expect(page.getByTestId('other-devices')).toContainText('1 other device');
  await page.screenshot({ path: testInfo.outputPath('cart.png'), fullPage: true });

  // A change on the laptop shows up on the phone at once.
  await other.getByRole('button', { name: 'Increase quantity' }).click();
  await expectQuantity(page, id, 3);

  await page.getByRole('link', { name: 'Proceed to checkout' }).click();
  // No order leaves without somewhere to deliver it.
  await expect(page.getByTestId('review-lines')).toContainText('× 3');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.getByRole('alert')).toHaveText('Add a delivery address before placing your order.');
  expect((await (await page.request.get('/api/orders')).json()).items).toEqual([]);
  await saveAddressForm(page, {
    name: 'Ada Shopper',
    line1: '1 Analytical Way',
    city: 'London',
    postalCode: 'N1 9GU',
    country: 'GB',
  });
  await expect(page.getByText('1 Analytical Way')).toBeVisible();
  await expect(page.getByTestId('review-lines')).toContainText('× 3');
  await page.screenshot({ path: testInfo.outputPath('checkout.png'), fullPage: true });
  await page.getByRole('button', { name: 'Place order' }).click();

  await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
  await expect(
    page.getByText('Deliver to Ada Shopper, 1 Analytical Way, London N1 9GU, United Kingdom'),
  ).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('order.png'), fullPage: true });
  expect(await stockOf(request, id)).toBe(2);
  // The ordered lines leave the cart on both devices.
  await expect(other.getByTestId('cart-empty')).toBeVisible();
  expect(await serverCart(phone)).toEqual({});

  await page.getByRole('link', { name: 'Orders', exact: true }).click();
  await expect(page.locator('table.orders tbody tr')).toHaveCount(1);
  await expect(page.locator('table.orders tbody tr td').last()).toHaveText('Confirmed');
  await page.screenshot({ path: testInfo.outputPath('orders.png'), fullPage: true });
  await phone.close();
  await laptop.close();
});

test('the product page offers only as many as still fit in the cart line', async ({ page, request }) => {
  const id = await createProduct(request, 'Boreal Candle', 40, 990);
  await page.goto(`/products/${id}`);
  const quantity = page.getByLabel('Quantity');
  await expect(quantity.locator('option')).toHaveCount(10);
  await quantity.selectOption('8');
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('8');
  // Two more fit: the choice shrinks to them, and adding them fills the line.
  await expect(quantity.locator('option')).toHaveCount(2);
  await quantity.selectOption('2');
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('10');
  await expect(page.getByTestId('line-limit')).toContainText('10');
  await expect(page.getByRole('button', { name: 'Add to cart' })).toBeDisabled();
});

test('the cart says when a line holds less than its devices added together', async ({ page, request }) => {
  const id = await createProduct(request, 'Boreal Lantern', 40, 1990);
  await page.goto(`/products/${id}`);
  await page.getByLabel('Quantity').selectOption('8');
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('8');
  await page.goto('/cart');
  await expect(page.getByTestId('line-capped')).toHaveCount(0);
  // Another client of the same cart (its cookie) adds 8 more, as a second device would at once.
  const added = await page.request.post('/api/cart/lines', { data: { productId: id, quantity: 8 } });
  expect(added.status()).toBe(200);
  await expect(page.getByTestId('quantity')).toHaveText('10');
  await expect(page.getByTestId('line-capped')).toContainText('10');
  // Fewer, and the notice goes.
  await page.getByRole('button', { name: 'Decrease quantity' }).click();
  await expect(page.getByTestId('quantity')).toHaveText('9');
  await expect(page.getByTestId('line-capped')).toHaveCount(0);
});
