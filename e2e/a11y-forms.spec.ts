import { expect, test } from '@playwright/test';
import { createProduct, expectQuantity, line, productTitle } from './helpers.js';

// Keyboard and screen-reader problems an accessibility audit found in the cart, sign-in and
// checkout forms (2026-12-05): each test failed before its fix.

test('removing a cart line, and undoing it, leaves keyboard focus on what comes next', async ({
  page,
  request,
}) => {
  const [a, b] = [await createProduct(request, 'Focus Jug'), await createProduct(request, 'Focus Bowl')];
  await page.request.post('/api/cart/lines', { data: { productId: a, quantity: 1 } });
  await page.request.post('/api/cart/lines', { data: { productId: b, quantity: 1 } });
  await page.goto('/cart');
  await expectQuantity(page, a, 1);
  await expectQuantity(page, b, 1);
  const undo = page.getByTestId('removed').getByRole('button', { name: 'Undo' });

  // Remove: the button is gone, focus goes to Undo (not <body>).
  await line(page, a).getByRole('button', { name: 'Remove' }).press('Enter');
  await expect(line(page, a)).toHaveCount(0);
  await expect(undo).toBeFocused();
  // Undo: to the restored line's Remove.
  await page.keyboard.press('Enter');
  await expectQuantity(page, a, 1);
  await expect(line(page, a).getByRole('button', { name: 'Remove' })).toBeFocused();
  // "−" at 1 removes the line too: to Undo.
  await line(page, b).getByRole('button', { name: 'Decrease quantity' }).press('Enter');
  await expect(line(page, b)).toHaveCount(0);
  await expect(undo).toBeFocused();
  // The last line: the cart is empty, and Undo still takes focus.
  await line(page, a).getByRole('button', { name: 'Remove' }).press('Enter');
  await expect(page.getByTestId('cart-empty')).toBeVisible();
  await expect(undo).toBeFocused();
});

test("a cart line's controls name its product, and one status region says its new quantity", async ({
  page,
  request,
}) => {
  const id = await createProduct(request, 'Named Teapot');
  const title = await productTitle(request, id);
  await page.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  await page.goto('/cart');
  await expectQuantity(page, id, 1);
  const group = page.getByRole('group', { name: `Quantity of ${title}`, exact: true });
  await expect(
    group.getByRole('button', { name: `Decrease quantity of ${title}`, exact: true }),
  ).toBeVisible();
  const more = group.getByRole('button', { name: `Increase quantity of ${title}`, exact: true });
  await expect(more).toBeVisible();
  await expect(page.getByRole('button', { name: `Remove ${title}`, exact: true })).toHaveText('Remove');
  // No live region per line announcing a bare number.
  const liveInLines = () =>
    page
      .getByTestId('cart-lines')
      .evaluate(
        (ul) =>
          [...ul.querySelectorAll('[aria-live], [role=status], [role=log], output')].filter(
            (e) => e.getAttribute('aria-live') !== 'off',
          ).length,
      );
  expect(await liveInLines()).toBe(0);
  await more.click();
  await expectQuantity(page, id, 2);
  await expect(page.getByTestId('quantity-status')).toHaveText(`Quantity of ${title}: 2`);
  await expect(page.getByTestId('quantity-status')).toHaveRole('status');
});
