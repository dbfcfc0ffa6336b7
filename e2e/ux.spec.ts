import { randomUUID } from 'node:crypto';
import { expect, type Page, test } from '@playwright/test';
import { addAddress, createProduct, signUpContext } from './helpers.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/** Whether the page is wider than the screen: the shopper would have to scroll sideways. */
const widerThanScreen = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

test.describe('on a phone', () => {
  test.use(PHONE);

  test('the orders list and an order fit the screen', async ({ page, context, request }) => {
    const id = await createProduct(request, 'Narrow screen kettle', 5);
    await signUpContext(context);
    await addAddress(context);
    await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
    const cart = await (await context.request.get('/api/cart')).json();
    const order = await (
      await context.request.post('/api/orders', {
        headers: { 'Idempotency-Key': randomUUID() },
        data: { cartId: cart.cartId },
      })
    ).json();
    await page.goto(`/orders/${order.id}`);
    await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
    expect(await widerThanScreen(page)).toBe(false);
    await page.goto('/orders');
    const row = page.locator('table.orders tbody tr').first();
    await expect(row).toContainText('1 item');
    await expect(row).toContainText('Confirmed');
    expect(await widerThanScreen(page)).toBe(false);
  });
});
