import { randomUUID } from 'node:crypto';
import { type BrowserContext, expect, test } from '@playwright/test';
import {
  ADMIN,
  addAddress,
  createProduct,
  expectQuantity,
  expectSaved,
  family,
  goWithin,
  line,
  logInContext,
  serverCart,
  signUpContext,
} from './helpers.js';

/** Orders the context's cart to its first saved address; the order's id. */
async function orderToAddress(context: BrowserContext): Promise<string> {
  const cart = await (await context.request.get('/api/cart')).json();
  const { items } = await (await context.request.get('/api/me/addresses')).json();
  const res = await context.request.post('/api/orders', {
    headers: { 'Idempotency-Key': randomUUID() },
    data: { cartId: cart.cartId, addressId: items[0].id },
  });
  expect(res.ok()).toBe(true);
  return (await res.json()).id;
}

test('signing out takes the orders and the delivery address off the screen', async ({
  page,
  context,
  request,
}) => {
  const id = await createProduct(request, 'Shared device kettle', 5);
  const email = await signUpContext(context);
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  const order = await orderToAddress(context);
  const main = page.getByRole('main');

  await page.goto('/orders');
  await expect(main.getByRole('link', { name: order })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(main.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await expect(main.getByRole('link', { name: order })).toHaveCount(0);
  await expect(main).not.toContainText('Confirmed');

  await logInContext(context, email);
  await page.goto(`/orders/${order}`);
  await expect(main).toContainText('2 Device Row');
  await expect(main.locator('.subtotal')).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(main.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await expect(main).not.toContainText('2 Device Row');
  await expect(main.locator('.subtotal')).toHaveCount(0);
  await expect(main.locator('.lines')).toHaveCount(0);
});

test('checkout says it is loading while the cart loads, not that the cart is empty', async ({
  page,
  context,
  request,
}) => {
  const id = await createProduct(request, 'Patient kettle', 5);
  await signUpContext(context);
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  // Whatever the page says, however briefly.
  await page.addInitScript(() => {
    new MutationObserver(() => {
      if (document.body?.textContent?.includes('Your cart is empty'))
        sessionStorage.setItem('said-empty', '1');
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto('/checkout');
  await expect(page.getByTestId('review-lines').locator(`[data-product="${id}"]`)).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem('said-empty'))).toBeNull();

  // A cart that is empty says so, and leads back to the shop.
  await context.request.patch(`/api/cart/lines/${id}`, { data: { quantity: 0 } });
  await page.reload();
  await expect(page.getByText('Your cart is empty')).toBeVisible();
  await page.getByRole('main').getByRole('link', { name: 'Find something you like' }).click();
  await expect(page).toHaveURL(/\/search$/);
});

test('checkout charges the prices it shows: one changed after the page loaded is refused, naming the new one', async ({
  page,
  context,
  request,
}) => {
  const id = await createProduct(request, 'Repriced radio', 5, 2599);
  await signUpContext(context);
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  await page.goto('/checkout');
  await expect(page.getByTestId('review-lines')).toContainText('$25.99');
  // The vendor reprices while the shopper reads the page.
  expect(
    (await request.patch(`/api/products/${id}`, { headers: ADMIN, data: { price: 3100 } })).status(),
  ).toBe(200);
  await page.getByRole('button', { name: 'Place order' }).click();
  // Refused: checkout stays, naming the new price (order-fixes.spec.ts takes it from there).
  await expect(page.getByTestId('checkout-rejected')).toBeVisible();
  await expect(page.getByTestId('line-problem')).toHaveText('Now $31.00 (was $25.99) — OK');
  expect((await (await request.get(`/api/products/${id}`)).json()).stock).toBe(5);
  expect(await serverCart(context)).toEqual({ [id]: 1 });
});

test('the product page offers only what is in stock beyond what the cart holds', async ({
  page,
  context,
  request,
}) => {
  const id = await createProduct(request, 'Last two kettle', 2);
  await page.goto(`/products/${id}`);
  const add = page.getByRole('button', { name: 'Add to cart' });
  await page.getByLabel('Quantity').selectOption('2');
  await add.click();
  await expect(page.getByTestId('cart-count')).toHaveText('2');
  await expect(add).toBeDisabled();
  await expect(page.getByTestId('stock-held')).toHaveText('Your cart holds all 2 in stock.');
  await page.goto('/cart');
  await expectQuantity(page, id, 2);
  await expectSaved(page);
  expect(await serverCart(context)).toEqual({ [id]: 2 });
});

// Without a service worker: Chromium does not always hand Playwright's routes a request that a
// controlling worker lets pass (see races.spec.ts), and this test must see the page's requests.
test.describe(() => {
  test.use({ serviceWorkers: 'block' });
  test('an add made before the cart has opened is kept for it, not lost', async ({
    page,
    context,
    request,
  }) => {
    const id = await createProduct(request, 'Early bird kettle', 5);
    // The page learns which cart is this browser's only once the test lets /api/cart answer.
    let answer = () => {};
    const held = new Promise<void>((resolve) => {
      answer = resolve;
    });
    await context.route('**/api/cart', async (route) => {
      await held;
      await route.fallback();
    });
    await page.goto(`/products/${id}`);
    await page.getByLabel('Quantity').selectOption('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    expect(await page.evaluate(() => localStorage.getItem('shopsync-cart'))).toBeNull(); // no cart yet
    await expect(page.getByTestId('cart-count')).toHaveText('0');
    answer();
    await expect(page.getByTestId('cart-count')).toHaveText('2');
    await page.getByRole('link', { name: /^Cart/ }).click();
    await expectQuantity(page, id, 2);
    await expectSaved(page);
    expect(await serverCart(context)).toEqual({ [id]: 2 });
  });
});

test('the cart says when a line asks more than is in stock, with stock fresh from the shop', async ({
  page,
  context,
  request,
}) => {
  const id = await createProduct(request, 'Dwindling kettle', 5);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 3 } });
  await page.goto('/cart');
  await expectQuantity(page, id, 3);
  await expect(line(page, id).getByTestId('line-stock')).toHaveCount(0);
  const setStock = async (stock: number) =>
    expect((await request.put(`/api/products/${id}/stock`, { headers: ADMIN, data: { stock } })).ok()).toBe(
      true,
    );

  // Sold elsewhere while the shopper browses: back on the cart, it says so.
  await setStock(1);
  await page.getByRole('link', { name: 'ShopSync home' }).click();
  await page.getByRole('link', { name: /^Cart/ }).click();
  await expect(line(page, id).getByTestId('line-stock')).toHaveText('Only 1 left');
  await setStock(0);
  await page.getByRole('link', { name: 'ShopSync home' }).click();
  await page.getByRole('link', { name: /^Cart/ }).click();
  await expect(line(page, id).getByTestId('line-stock')).toHaveText('Out of stock');
});

// Without a service worker: Chromium does not always hand Playwright's routes a request that a
// controlling worker lets pass (see races.spec.ts), and this test must see the page's requests.
test.describe(() => {
  test.use({ serviceWorkers: 'block' });
  test('a shop that does not answer is not reported as being offline, and Try again loads', async ({
    context,
    page,
  }) => {
    await page.goto('/search?q=lamp');
    await expect(page.getByTestId('result-count')).toBeVisible();
    // The browser is online; the shop's search does not answer.
    await context.route('**/api/search?**', (route) => route.abort('connectionrefused'));
    await page.getByLabel('Search products').fill('kettle');
    await page.getByLabel('Search products').press('Enter');
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('The shop is not answering');
    await expect(alert).not.toContainText('offline');
    await context.unroute('**/api/search?**');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByTestId('result-count')).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
  });
});

test('a missing order or product says so under a heading and offers a way on', async ({ page, context }) => {
  const main = page.getByRole('main');
  // Status 404 as well: crawlers and uptime checks see what the shopper sees.
  expect((await page.goto('/products/does-not-exist'))?.status()).toBe(404);
  await expect(main.getByRole('heading', { level: 1 })).toHaveText('Product not found');
  await expect(main).toContainText('no longer in the catalog');
  await expect(page).toHaveTitle('Product not found · ShopSync');
  await main.getByRole('link', { name: 'Browse all products' }).click();
  await expect(page.getByTestId('result-count')).toBeVisible();

  await page.goto('/orders/o_doesnotexist');
  await expect(main.getByRole('heading', { level: 1 })).toHaveText('Your order');
  await main.getByRole('link', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/signin\?next=%2Forders%2Fo_doesnotexist$/);

  await signUpContext(context);
  await page.goto('/orders/o_doesnotexist');
  await expect(main.getByRole('heading', { level: 1 })).toHaveText('Order not found');
  await expect(main).not.toContainText('no such order');
  await expect(page).toHaveTitle('Order not found · ShopSync');
  await main.getByRole('link', { name: 'Your orders' }).click();
  await expect(main.getByRole('heading', { level: 1 })).toHaveText('Your orders');

  // A link cut short in the middle of a %-escape: the shop's own page, not a JSON error or a blank app.
  for (const path of ['/products/50%', '/products/%E0%A4%A']) {
    await page.goto(path);
    await expect(main.getByRole('heading', { level: 1 })).toHaveText('Product not found');
  }
});

test('"−" down to none removes the line as Remove does, with Undo', async ({ page, context, request }) => {
  const id = await createProduct(request, 'Fickle kettle', 5);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  await page.goto('/cart');
  await expectQuantity(page, id, 1);
  await line(page, id).getByRole('button', { name: 'Decrease quantity' }).click();
  await expect(line(page, id)).toHaveCount(0);
  await expect(page.getByTestId('removed')).toContainText('Removed Fickle kettle');
  await page.getByTestId('removed').getByRole('button', { name: 'Undo' }).click();
  await expectQuantity(page, id, 1);
});

test('a filter with many values shows them all on request, and fewer again', async ({ page, request }) => {
  const word = `manybrand${randomUUID().slice(0, 4)}`;
  await family(
    request,
    word,
    Array.from({ length: 14 }, (_, i): [string, number] => [`Brand${String.fromCharCode(65 + i)}`, 1000]),
  );
  await page.goto(`/search?q=${word}`);
  await expect(page.getByTestId('result-count')).toHaveText('14 results');
  const brand = page.getByRole('group', { name: 'Brand' });
  // "Any brand" and the 12 commonest.
  await expect(brand.getByRole('radio')).toHaveCount(13);
  const more = brand.getByRole('button', { name: 'Show all 14' });
  await expect(more).toHaveAttribute('aria-expanded', 'false');
  await more.focus();
  await page.keyboard.press('Enter');
  await expect(brand.getByRole('radio')).toHaveCount(15);
  const fewer = brand.getByRole('button', { name: 'Show fewer' });
  await expect(fewer).toBeFocused();
  await expect(fewer).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('Space');
  await expect(brand.getByRole('radio')).toHaveCount(13);
});

test('a filter offers every brand of the results, past the 30 it once stopped at', async ({
  page,
  request,
}) => {
  const word = `allbrands${randomUUID().slice(0, 4)}`;
  await family(
    request,
    word,
    Array.from({ length: 44 }, (_, i): [string, number] => [`Maker${String(i).padStart(2, '0')}`, 1000]),
  );
  await page.goto(`/search?q=${word}`);
  await expect(page.getByTestId('result-count')).toHaveText('44 results');
  const brand = page.getByRole('group', { name: 'Brand' });
  await brand.getByRole('button', { name: 'Show all 44' }).click();
  // "Any brand" and all 44.
  await expect(brand.getByRole('radio')).toHaveCount(45);
  await expect(brand.getByRole('radio', { name: 'Maker43 (1)' })).toBeVisible();
});

test('the result count is a polite live region, so a screen reader hears it change', async ({
  page,
  request,
}) => {
  const word = `hearsay${randomUUID().slice(0, 4)}`;
  await family(request, word, [
    ['Alpha', 1999],
    ['Alpha', 2999],
    ['Beta', 3999],
  ]);
  await page.goto(`/search?q=${word}`);
  const status = page.getByRole('status').filter({ has: page.getByTestId('result-count') });
  await expect(status).toHaveText('3 results');
  await page.getByRole('group', { name: 'Brand' }).getByRole('radio', { name: /Alpha/ }).check();
  await expect(status).toHaveText('2 results');
});

test('sign-in and sign-up say who is signed in, not a form, and lead on', async ({ page, context }) => {
  const email = await signUpContext(context, 'Sid Already');
  const main = page.getByRole('main');

  await page.goto('/signin?next=/cart');
  await expect(main.getByRole('heading', { level: 1 })).toHaveText('You are signed in');
  await expect(main).toContainText(`Signed in as Sid Already (${email}).`);
  await expect(main.getByLabel('Password')).toHaveCount(0);
  await main.getByRole('link', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/cart$/);

  await page.goto('/signup');
  await expect(main.getByRole('heading', { level: 1 })).toHaveText('You are signed in');
  await expect(main.getByLabel('Password')).toHaveCount(0);
  await main.getByRole('link', { name: 'Your account' }).click();
  await expect(page).toHaveURL(/\/account$/);

  // Another account: signing out here brings the form back.
  await page.goto('/signin');
  await main.getByRole('button', { name: 'Use another account' }).click();
  await expect(main.getByRole('heading', { level: 1 })).toHaveText('Sign in');
  await expect(main.getByLabel('Password')).toBeVisible();
});

test('a wrong password is said in a sentence, not the API text', async ({ page, context }) => {
  const email = await signUpContext(context);
  await context.clearCookies();
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not-the-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText("That email and password don't match an account.");
});

test('a corrected search names the corrected words in its heading', async ({ page, request }) => {
  await createProduct(request, 'Lenovo ThinkPad X1 Carbon');
  await page.goto(`/search?q=${encodeURIComponent('lenvo thinkpad')}`);
  const main = page.getByRole('main');
  await expect(page.getByTestId('corrected-query')).toHaveText(
    'Showing results for lenovo thinkpad. Search instead for lenvo thinkpad',
  );
  await expect(main.getByRole('heading', { level: 1 })).toHaveText('Results for “lenovo thinkpad”');
  await expect(page).toHaveTitle('Results for “lenovo thinkpad” · ShopSync');
  // The words as typed, when asked for, are named as typed.
  await page.getByRole('link', { name: 'lenvo thinkpad' }).click();
  await expect(page).toHaveURL(/[?&]exact=1/);
  await expect(page.getByTestId('corrected-query')).toHaveCount(0);
  await expect(main.getByRole('heading', { level: 1 })).toHaveText('Results for “lenvo thinkpad”');
});

// Without a service worker: Chromium does not always hand Playwright's routes a request that a
// controlling worker lets pass (see races.spec.ts), and this test must see the page's requests.
test.describe(() => {
  test.use({ serviceWorkers: 'block' });
  test('a product image keeps its box and a neutral placeholder while it loads, and says when it failed', async ({
    context,
    page,
    request,
  }) => {
    const word = `slowimage${randomUUID().slice(0, 4)}`;
    const res = await request.post('/api/products', {
      headers: ADMIN,
      data: {
        title: `Mothlight ${word}`,
        brand: 'Testbrand',
        description: 'Made for the end-to-end suite.',
        price: 2599,
        stock: 5,
        images: [`https://images.e2e.invalid/${word}.jpg`],
      },
    });
    expect(res.status()).toBe(201);
    const id = (await res.json()).id;
    const image = page.locator('.card').filter({ hasText: word }).locator('.img');

    // An image that never arrives: the card keeps a square box of a colour other than the card's.
    await context.route('https://images.e2e.invalid/**', () => undefined);
    await page.goto(`/search?q=${word}`);
    await expect(image).toHaveCount(1);
    const box = await image.boundingBox();
    expect(box?.width).toBeGreaterThan(100);
    expect(Math.abs((box?.height ?? 0) - (box?.width ?? 0))).toBeLessThan(2);
    const colours = await image.evaluate((el) => ({
      image: getComputedStyle(el).backgroundColor,
      card: getComputedStyle(el.closest('.card')!).backgroundColor,
    }));
    expect(colours.image).not.toBe(colours.card);
    expect(colours.image).not.toBe('rgba(0, 0, 0, 0)');

    // An image that fails: the box stays, and says there is no image.
    await context.unrouteAll({ behavior: 'ignoreErrors' });
    await context.route('https://images.e2e.invalid/**', (route) => route.abort());
    await page.reload();
    await expect(image).toContainText('No image');
    await expect(image).toBeVisible();
    const failed = await image.boundingBox();
    expect(failed?.width).toBeGreaterThan(100);
    expect(Math.abs((failed?.height ?? 0) - (failed?.width ?? 0))).toBeLessThan(2);
    // On the product page, the failed image still names the product.
    await page.goto(`/products/${id}`);
    await expect(page.getByRole('img', { name: `Mothlight ${word}` })).toContainText('No image');
  });
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('the header links and a cart line’s Remove are at least 24px tall to tap', async ({
    page,
    context,
    request,
  }) => {
    const id = await createProduct(request, 'Fingertip kettle', 5);
    await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
    await page.goto('/cart');
    await expectQuantity(page, id, 1);
    const targets = [
      page.getByRole('banner').getByRole('link', { name: 'Sign in' }),
      page.getByRole('banner').getByRole('link', { name: /^Cart/ }),
      line(page, id).getByRole('button', { name: 'Remove' }),
    ];
    for (const target of targets) {
      const box = await target.boundingBox();
      expect(box?.height, String(target)).toBeGreaterThanOrEqual(24);
      expect(box?.width, String(target)).toBeGreaterThanOrEqual(24);
    }
  });
});

test('an order whose reviewed entries changed elsewhere, at the same quantity, says so and orders nothing', async ({
  browser,
  request,
}) => {
  const p = await createProduct(request, 'Review Kettle', 5);
  const context = await browser.newContext();
  await signUpContext(context);
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: p, quantity: 2 } });
  const page = await context.newPage();
  await page.goto('/checkout');
  await expect(page.getByTestId('review-lines')).toContainText('× 2');
  await expect(page.getByRole('button', { name: 'Place order' })).toBeEnabled();
  // Another device: "−" then "+": the same quantity, in other entries than the ones reviewed.
  await context.request.patch(`/api/cart/lines/${p}`, { data: { quantity: 1 } });
  await context.request.post('/api/cart/lines', { data: { productId: p, quantity: 1 } });
  await expect(page.getByText('Your cart changed on another device.')).toBeVisible();
  // The reviewed entries are gone: Place order waits for a new review, and pressed orders nothing.
  const placeButton = page.getByRole('button', { name: 'Place order' });
  await expect(placeButton).toHaveAttribute('aria-disabled', 'true');
  await placeButton.click({ force: true });
  await expect(placeButton).toHaveText('Place order');
  expect((await (await context.request.get('/api/orders')).json()).items).toEqual([]);
  await page.getByRole('button', { name: 'Review the new cart' }).click();
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page).toHaveURL(/\/orders\/[^/]+$/);
  await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
  await context.close();
});

test('a removal is not undone into another cart after signing out', async ({ browser, request }) => {
  const p = await createProduct(request, 'Undo Lamp', 5);
  const context = await browser.newContext();
  await signUpContext(context);
  await context.request.post('/api/cart/lines', { data: { productId: p, quantity: 1 } });
  const page = await context.newPage();
  await page.goto('/cart');
  await line(page, p).getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('removed')).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  // The guest cart is on the screen now: the account cart's removal is no longer offered back.
  await expect(page.getByTestId('cart-empty')).toBeVisible();
  await expect(page.getByTestId('removed')).toHaveCount(0);
  expect(await serverCart(context)).toEqual({});
  await context.close();
});

test('the cart says it is loading, not empty, until the server copy has come', async ({
  browser,
  request,
}) => {
  const p = await createProduct(request, 'Slow Sync Mug', 5);
  const context = await browser.newContext();
  await signUpContext(context);
  await context.request.post('/api/cart/lines', { data: { productId: p, quantity: 1 } });
  const page = await context.newPage();
  // What the server sends on the cart's sync is held until the test lets it through.
  let holding = true;
  const held: (() => void)[] = [];
  await page.routeWebSocket(/\/sync\//, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => (holding ? held.push(() => ws.send(m)) : ws.send(m)));
  });
  await page.goto('/cart');
  await expect(page.getByTestId('cart-loading')).toHaveText('Loading your cart…');
  await expect.poll(() => held.length).toBeGreaterThan(0);
  await expect(page.getByTestId('cart-empty')).toHaveCount(0);
  holding = false;
  for (const send of held.splice(0)) send();
  await expectQuantity(page, p, 1);
  await expect(page.getByTestId('cart-loading')).toHaveCount(0);
  await context.close();
});

test('checkout places nothing until every line shows its price, and says so', async ({
  context,
  page,
  request,
}) => {
  const id = await createProduct(request, 'Slow Price Camera', 3, 64900);
  await signUpContext(context);
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  // The product's details are slow to come (a slow network): held until the test lets them go.
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await context.route(`**/api/products/${id}`, async (route) => {
    await released;
    await route.continue().catch(() => {});
  });
  await page.goto('/checkout');
  const review = page.getByTestId('review-lines');
  await expect(review.locator('.line')).toHaveCount(1);
  // Not the product's id at $0.00 with Place order on offer: the order charges what is shown.
  await expect(review).toContainText('Loading…');
  await expect(review).not.toContainText(id);
  await expect(page.getByTestId('checkout-total')).toHaveText('—');
  await expect(page.getByTestId('checkout-blocked')).toHaveText('Loading prices…');
  const place = page.getByRole('button', { name: 'Place order' });
  await expect(place).toBeDisabled();
  release();
  await expect(page.getByTestId('checkout-total')).toHaveText('$649.00');
  await expect(place).toBeEnabled();
  await place.click();
  await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
  await expect(page.locator('.subtotal')).toHaveText('Total: $649.00');
});

test('checkout opened offline says the prices could not load, and loads them when back online', async ({
  context,
  page,
  request,
}) => {
  const id = await createProduct(request, 'Offline Price Lamp', 3, 1999);
  await signUpContext(context);
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 2 } });
  await page.goto('/');
  await expect(page.getByTestId('cart-count')).toHaveText('2');
  await expect(page.locator('html[data-offline-ready="true"]')).toHaveCount(1, { timeout: 15_000 });
  await context.setOffline(true);
  await goWithin(page, '/checkout');
  await expect(page.getByTestId('checkout-blocked')).toHaveText(/Prices could not load: you are offline/);
  await expect(page.getByTestId('checkout-total')).toHaveText('—');
  await expect(page.getByRole('button', { name: 'Place order' })).toBeDisabled();
  await context.setOffline(false);
  await expect(page.getByTestId('checkout-total')).toHaveText('$39.98');
  await expect(page.getByTestId('checkout-blocked')).toHaveText('');
  // The addresses, which could not load either, came back too.
  await expect(page.getByRole('group', { name: 'Deliver to' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Place order' })).toBeEnabled();
});

// Without a service worker: Chromium does not always hand Playwright's routes a request that a
// controlling worker lets pass (see races.spec.ts), and this test must see the page's requests.
test.describe(() => {
  test.use({ serviceWorkers: 'block' });
  test('checkout asks again, unprompted, for prices and addresses the shop did not answer', async ({
    context,
    page,
    request,
  }) => {
    const id = await createProduct(request, 'Retry Price Lamp', 3, 1999);
    await signUpContext(context);
    await addAddress(context);
    await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 2 } });
    // The browser is online, and the first answers are lost: what a request made the moment the
    // browser says it is back online meets when the network is not up yet. No 'online' event
    // follows, and no one presses Try again.
    await context.route(`**/api/products/${id}`, (route) => route.abort('connectionrefused'), { times: 1 });
    await context.route('**/api/me/addresses', (route) => route.abort('connectionrefused'), { times: 1 });
    await page.goto('/checkout');
    await expect(page.getByTestId('checkout-blocked')).toHaveText(
      /Prices could not load: the shop did not answer/,
    );
    await expect(page.getByTestId('checkout-total')).toHaveText('$39.98');
    await expect(page.getByTestId('checkout-blocked')).toHaveText('');
    await expect(page.getByRole('group', { name: 'Deliver to' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Place order' })).toBeEnabled();
  });
});

test('lines that cannot be ordered as they are say why, in the cart and at checkout, which orders nothing', async ({
  context,
  page,
  request,
}) => {
  const [fine, short, gone] = [
    await createProduct(request, 'Fine Fan', 5, 1000),
    await createProduct(request, 'Short Shelf', 1, 2000),
    await createProduct(request, 'Gone Gadget', 5, 3000),
  ];
  await signUpContext(context);
  await addAddress(context);
  for (const [productId, quantity] of [
    [fine, 1],
    [short, 1],
    [gone, 1],
  ] as const)
    await context.request.post('/api/cart/lines', { data: { productId, quantity } });
  expect((await request.delete(`/api/products/${gone}`, { headers: ADMIN })).status()).toBe(204);

  await page.goto('/cart');
  await expectQuantity(page, short, 1);
  // "+" stops at what the shop has, as the product page does.
  await expect(line(page, short).getByRole('button', { name: 'Increase quantity' })).toBeDisabled();
  await expect(line(page, fine).getByRole('button', { name: 'Increase quantity' })).toBeEnabled();
  await expect(line(page, gone).getByTestId('line-stock')).toHaveText(
    'The shop no longer sells this item: remove it to check out.',
  );
  await expect(page.locator('.subtotal')).toHaveText('Subtotal: $30.00');

  // Sold elsewhere meanwhile: at checkout both problems are named, and nothing can be placed.
  expect(
    (await request.put(`/api/products/${short}/stock`, { headers: ADMIN, data: { stock: 0 } })).ok(),
  ).toBe(true);
  await page.getByRole('link', { name: 'Proceed to checkout' }).click();
  const review = page.getByTestId('review-lines');
  await expect(review.locator(`[data-product="${gone}"]`)).toContainText('No longer sold');
  await expect(review.locator(`[data-product="${short}"]`)).toContainText('Out of stock');
  await expect(review.locator(`[data-product="${fine}"]`).getByTestId('line-problem')).toHaveCount(0);
  await expect(page.getByTestId('checkout-blocked')).toHaveText(
    '2 items cannot be ordered as they are: fix them above, or change your cart.',
  );
  await expect(page.getByRole('button', { name: 'Place order' })).toBeDisabled();
  await page.getByRole('link', { name: 'change your cart' }).click();
  await expect(page).toHaveURL(/\/cart$/);
  await line(page, gone).getByRole('button', { name: 'Remove' }).click();
  await line(page, short).getByRole('button', { name: 'Remove' }).click();
  await expectSaved(page);
  await page.getByRole('link', { name: 'Proceed to checkout' }).click();
  await expect(page.getByTestId('checkout-total')).toHaveText('$10.00');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
  // The order took the checkout's place: Back is the cart, not a checkout of an emptied cart.
  await page.goBack();
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.getByTestId('cart-empty')).toBeVisible();
});

test('an order refused for a product no longer sold names the line and says when it was tried', async ({
  context,
  page,
  request,
}) => {
  const gone = await createProduct(request, 'Vanished Vase', 5, 1500);
  await signUpContext(context);
  await context.request.post('/api/cart/lines', { data: { productId: gone, quantity: 1 } });
  expect((await request.delete(`/api/products/${gone}`, { headers: ADMIN })).status()).toBe(204);
  const cart = await (await context.request.get('/api/cart')).json();
  const res = await context.request.post('/api/orders', {
    headers: { 'Idempotency-Key': randomUUID() },
    data: { cartId: cart.cartId },
  });
  const { id } = await res.json();
  await page.goto(`/orders/${id}`);
  await expect(page.getByTestId('order-status')).toHaveText('Not placed');
  await expect(page.locator('.meta')).toContainText('Tried');
  await expect(page.locator('.meta')).not.toContainText('Placed');
  await expect(page.locator('.reasons')).toHaveText('An item the shop no longer sells: no longer sold');
  await expect(page.locator('.lines .title')).toHaveText('An item the shop no longer sells');
});

test('a price still on its way when Try again is pressed shows once it comes', async ({
  context,
  page,
  request,
}) => {
  const [slow, failing] = [
    await createProduct(request, 'Slow Sofa', 3, 10000),
    await createProduct(request, 'Failing Futon', 3, 5000),
  ];
  await signUpContext(context);
  await addAddress(context);
  for (const productId of [slow, failing])
    await context.request.post('/api/cart/lines', { data: { productId, quantity: 1 } });
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await context.route(`**/api/products/${slow}`, async (route) => {
    await released;
    await route.continue().catch(() => {});
  });
  let failures = 0;
  await context.route(`**/api/products/${failing}`, (route) =>
    failures++ === 0 ? route.fulfill({ status: 502, body: 'bad gateway' }) : route.continue(),
  );
  await page.goto('/checkout');
  const blocked = page.getByTestId('checkout-blocked');
  await expect(blocked).toContainText('Prices could not load: the shop did not answer.');
  // Asked again while the slow one is still on its way: only the failed one is asked for.
  await blocked.getByRole('button', { name: 'Try again' }).click();
  await expect(blocked).toHaveText('Loading prices…');
  release();
  await expect(page.getByTestId('checkout-total')).toHaveText('$150.00');
  await expect(page.getByRole('button', { name: 'Place order' })).toBeEnabled();
});

test('a cart priced in two currencies shows a total per currency, and checkout says to order them apart', async ({
  page,
  context,
  request,
}) => {
  const dollars = await createProduct(request, 'Dollar lamp', 5, 2599);
  const euros = await createProduct(request, 'Euro kettle', 5, { amount: 5995, currency: 'EUR' });
  await signUpContext(context);
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: dollars, quantity: 2 } });
  await context.request.post('/api/cart/lines', { data: { productId: euros, quantity: 1 } });
  await page.goto('/cart');
  // Never added across currencies: $51.98 and €59.95, each in its own.
  await expect(page.locator('.subtotal')).toHaveText(/Subtotal: (\$51\.98 \+ €59\.95|€59\.95 \+ \$51\.98)$/);
  await page.goto('/checkout');
  await expect(page.getByTestId('checkout-total')).toHaveText(/^(\$51\.98 \+ €59\.95|€59\.95 \+ \$51\.98)$/);
  await expect(page.getByTestId('checkout-blocked')).toContainText('priced in 2 currencies');
  await expect(page.getByRole('button', { name: 'Place order' })).toBeDisabled();
  // With the euro line gone, the order goes through in dollars.
  await page.goto('/cart');
  await line(page, euros).getByRole('button', { name: 'Remove' }).click();
  await expect(page.locator('.subtotal')).toHaveText('Subtotal: $51.98');
  await expectSaved(page);
  await page.goto('/checkout');
  await expect(page.getByTestId('checkout-total')).toHaveText('$51.98');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
});
