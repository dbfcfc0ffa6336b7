import { expect, type Page, test } from '@playwright/test';
import {
  addAddress,
  createProduct,
  expectQuantity,
  expectSaved,
  goWithin,
  holdSyncSends,
  line,
  logInContext,
  placeOrder,
  serverCart,
  signUpContext,
} from './helpers.js';

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

test('the sync badge is shown, not announced: only going offline and coming back are said', async ({
  browser,
  request,
}) => {
  const id = await createProduct(request, 'Quiet Mug');
  const context = await browser.newContext();
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  const page = await context.newPage();
  const sync = await holdSyncSends(page);
  await page.goto('/cart');
  await expectQuantity(page, id, 1);
  await expectSaved(page);
  const badge = page.locator('p.sync');
  const said = page.getByTestId('sync-announcement');
  await expect(said).toHaveRole('status');
  await expect(said).toHaveText('');
  // Nothing that speaks around the badge: no live region, on it or above it.
  const live = await badge.evaluate((p) => {
    for (let e: Element | null = p; e; e = e.parentElement) {
      const role = e.getAttribute('role');
      if ((e.getAttribute('aria-live') ?? 'off') !== 'off' || role === 'status' || role === 'alert')
        return true;
    }
    return false;
  });
  expect(live).toBe(false);
  // A tap: the badge goes Saving… and Saved on the screen; nothing more is said.
  sync.holding = true;
  await line(page, id).getByRole('button', { name: 'Increase quantity' }).click();
  await expect(page.getByTestId('sync-status')).toHaveText('Saving…');
  sync.release();
  await expectSaved(page);
  await expect(said).toHaveText('');
  await context.setOffline(true);
  await expect(page.getByTestId('sync-status')).toHaveText('Offline: saved on this device');
  await expect(said).toHaveText('Offline: your cart is saved on this device');
  await context.setOffline(false);
  await expectSaved(page);
  await expect(said).toHaveText('Back online: your cart saves to the shop again');
  await context.close();
});

test('Undo is withdrawn once another device adds to the removed line: it would add onto theirs', async ({
  browser,
  request,
}) => {
  const [mug, lamp] = [await createProduct(request, 'Undone Mug'), await createProduct(request, 'Kept Lamp')];
  const laptop = await browser.newContext();
  const email = await signUpContext(laptop);
  await laptop.request.post('/api/cart/lines', { data: { productId: mug, quantity: 3 } });
  await laptop.request.post('/api/cart/lines', { data: { productId: lamp, quantity: 1 } });
  const phone = await browser.newContext();
  await logInContext(phone, email);
  const page = await laptop.newPage();
  await page.goto('/cart');
  await expectQuantity(page, mug, 3);
  await line(page, mug).getByRole('button', { name: 'Remove' }).click();
  await expect(line(page, mug)).toHaveCount(0);
  const undo = page.getByTestId('removed').getByRole('button', { name: 'Undo' });
  await expect(undo).toBeFocused();
  await expectSaved(page);
  // The phone adds one: the laptop shows it, and no longer offers 3 more.
  await phone.request.post('/api/cart/lines', { data: { productId: mug, quantity: 1 } });
  await expectQuantity(page, mug, 1);
  await expect(page.getByTestId('removed')).toHaveCount(0);
  // The focus was on Undo: it goes to the page's heading, not <body>.
  await expect(page.getByRole('heading', { name: 'Your cart', level: 1 })).toBeFocused();
  expect(await serverCart(laptop)).toEqual({ [mug]: 1, [lamp]: 1 });
  await laptop.close();
  await phone.close();
});

test('Undo of a removal made offline is withdrawn on reconnecting: the line may have been ordered meanwhile', async ({
  browser,
  request,
}) => {
  const toaster = await createProduct(request, 'Ordered Toaster');
  const phone = await browser.newContext();
  const email = await signUpContext(phone);
  await phone.request.post('/api/cart/lines', { data: { productId: toaster, quantity: 3 } });
  const laptop = await browser.newContext();
  await logInContext(laptop, email);
  const page = await phone.newPage();
  await page.goto('/cart');
  await expectQuantity(page, toaster, 3);
  await expectSaved(page);
  await phone.setOffline(true);
  await expect(page.getByTestId('sync-status')).toHaveText('Offline: saved on this device');
  await line(page, toaster).getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('removed').getByRole('button', { name: 'Undo' })).toBeVisible();
  // Meanwhile the laptop orders the cart, Toaster and all: the one line, so the phone, which
  // removed it, sees no line change when it reconnects.
  await placeOrder(laptop);
  await phone.setOffline(false);
  await expectSaved(page);
  await expect(page.getByTestId('cart-empty')).toBeVisible();
  await expect(page.getByTestId('removed')).toHaveCount(0);
  expect(await serverCart(phone)).toEqual({});
  await phone.close();
  await laptop.close();
});

// Without a service worker: these tests see (and hold) the page's own requests (races.spec.ts
// says why).
test.describe(() => {
  test.use({ serviceWorkers: 'block' });

  /** Counts the order requests `page` sends. */
  function ordersSent(page: Page): () => number {
    let sent = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/orders') sent++;
    });
    return () => sent;
  }

  test('checkout left open while another device orders the cart: Place order waits for a new review, sending nothing', async ({
    context,
    page,
    request,
  }) => {
    const id = await createProduct(request, 'Twice Kettle');
    await signUpContext(context);
    await addAddress(context);
    await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
    const sent = ordersSent(page);
    await page.goto('/checkout');
    await expect(page.getByTestId('review-lines')).toContainText('× 1');
    const placeButton = page.getByRole('button', { name: 'Place order' });
    await expect(placeButton).toBeEnabled();
    await expect(placeButton).not.toHaveAttribute('aria-disabled');
    // Another device (the API, same session) orders the cart.
    await placeOrder(context);
    const why = page.getByTestId('checkout-changed');
    await expect(why).toContainText(
      'Your cart changed on another device. Some items you reviewed are no longer in it, so they cannot be ordered as reviewed.',
    );
    await expect(placeButton).toHaveAttribute('aria-disabled', 'true');
    await expect(placeButton).toHaveAccessibleDescription(/Some items you reviewed are no longer in it/);
    await placeButton.click({ force: true });
    await expect(placeButton).toHaveText('Place order');
    await expect(page.getByRole('alert')).toHaveCount(0);
    expect(sent()).toBe(0);
    // Reviewed again: the cart is empty now, nothing to order.
    await page.getByRole('button', { name: 'Review the new cart' }).click();
    await expect(page.getByText('Your cart is empty.')).toBeVisible();
    expect(sent()).toBe(0);
  });

  test('an order answered out of date once the reviewed entries have left this device is not sent again', async ({
    context,
    page,
    request,
  }) => {
    const id = await createProduct(request, 'Once Kettle');
    await signUpContext(context);
    await addAddress(context);
    await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 2 } });
    const sent = ordersSent(page);
    await page.goto('/checkout');
    await expect(page.getByTestId('review-lines')).toContainText('× 2');
    // The order goes out; before it reaches the shop, another device changes the line ("−" then
    // "+": the same quantity, other entries) and this page has seen it.
    const changedHere = page
      .getByTestId('checkout-changed')
      .getByText('Your cart changed on another device.');
    await context.route(
      '**/api/orders',
      async (route) => {
        await context.request.patch(`/api/cart/lines/${id}`, { data: { quantity: 1 } });
        await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
        await expect(changedHere).toBeVisible();
        await route.fallback();
      },
      { times: 1 },
    );
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect(page.getByRole('alert')).toHaveText(
      'Your cart changed since you reviewed it, so nothing was ordered. Review the new cart, then place your order.',
    );
    expect(sent()).toBe(1);
    await expect(page.getByRole('button', { name: 'Place order' })).toHaveAttribute('aria-disabled', 'true');
    expect((await (await context.request.get('/api/orders')).json()).items).toEqual([]);
  });

  test('an order answered already_ordered while the review is stale leads to that order', async ({
    context,
    page,
    request,
  }) => {
    const id = await createProduct(request, 'Shown Kettle');
    await signUpContext(context);
    await addAddress(context);
    await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
    await page.goto('/checkout');
    await expect(page.getByTestId('review-lines')).toContainText('× 1');
    // Another device orders the cart while this page's order is on its way; the shop answers it
    // as it does when the missing entries went into a confirmed order of this cart.
    let orderId = '';
    await context.route(
      '**/api/orders',
      async (route) => {
        orderId = await placeOrder(context);
        await expect(page.getByTestId('checkout-changed')).toContainText('Some items you reviewed');
        await route.fulfill({
          status: 409,
          json: { error: { code: 'already_ordered', message: 'already ordered', details: { orderId } } },
        });
      },
      { times: 1 },
    );
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect(page).toHaveURL(/\/orders\/[^/]+$/);
    expect(new URL(page.url()).pathname).toBe(`/orders/${orderId}`);
    await expect(page.getByRole('heading', { name: `Order ${orderId}`, level: 1 })).toBeVisible();
  });
});

test('your orders, opened offline, load by themselves when the connection returns', async ({ browser }) => {
  const context = await browser.newContext();
  await signUpContext(context);
  const page = await context.newPage();
  // Online first, so that the page's code is loaded (with or without the service worker).
  await page.goto('/orders');
  await expect(page.getByText('No orders yet.')).toBeVisible();
  await goWithin(page, '/');
  await context.setOffline(true);
  await goWithin(page, '/orders');
  await expect(page.getByRole('alert')).toContainText('You are offline.');
  await context.setOffline(false);
  await expect(page.getByText('No orders yet.')).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await context.close();
});
