import { expect, test } from '@playwright/test';
import { createProduct, expectQuantity, logInContext, signUpContext } from './helpers.js';

// Storefront problems a product review found in the cart, its sync badge, checkout and the orders
// list (2027-01): each test failed before its fix.

test('"Also open on" counts devices, not pages: a second tab or a reload of the laptop is still one', async ({
  browser,
  request,
}) => {
  const id = await createProduct(request, 'Counted Mug');
  const phone = await browser.newContext();
  const email = await signUpContext(phone);
  await phone.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  const laptop = await browser.newContext();
  await logInContext(laptop, email);
  const phonePage = await phone.newPage();
  await phonePage.goto('/cart');
  await expectQuantity(phonePage, id, 1);

  const first = await laptop.newPage();
  await first.goto('/cart');
  await expectQuantity(first, id, 1);
  const second = await laptop.newPage();
  await second.goto('/cart');
  await expectQuantity(second, id, 1);
  await second.reload();
  await expectQuantity(second, id, 1);
  // Each laptop page names the phone alone: the other tab is this browser.
  for (const page of [first, second])
    await expect(page.getByTestId('other-devices')).toHaveText(' · Also open on 1 other device');
  await expect(phonePage.getByTestId('other-devices')).toHaveText(' · Also open on 1 other device');
  await phone.close();
  await laptop.close();
});
