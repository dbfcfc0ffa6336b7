import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import {
  ADMIN,
  addAddress,
  createProduct,
  expectQuantity,
  family,
  fillAddressForm,
  line,
  PASSWORD,
  placeOrder,
  saveAddressForm,
  signUpContext,
  stockOf,
} from './helpers.js';

test('filters choose one value at a time, keep the other choices in view, and a page past the last shows the last', async ({
  page,
  request,
}) => {
  const word = `zorbly${randomUUID().slice(0, 4)}`;
  await family(request, word, [
    ['Alpha', 1500],
    ['Alpha', 2500],
    ['Beta', 15000],
    ['Gamma', 60000],
  ]);
  await page.goto(`/search?q=${word}`);
  await expect(page.getByTestId('result-count')).toHaveText('4 results', { timeout: 5_000 });
  await expect(page).toHaveTitle(`Results for “${word}” · ShopSync`);
  const brand = page.getByRole('group', { name: 'Brand' });
  await expect(brand.getByRole('radio', { name: 'Any brand' })).toBeChecked();
  await brand.getByRole('radio', { name: /Alpha/ }).check();
  await expect(page.getByTestId('result-count')).toHaveText('2 results');
  // One brand at a time: choosing another replaces the first, and the others stay to switch to.
  await brand.getByRole('radio', { name: /Beta/ }).check();
  await expect(page.getByTestId('result-count')).toHaveText('1 result');
  await expect(brand.getByRole('radio', { name: /Alpha/ })).not.toBeChecked();
  await brand.getByRole('radio', { name: 'Any brand' }).check();
  await expect(page.getByTestId('result-count')).toHaveText('4 results');

  // A price range keeps the other ranges in view, with their counts.
  const price = page.getByRole('group', { name: 'Price' });
  const ranges = await price.getByRole('radio').count();
  expect(ranges).toBeGreaterThan(2);
  // The first range after "Any price", and the count it shows.
  const range = price.locator('label').nth(1);
  const shown = Number(/\((\d+)\)/.exec((await range.textContent()) ?? '')?.[1]);
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThan(4);
  await range.getByRole('radio').check();
  await expect(page.getByTestId('result-count')).toHaveText(`${shown} result${shown === 1 ? '' : 's'}`);
  await expect(range.getByRole('radio')).toBeChecked();
  await expect(price.getByRole('radio')).toHaveCount(ranges);
  await price.getByRole('radio', { name: 'Any price' }).check();
  await expect(page.getByTestId('result-count')).toHaveText('4 results');

  // Filters that leave nothing say so and offer to clear them.
  await page.goto(`/search?q=${word}&brand=Nobrand`);
  await expect(page.getByTestId('result-count')).toHaveText('0 results');
  await page.getByRole('button', { name: 'Clear the filters' }).click();
  await expect(page.getByTestId('result-count')).toHaveText('4 results');
  expect(new URL(page.url()).searchParams.has('brand')).toBe(false);

  // Two per page: page 9 of 2 shows page 2.
  await page.goto(`/search?q=${word}&pageSize=2&page=9`);
  await expect(page.getByRole('link', { name: 'Page 2' })).toHaveAttribute('aria-current', 'page');
  await expect(page.locator('ul.grid > li')).toHaveCount(2);
  expect(new URL(page.url()).searchParams.get('page')).toBe('2');
});

test('the pager links every page by number, the first and the last always among them', async ({
  page,
  request,
}) => {
  const word = `pager${randomUUID().slice(0, 6)}`;
  await family(
    request,
    word,
    Array.from({ length: 12 }, (_, i): [string, number] => ['Pagerbrand', 1000 + i]),
  );
  await page.goto(`/search?q=${word}&pageSize=1&sort=price_asc`);
  const pager = page.getByRole('navigation', { name: 'Pages' });
  const numbers = async () => (await pager.locator('li').allTextContents()).join(' ');
  const current = (n: number) =>
    expect(pager.getByRole('link', { name: `Page ${n}`, exact: true })).toHaveAttribute(
      'aria-current',
      'page',
    );
  await expect.poll(numbers).toBe('1 2 3 4 5 … 12');
  await current(1);
  await expect(pager.getByRole('link', { name: 'Previous' })).toHaveAttribute('aria-disabled', 'true');
  // The last page is one click away, at an address that can be shared.
  const last = pager.getByRole('link', { name: 'Page 12' });
  await expect(last).toHaveAttribute('href', /[?&]page=12(&|$)/);
  await last.click();
  await expect.poll(numbers).toBe('1 … 8 9 10 11 12');
  await expect(page.locator('ul.grid > li')).toContainText('model 12');
  await expect(pager.getByRole('link', { name: 'Next' })).toHaveAttribute('aria-disabled', 'true');
  await pager.getByRole('link', { name: 'Previous' }).click();
  await current(11);
  await pager.getByRole('link', { name: 'Page 8', exact: true }).click();
  await expect.poll(numbers).toBe('1 … 7 8 9 … 12');
  await expect(page.locator('ul.grid > li')).toContainText('model 8');
  await page.goBack();
  await current(11);
  // On a phone the numbers take a row of their own and fit the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth),
  ).toBe(false);
});

test('the orders list shows the newest orders and the older ones on request', async ({
  page,
  context,
  request,
}) => {
  const id = await createProduct(request, 'Often ordered kettle', 30);
  await signUpContext(context);
  const placed: string[] = [];
  for (let i = 0; i < 21; i++) {
    await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
    placed.push(await placeOrder(context));
  }
  await page.goto('/orders');
  const rows = page.locator('table.orders tbody tr');
  await expect(rows).toHaveCount(20);
  await expect(rows.first()).toContainText(placed[20]!);
  await page.getByRole('button', { name: 'Show older orders' }).click();
  await expect(rows).toHaveCount(21);
  await expect(rows.last()).toContainText(placed[0]!);
  await expect(page.getByRole('button', { name: 'Show older orders' })).toHaveCount(0);
});

test('the product page offers no more than is in stock, shows every image and similar products', async ({
  page,
  request,
}) => {
  const res = await request.post('/api/products', {
    headers: ADMIN,
    data: {
      title: `Scarce Teapot ${randomUUID().slice(0, 6)}`,
      brand: 'Testbrand',
      description: 'Three left.',
      price: 1999,
      stock: 3,
      images: ['https://images.invalid/teapot-front.jpg', 'https://images.invalid/teapot-side.jpg'],
    },
  });
  const { id, title } = await res.json();
  const sibling = await request.post('/api/products', {
    headers: ADMIN,
    data: {
      title: `${title.split(' ').slice(0, 2).join(' ')} in blue`,
      brand: 'Testbrand',
      price: 2099,
      stock: 4,
    },
  });
  expect(sibling.status()).toBe(201);
  await page.goto(`/products/${id}`);
  await expect(page).toHaveTitle(`${title} · ShopSync`);
  await expect(page.getByLabel('Quantity').locator('option')).toHaveText(['1', '2', '3']);
  const thumbs = page.getByRole('list', { name: 'More images' }).getByRole('button');
  await expect(thumbs).toHaveCount(2);
  await expect(thumbs.nth(0)).toHaveAttribute('aria-pressed', 'true');
  await thumbs.nth(1).click();
  await expect(thumbs.nth(1)).toHaveAttribute('aria-pressed', 'true');
  await expect(thumbs.nth(0)).toHaveAttribute('aria-pressed', 'false');
  // Products like it, itself left out.
  const similar = page.getByRole('region', { name: 'Similar products' });
  await expect(similar.getByRole('link')).toContainText([
    `${title.split(' ').slice(0, 2).join(' ')} in blue`,
  ]);
  await expect(similar.getByText(title, { exact: true })).toHaveCount(0);
  // Another product opens as a page of its own: no notice or chosen image carried over.
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await expect(page.getByTestId('added')).toBeVisible();
  await similar.getByRole('link').first().click();
  await expect(page.getByTestId('product-title')).toHaveText(
    `${title.split(' ').slice(0, 2).join(' ')} in blue`,
  );
  await expect(page.getByTestId('added')).toHaveCount(0);
  await page.goBack();
  await expect(page.getByTestId('product-title')).toHaveText(title);
  // On a phone the strip scrolls by itself; the page does not scroll sideways.
  await page.setViewportSize({ width: 360, height: 740 });
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth))
    .toBeLessThanOrEqual(0);
});

test('the cart shows line totals and a removed line comes back with Undo', async ({ page, request }) => {
  const id = await createProduct(request, 'Undo Mug', 10, 1250);
  await page.goto(`/products/${id}`);
  await page.getByLabel('Quantity').selectOption('3');
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.goto('/cart');
  await expect(page).toHaveTitle('Your cart · ShopSync');
  await expect(line(page, id).getByTestId('line-total')).toHaveText('$37.50');
  // On a phone, the line wraps: its quantity and Remove stay on the screen.
  await page.setViewportSize({ width: 360, height: 740 });
  await expect(line(page, id).getByRole('button', { name: 'Remove' })).toBeInViewport({ ratio: 1 });
  await expect(line(page, id).getByRole('button', { name: 'Increase quantity' })).toBeInViewport({
    ratio: 1,
  });
  await line(page, id).getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('cart-empty')).toBeVisible();
  await page.getByTestId('removed').getByRole('button', { name: 'Undo' }).click();
  await expect(line(page, id).getByTestId('quantity')).toHaveText('3');
});

test('the cart says when a price changed since the item was added, and Undo keeps what it was', async ({
  page,
  request,
}) => {
  const id = await createProduct(request, 'Repriced Lamp', 10, 2500);
  await page.goto(`/products/${id}`);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.goto('/cart');
  await expect(line(page, id).getByTestId('quantity')).toHaveText('1');
  await expect(line(page, id).getByTestId('line-price')).toHaveCount(0);
  const repriced = await request.patch(`/api/products/${id}`, { headers: ADMIN, data: { price: 3100 } });
  expect(repriced.status()).toBe(200);
  await page.reload();
  await expect(line(page, id).getByTestId('line-price')).toHaveText(
    'The price went up from $25.00 since you added it.',
  );
  // Another tap at the new price does not make it the price the line was added at.
  await line(page, id).getByRole('button', { name: 'Increase quantity' }).click();
  await expect(line(page, id).getByTestId('quantity')).toHaveText('2');
  await line(page, id).getByRole('button', { name: 'Remove' }).click();
  await page.getByTestId('removed').getByRole('button', { name: 'Undo' }).click();
  await expect(line(page, id).getByTestId('line-price')).toHaveText(
    'The price went up from $25.00 since you added it.',
  );
  await request.patch(`/api/products/${id}`, { headers: ADMIN, data: { price: 1999 } });
  await page.reload();
  await expect(line(page, id).getByTestId('line-price')).toHaveText(
    'The price dropped from $25.00 since you added it.',
  );
});

test('the cart shows the most recently added item first, and a line keeps its place when its quantity changes', async ({
  page,
  request,
}) => {
  const [first, second, third] = [
    await createProduct(request, 'Order Pan', 10),
    await createProduct(request, 'Order Pot', 10),
    await createProduct(request, 'Order Lid', 10),
  ];
  const order = () =>
    page
      .locator('.lines > [data-product]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-product')));
  for (const [i, id] of [first, second, third].entries()) {
    await page.goto(`/products/${id}`);
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await expect(page.getByTestId('cart-count')).toHaveText(String(i + 1));
  }
  await page.goto('/cart');
  await expect.poll(order).toEqual([third, second, first]);
  await line(page, first).getByRole('button', { name: 'Increase quantity' }).click();
  await line(page, first).getByRole('button', { name: 'Decrease quantity' }).click();
  await expectQuantity(page, first, 1);
  await page.reload();
  await expectQuantity(page, first, 1);
  expect(await order()).toEqual([third, second, first]);
});

test('a password the shop turns down says why', async ({ page }) => {
  await page.goto('/signup');
  await page.getByLabel('Name').fill('Wren Weak');
  await page.getByLabel('Email').fill(`e2e-${randomUUID()}@example.com`);
  await page.getByLabel('Password').fill('iloveyou');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toHaveText('Password is one of the first that attackers try.');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/$/);
});

test('the account page shows who is signed in and keeps the addresses checkout offers', async ({
  page,
  request,
}) => {
  const email = `e2e-${randomUUID()}@example.com`;
  await page.goto('/signup?next=/account');
  await page.getByLabel('Name').fill('Ada Account');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page).toHaveTitle('Your account · ShopSync');
  await expect(page.getByText(email)).toBeVisible();
  await expect(page.getByText('No addresses yet.')).toBeVisible();
  await page.getByRole('button', { name: 'Add an address' }).click();
  await saveAddressForm(page, {
    name: 'Ada Account',
    line1: '3 Ledger Lane',
    city: 'Bristol',
    postalCode: 'BS1 4DJ',
    country: 'United Kingdom',
  });
  const listed = 'Ada Account, 3 Ledger Lane, Bristol BS1 4DJ, United Kingdom';
  await expect(page.getByTestId('addresses')).toHaveText(`${listed} Remove`);
  // Kept on the account: a reload still lists it.
  await page.reload();
  await expect(page.getByTestId('addresses')).toHaveText(`${listed} Remove`);

  // An order sent there, then the address removed: it leaves the list, not the order.
  const id = await createProduct(request, 'Addressed lamp');
  const { items } = await (await page.request.get('/api/me/addresses')).json();
  const cart = await (
    await page.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } })
  ).json();
  const placed = await page.request.post('/api/orders', {
    headers: { 'Idempotency-Key': randomUUID() },
    data: { cartId: cart.cartId, addressId: items[0].id },
  });
  expect(placed.status()).toBe(202);
  await page.getByRole('button', { name: 'Remove 3 Ledger Lane, Bristol' }).click();
  await expect(page.getByText('No addresses yet.')).toBeVisible();
  await page.reload();
  await expect(page.getByText('No addresses yet.')).toBeVisible();
  await page.goto(`/orders/${(await placed.json()).id}`);
  await expect(page.getByText(`Deliver to ${listed}`)).toBeVisible();
  await page.goto('/account');
  await page.getByRole('link', { name: 'Your orders' }).click();
  await expect(page.getByRole('heading', { name: 'Your orders' })).toBeVisible();
});

test('the account page changes the shopper’s name in place, says so, and keeps it', async ({
  page,
  context,
}) => {
  await signUpContext(context, 'Ada Typo');
  await page.goto('/account');
  const profile = page.locator('dl.profile');
  await expect(profile).toContainText('Ada Typo');
  await page.getByRole('button', { name: 'Change your name' }).click();
  const field = page.getByLabel('Your name');
  await expect(field).toBeFocused();
  await expect(field).toHaveValue('Ada Typo');
  // A name of spaces passes the form's check, not the shop's: said in the form's words.
  await field.fill(' ');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('alert')).toBeFocused();
  await expect(page.getByRole('alert')).toHaveText('Please enter your name.');
  await field.fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(profile).toContainText('Ada Lovelace');
  await expect(page.getByRole('status').filter({ hasText: 'Your name is now Ada Lovelace.' })).toBeAttached();
  await expect(page.getByRole('button', { name: 'Change your name' })).toBeFocused();
  await page.reload();
  await expect(profile).toContainText('Ada Lovelace');
  // Cancel leaves it as it was.
  await page.getByRole('button', { name: 'Change your name' }).click();
  await page.getByLabel('Your name').fill('Someone Else');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(profile).toContainText('Ada Lovelace');
  await expect(page.getByRole('button', { name: 'Change your name' })).toBeFocused();
});

test('an address form pressed again while it saves saves one address', async ({ page, context }) => {
  await signUpContext(context);
  await page.goto('/account');
  let posts = 0;
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route('**/api/me/addresses', async (route) => {
    if (route.request().method() !== 'POST') return route.fallback();
    posts++;
    await held;
    await route.fallback();
  });
  await page.getByRole('button', { name: 'Add an address' }).click();
  await fillAddressForm(page, {
    name: 'Dee Twice',
    line1: '2 Double Row',
    city: 'Leeds',
    postalCode: 'LS1 4AP',
    country: 'United Kingdom',
  });
  const save = page.getByRole('button', { name: 'Save address' });
  await save.click();
  await expect(save).toHaveAttribute('aria-disabled', 'true');
  // Playwright waits for an aria-disabled button to be enabled: a shopper's press does not.
  await save.click({ force: true });
  await save.press('Enter');
  release();
  await expect(page.getByTestId('addresses')).toContainText('2 Double Row');
  await page.reload();
  await expect(page.getByTestId('addresses').getByRole('listitem')).toHaveCount(1);
  expect(posts).toBe(1);
});

test('an address takes a second line, a region and a phone for the courier, and a country from the list', async ({
  page,
  context,
}) => {
  await signUpContext(context);
  await page.goto('/account');
  await page.getByRole('button', { name: 'Add an address' }).click();
  const country = page.getByLabel('Country');
  // Named by the country, stored by its code; none chosen yet.
  await expect(country).toHaveValue('');
  await expect(country.locator('option[value="DE"]')).toHaveText('Germany');
  await fillAddressForm(page, {
    name: 'Ines Region',
    line1: '600 Capitol Way',
    city: 'Olympia',
    postalCode: '98501',
    country: 'United States',
  });
  await page.getByLabel('Address line 2 (optional)').fill('Suite 4');
  await page.getByLabel('State, province or region (optional)').fill('WA');
  await page.getByLabel('Phone for the courier (optional)').fill('+1 360 555 0100');
  await page.getByRole('button', { name: 'Save address' }).click();
  await expect(page.getByTestId('addresses')).toHaveText(
    'Ines Region, 600 Capitol Way, Suite 4, Olympia WA 98501, United States Remove',
  );
  const { items } = await (await page.request.get('/api/me/addresses')).json();
  expect(items).toEqual([
    expect.objectContaining({ country: 'US', region: 'WA', line2: 'Suite 4', phone: '+1 360 555 0100' }),
  ]);
  // A phone of too few digits is refused, naming the field, and the form keeps what was typed.
  await page.getByRole('button', { name: 'Add an address' }).click();
  await fillAddressForm(page, {
    name: 'Ines Region',
    line1: '1 Short Number Rd',
    city: 'Olympia',
    postalCode: '98501',
    country: 'US',
  });
  await page.getByLabel('Phone for the courier (optional)').fill('555');
  await page.getByRole('button', { name: 'Save address' }).click();
  await expect(page.getByRole('alert')).toContainText('phone');
  await expect(page.getByLabel('Phone for the courier (optional)')).toHaveValue('555');
});

test('cancelling an order asks first, restocks, and a rejected order leads back to the cart', async ({
  browser,
  request,
}) => {
  // No service worker: the test drops the page's live status below, and Chromium does not always
  // hand Playwright's routes a request that a controlling worker lets pass (see races.spec.ts).
  const context = await browser.newContext({ serviceWorkers: 'block' });
  await signUpContext(context);
  await addAddress(context);
  const id = await createProduct(request, 'Cancellable lamp', 4);
  /** Orders the whole cart through the API, as checkout does; the decided order. */
  const order = async () => {
    const cart = await (await context.request.get('/api/cart')).json();
    const res = await context.request.post('/api/orders', {
      headers: { 'Idempotency-Key': randomUUID() },
      data: { cartId: cart.cartId },
    });
    expect(res.status()).toBe(202);
    const placed = await res.json();
    await expect
      .poll(async () => (await (await context.request.get(`/api/orders/${placed.id}`)).json()).status)
      .not.toBe('pending');
    return placed.id as string;
  };
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 3 } });
  const first = await order();
  expect(await stockOf(request, id)).toBe(1);

  const page = await context.newPage();
  await page.goto(`/orders/${first}`);
  await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
  // One click does not cancel: it asks, and "Keep the order" keeps it.
  await page.getByRole('button', { name: 'Cancel this order' }).click();
  await expect(page.getByRole('button', { name: 'Keep the order' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Yes, cancel it' })).toHaveCount(0);
  // Focus goes back to where the shopper was, not to the top of the page.
  await expect(page.getByRole('button', { name: 'Cancel this order' })).toBeFocused();
  expect(await stockOf(request, id)).toBe(1);
  await page.getByRole('button', { name: 'Cancel this order' }).click();
  await page.getByRole('button', { name: 'Yes, cancel it' }).click();
  await expect(page.getByTestId('order-status')).toHaveText('Cancelled');
  await expect(page.getByTestId('order-status')).toBeFocused();
  await expect(page.getByText('its items went back on sale')).toBeVisible();
  expect(await stockOf(request, id)).toBe(4);

  // Offline, it says the order was not cancelled and leaves it as it is. The live status is kept
  // down, as when its connection is: it would show the cancel made elsewhere below at once (as it
  // shows shipping, in the next test), and the page is to learn it from its own cancel's 409.
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  const second = await order();
  await page.route('**/api/orders/*/events', (route) => route.abort());
  await page.goto(`/orders/${second}`);
  await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
  await page.getByRole('button', { name: 'Cancel this order' }).click();
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Yes, cancel it' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    'The order was not cancelled. You are offline: this needs a connection.',
  );
  await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
  await context.setOffline(false);
  // Cancelled on another device meanwhile: the page shows the order as it now is.
  expect((await context.request.post(`/api/orders/${second}/cancel`, { data: {} })).status()).toBe(200);
  await page.getByRole('button', { name: 'Yes, cancel it' }).click();
  await expect(page.getByTestId('order-status')).toHaveText('Cancelled');
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(await stockOf(request, id)).toBe(4);
  await page.unroute('**/api/orders/*/events');

  // Not enough stock: the order is not placed, and the page leads back to the untouched cart.
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 5 } });
  const rejected = await order();
  await page.goto(`/orders/${rejected}`);
  await expect(page.getByTestId('order-status')).toHaveText('Not placed');
  await expect(page.getByText('not enough in stock (4 available)')).toBeVisible();
  await page.getByRole('link', { name: 'Back to your cart' }).click();
  await expect(line(page, id).getByTestId('quantity')).toHaveText('5');
  await context.close();
});

test('an order the shop ships shows "Shipped" live on its page, and offers no Cancel any more', async ({
  browser,
  request,
}) => {
  const context = await browser.newContext();
  await signUpContext(context);
  await addAddress(context);
  const id = await createProduct(request, 'Shipped lamp', 3);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  const order = await placeOrder(context);
  const page = await context.newPage();
  await page.goto(`/orders/${order}`);
  await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
  await expect(page.getByRole('button', { name: 'Cancel this order' })).toBeVisible();
  // Marks this document: a reload would lose it.
  await page.evaluate(() => document.body.setAttribute('data-before-shipping', ''));

  // The operator ships it (the vendor's token, as the API is used for the catalog).
  const shipped = await request.post(`/api/admin/orders/${order}/ship`, { headers: ADMIN });
  expect(shipped.status()).toBe(200);
  await expect(page.getByTestId('order-status')).toHaveText('Shipped');
  await expect(page.getByText('your order is on its way')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cancel this order' })).toHaveCount(0);
  await expect(page.locator('body[data-before-shipping]')).toHaveCount(1);
  expect(await stockOf(request, id)).toBe(2);
  await context.close();
});

// Without a service worker: Chromium does not always hand Playwright's routes a request that a
// controlling worker lets pass (see races.spec.ts), and this test must see the page's requests.
test.describe(() => {
  test.use({ serviceWorkers: 'block' });
  test('checkout says when the saved addresses could not load or one was removed elsewhere, and offers the ones left', async ({
    context,
    page,
  }) => {
    await signUpContext(context);
    await addAddress(context);
    const id = await createProduct(context.request, 'Retried kettle');
    expect(
      (await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } })).ok(),
    ).toBe(true);
    // The first request for the addresses fails as a dropped connection would.
    let failed = 0;
    // The context's route: the page's misses requests once the service worker controls the page.
    await context.route('**/api/me/addresses', (route) =>
      failed++ === 0 ? route.abort('connectionreset') : route.continue(),
    );
    await page.goto('/checkout');
    await expect(page.getByRole('alert')).toHaveText(
      'Your addresses could not load: the shop did not answer. Try again',
    );
    // No form for a new address in its place (the shopper has one), and no order without it.
    await expect(page.getByLabel('Full name')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Place order' })).toBeDisabled();
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('radio', { name: /2 Device Row, Leeds/ })).toBeChecked();

    // Removed on another device while this page offered it: no order goes there.
    const { items } = await (await context.request.get('/api/me/addresses')).json();
    expect((await context.request.delete(`/api/me/addresses/${items[0].id}`)).status()).toBe(204);
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect(page.getByRole('alert')).toHaveText(
      'That address was removed on another device. Choose where to deliver.',
    );
    expect((await (await context.request.get('/api/orders')).json()).items).toEqual([]);
    await saveAddressForm(page, {
      name: 'Dee Vice',
      line1: '9 New Street',
      city: 'York',
      postalCode: 'YO1 7HH',
      country: 'GB',
    });
    await expect(page.getByRole('radio', { name: /9 New Street, York/ })).toBeChecked();
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect(page).toHaveURL(/\/orders\//);
    await expect(page.getByText('Deliver to Dee Vice, 9 New Street, York')).toBeVisible();
  });
});
