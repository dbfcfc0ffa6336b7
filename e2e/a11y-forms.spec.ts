import { randomUUID } from 'node:crypto';
import { type BrowserContext, expect, type Locator, type Page, test } from '@playwright/test';
import {
  addAddress,
  createProduct,
  expectQuantity,
  fillAddressForm,
  line,
  logInContext,
  PASSWORD,
  productTitle,
  signUpContext,
} from './helpers.js';

// Keyboard and screen-reader problems an accessibility audit found in the cart, sign-in and
// checkout forms (2026-12-05): each test failed before its fix.

/** The address the tests below type in. */
const KAY = { name: 'Kay Board', line1: '9 Tab Street', city: 'York', postalCode: 'YO1 7HH', country: 'GB' };

/**
 * By keyboard: Add an address takes the focus to the form's first field, and Cancel back to Add an
 * address; then KAY is typed and saved, Save address keeping the focus (busy) until it is stored.
 */
async function addAddressByKeyboard(page: Page, context: BrowserContext, add: Locator): Promise<void> {
  await add.press('Enter');
  await expect(page.getByLabel('Full name')).toBeFocused();
  await page.getByRole('button', { name: 'Cancel' }).press('Enter');
  await expect(add).toBeFocused();
  await add.press('Enter');
  await fillAddressForm(page, KAY);
  const releaseSave = await hold(context, '**/api/me/addresses');
  const save = page.getByRole('button', { name: 'Save address' });
  await save.press('Enter');
  await expect(save).toBeFocused();
  await expect(save).toHaveAttribute('aria-disabled', 'true');
  releaseSave();
}

/** Holds the context's requests to `url` until the returned function lets them through. */
async function hold(context: BrowserContext, url: string): Promise<() => void> {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await context.route(url, async (route) => {
    await held;
    await route.fallback();
  });
  return release;
}

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

test('the same status region says, briefly, what changed in the cart on another device, and not the own edits', async ({
  page,
  context,
  request,
}) => {
  const [lamp, mug, kettle] = [
    await createProduct(request, 'Remote Lamp'),
    await createProduct(request, 'Remote Mug'),
    await createProduct(request, 'Remote Kettle'),
  ];
  const [lampTitle, mugTitle, kettleTitle] = [
    await productTitle(request, lamp),
    await productTitle(request, mug),
    await productTitle(request, kettle),
  ];
  await context.request.post('/api/cart/lines', { data: { productId: lamp, quantity: 1 } });
  await context.request.post('/api/cart/lines', { data: { productId: mug, quantity: 1 } });
  await page.goto('/cart');
  await expectQuantity(page, lamp, 1);
  await expectQuantity(page, mug, 1);
  const status = page.getByTestId('quantity-status');
  // The first load is not a change: nothing said, even after the page has waited for more updates.
  await page.waitForTimeout(1500);
  await expect(status).toHaveText('');
  // Another device (the API, same session): adds a line, changes one, removes one.
  await context.request.post('/api/cart/lines', { data: { productId: kettle, quantity: 1 } });
  await context.request.patch(`/api/cart/lines/${lamp}`, { data: { quantity: 3 } });
  await context.request.patch(`/api/cart/lines/${mug}`, { data: { quantity: 0 } });
  await expectQuantity(page, kettle, 1);
  await expectQuantity(page, lamp, 3);
  await expect(line(page, mug)).toHaveCount(0);
  await expect(status).toHaveText(
    `Your cart changed on another device: ${kettleTitle} added; ${lampTitle} now 3; ${mugTitle} removed.`,
  );
  await expect(status).toHaveRole('status');
  // This page's own "+": its quantity only, as before, and not said again as a change elsewhere.
  await line(page, lamp).getByRole('button', { name: 'Increase quantity' }).click();
  await expectQuantity(page, lamp, 4);
  await expect(status).toHaveText(`Quantity of ${lampTitle}: 4`);
  await page.waitForTimeout(1500);
  await expect(status).toHaveText(`Quantity of ${lampTitle}: 4`);
});

test.describe(() => {
  // These tests hold back the page's own requests: without a service worker (races.spec.ts says why).
  test.use({ serviceWorkers: 'block' });

  test('sign-in and sign-up keep focus while busy, focus the error, and mark the fields it concerns', async ({
    page,
    context,
  }) => {
    const release = await hold(context, '**/api/auth/login');
    await page.goto('/signin');
    await page.getByLabel('Email').fill(`e2e-${randomUUID()}@example.com`);
    await page.getByLabel('Password').fill('not-the-password');
    const signIn = page.getByRole('button', { name: 'Sign in' });
    await signIn.press('Enter');
    // While the shop is asked: still focused (a disabled button dropped focus to <body>).
    await expect(signIn).toBeFocused();
    await expect(signIn).toHaveAttribute('aria-disabled', 'true');
    release();
    const alert = page.getByRole('alert');
    await expect(alert).toHaveText("That email and password don't match an account.");
    await expect(alert).toBeFocused();
    for (const field of ['Email', 'Password']) {
      await expect(page.getByLabel(field)).toHaveAttribute('aria-invalid', 'true');
      await expect(page.getByLabel(field)).toHaveAccessibleDescription(
        "That email and password don't match an account.",
      );
    }
    // The next Tab stays in the form.
    await page.keyboard.press('Tab');
    await expect(signIn).toBeFocused();
    await expect(signIn).not.toHaveAttribute('aria-disabled', 'true');

    await page.goto('/signup');
    const hint = 'At least 8 characters; a few words make a good one.';
    await expect(page.getByLabel('Password')).toHaveAccessibleDescription(hint);
    await page.getByLabel('Name').fill('Wren Weak');
    await page.getByLabel('Email').fill(`e2e-${randomUUID()}@example.com`);
    await page.getByLabel('Password').fill('iloveyou');
    await page.getByRole('button', { name: 'Create account' }).press('Enter');
    await expect(page.getByRole('alert')).toBeFocused();
    await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('Password')).toHaveAccessibleDescription(
      `${hint} Password is one of the first that attackers try.`,
    );
    await expect(page.getByLabel('Name')).not.toHaveAttribute('aria-invalid', 'true');
  });

  test('checkout keeps keyboard focus through adding an address and a failed order', async ({
    page,
    context,
    request,
  }) => {
    const id = await createProduct(request, 'Focus Kettle');
    await signUpContext(context);
    await addAddress(context);
    await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
    await page.goto('/checkout');
    const add = page.getByRole('button', { name: 'Add an address' });
    await expect(page.getByRole('radio', { name: /2 Device Row, Leeds/ })).toBeChecked();

    await addAddressByKeyboard(page, context, add);
    // Saved: focus goes to the new address's radio.
    const added = page.getByRole('radio', { name: /9 Tab Street, York/ });
    await expect(added).toBeChecked();
    await expect(added).toBeFocused();
    await context.unroute('**/api/me/addresses');

    // Removed on another device, then Place order: focus stays while placing, then goes to the alert.
    const { items } = await (await context.request.get('/api/me/addresses')).json();
    const mine = items.find((a: { line1: string }) => a.line1 === '9 Tab Street');
    expect((await context.request.delete(`/api/me/addresses/${mine.id}`)).status()).toBe(204);
    const releaseOrder = await hold(context, '**/api/orders');
    const place = page.getByRole('button', { name: 'Place order' });
    await place.press('Enter');
    await expect(page.getByRole('button', { name: 'Placing your order…' })).toBeFocused();
    await expect(page.getByRole('button', { name: 'Placing your order…' })).toHaveAttribute(
      'aria-disabled',
      'true',
    );
    releaseOrder();
    const alert = page.getByRole('alert');
    await expect(alert).toHaveText('That address was removed on another device. Choose where to deliver.');
    await expect(alert).toBeFocused();
  });

  test('the account page keeps keyboard focus through adding and removing addresses, and says what happened', async ({
    page,
    context,
  }) => {
    await signUpContext(context);
    await addAddress(context); // 2 Device Row, Leeds
    const second = {
      name: 'Dee Vice',
      line1: '5 Side Lane',
      city: 'Hull',
      postalCode: 'HU1 1AA',
      country: 'GB',
    };
    expect((await context.request.post('/api/me/addresses', { data: second })).status()).toBe(201);
    await page.goto('/account');
    const list = page.getByTestId('addresses');
    const status = page.getByTestId('addresses-status');
    await expect(list).toContainText('2 Device Row');
    await expect(status).toHaveRole('status');
    const add = page.getByRole('button', { name: 'Add an address' });

    await addAddressByKeyboard(page, context, add);
    // Saved: focus goes to the new address, which is said.
    await expect(list.getByRole('listitem').filter({ hasText: '9 Tab Street' })).toBeFocused();
    await expect(status).toHaveText('Added 9 Tab Street, York.');
    await context.unroute('**/api/me/addresses');

    // Remove: the button stays focused while busy, then focus goes to the next address's Remove.
    const releaseRemove = await hold(context, '**/api/me/addresses/*');
    const first = page.getByRole('button', { name: 'Remove 2 Device Row, Leeds' });
    await first.press('Enter');
    await expect(first).toBeFocused();
    await expect(first).toHaveAttribute('aria-disabled', 'true');
    releaseRemove();
    await expect(list).not.toContainText('2 Device Row');
    const side = page.getByRole('button', { name: 'Remove 5 Side Lane, Hull' });
    await expect(side).toBeFocused();
    await expect(status).toHaveText('Removed 2 Device Row, Leeds.');
    await context.unroute('**/api/me/addresses/*');

    // The last in the list: focus goes to the one before; the only one: to Add an address.
    await page.getByRole('button', { name: 'Remove 9 Tab Street, York' }).press('Enter');
    await expect(list).not.toContainText('9 Tab Street');
    await expect(side).toBeFocused();
    await expect(status).toHaveText('Removed 9 Tab Street, York.');
    await side.press('Enter');
    await expect(page.getByText('No addresses yet.')).toBeVisible();
    await expect(add).toBeFocused();
    await expect(status).toHaveText('Removed 5 Side Lane, Hull.');
  });

  test('a failed address save focuses the alert saying why, each time', async ({ page, context }) => {
    await signUpContext(context);
    await page.goto('/account');
    await expect(page.getByText('No addresses yet.')).toBeVisible();
    await context.route('**/api/me/addresses', (route) =>
      route.request().method() === 'POST' ? route.abort('connectionrefused') : route.fallback(),
    );
    await page.getByRole('button', { name: 'Add an address' }).press('Enter');
    await fillAddressForm(page, KAY);
    const save = page.getByRole('button', { name: 'Save address' });
    const alert = page.getByRole('alert');
    for (let i = 0; i < 2; i++) {
      await save.press('Enter');
      await expect(alert).toBeFocused();
      await expect(save).not.toHaveAttribute('aria-disabled', 'true');
    }
  });

  test('Change password keeps focus while busy, focuses the error on the field it concerns, and announces a change', async ({
    page,
    context,
  }) => {
    await signUpContext(context);
    await page.goto('/account');
    const current = page.getByLabel('Current password');
    const fresh = page.getByLabel('New password');
    const change = page.getByRole('button', { name: 'Change password' });
    const status = page.getByTestId('password-status');
    // Mounted empty, before any change: screen readers announce what comes into it.
    await expect(status).toHaveRole('status');
    await expect(status).toHaveText('');

    // A wrong current password: the button keeps the focus while busy, then the alert takes it.
    await current.fill('not my password');
    await fresh.fill('a brand new passphrase');
    const release = await hold(context, '**/api/me/password');
    await change.press('Enter');
    await expect(change).toBeFocused();
    await expect(change).toHaveAttribute('aria-disabled', 'true');
    release();
    const alert = page.getByRole('alert');
    await expect(alert).toHaveText('That is not your current password.');
    await expect(alert).toBeFocused();
    await expect(current).toHaveAttribute('aria-invalid', 'true');
    await expect(current).toHaveAccessibleDescription('That is not your current password.');
    await expect(fresh).not.toHaveAttribute('aria-invalid', 'true');
    // The next Tab stays in the form.
    await page.keyboard.press('Tab');
    await expect(change).toBeFocused();
    await expect(change).not.toHaveAttribute('aria-disabled', 'true');
    await context.unroute('**/api/me/password');

    // The right one: said in the status region, the focus still on the button, the fields cleared.
    await current.fill(PASSWORD);
    await change.press('Enter');
    await expect(status).toHaveText('Password changed.');
    await expect(change).toBeFocused();
    await expect(alert).toHaveCount(0);
    await expect(current).not.toHaveAttribute('aria-invalid', 'true');
    await expect(current).toHaveValue('');
    await expect(fresh).toHaveValue('');
  });

  test('"Sign out on other devices" keeps focus while busy, announces the result, and focuses a failure', async ({
    page,
    context,
    browser,
  }) => {
    const email = await signUpContext(context);
    const other = await browser.newContext();
    await logInContext(other, email);
    await page.goto('/account');
    const button = page.getByRole('button', { name: 'Sign out on other devices' });
    const status = page.getByTestId('devices-status');
    await expect(status).toHaveRole('status');
    await expect(status).toHaveText('');

    const release = await hold(context, '**/api/auth/logout-others');
    await button.press('Enter');
    await expect(button).toBeFocused();
    await expect(button).toHaveAttribute('aria-disabled', 'true');
    release();
    await expect(status).toHaveText('Signed out on 1 other device.');
    await expect(button).toBeFocused();
    await expect(button).not.toHaveAttribute('aria-disabled', 'true');
    await context.unroute('**/api/auth/logout-others');
    expect((await other.request.get('/api/me')).status()).toBe(401);
    await other.close();

    // Not answered: the alert saying why takes the focus, and the status no longer says it was done.
    await context.route('**/api/auth/logout-others', (route) => route.abort('connectionrefused'));
    await button.press('Enter');
    await expect(page.getByRole('alert')).toBeFocused();
    await expect(status).toHaveText('');
  });
});

test('checkout announces that the cart changed on another device', async ({ page, context, request }) => {
  const id = await createProduct(request, 'Changed Kettle');
  await signUpContext(context);
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  await page.goto('/checkout');
  await expect(page.getByTestId('review-lines')).toContainText('× 1');
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  // Inside a status region mounted before the text came, so that screen readers announce it.
  await expect(
    page.getByRole('status').filter({ hasText: 'Your cart changed on another device.' }),
  ).toBeVisible();
});

test('"Review the new cart" brings the focus to the new review, or to the page when the cart is empty', async ({
  page,
  context,
  request,
}) => {
  const id = await createProduct(request, 'Reviewed Kettle');
  await signUpContext(context);
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  await page.goto('/checkout');
  const lines = page.getByTestId('review-lines');
  await expect(lines).toContainText('× 1');
  const again = page.getByRole('button', { name: 'Review the new cart' });

  // Changed on another device: the button pressed is gone, the focus on the review's heading.
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  await again.press('Enter');
  await expect(lines).toContainText('× 2');
  await expect(again).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Review your order' })).toBeFocused();

  // Emptied on another device: nothing to review, the focus on the page's heading.
  await context.request.patch(`/api/cart/lines/${id}`, { data: { quantity: 0 } });
  await again.press('Enter');
  await expect(page.getByText('Your cart is empty.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Checkout', level: 1 })).toBeFocused();
});
