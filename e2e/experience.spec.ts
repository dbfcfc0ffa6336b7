import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { expect, test } from '@playwright/test';
import { ADMIN, createProduct, expectQuantity, signUpContext } from './helpers.js';

/** The JavaScript budget for the first load. */
const INITIAL_JS_BUDGET_BYTES = 80 * 1024;

test('the first load stays within the JavaScript budget; LCP is measured and reported', async ({
  browser,
  request,
}, testInfo) => {
  // The initial JavaScript is what index.html references (entry script and its modulepreloads);
  // route chunks load on demand. Gzip sizes are computed here, whatever encoding the server picks.
  const html = await (await request.get('/')).text();
  const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  expect(scripts.length).toBeGreaterThan(0);
  let gzipped = 0;
  for (const url of scripts) {
    const res = await request.get(url);
    expect(res.headers()['cache-control']).toContain('immutable');
    gzipped += zlib.gzipSync(await res.body()).length;
  }
  expect(gzipped).toBeLessThan(INITIAL_JS_BUDGET_BYTES);

  // Largest Contentful Paint on a cold load (fresh context: no service worker, empty cache).
  const lcp: Record<string, number> = {};
  const productId = await createProduct(request, 'Measured Lamp');
  for (const [name, url] of [
    ['home', '/'],
    ['search', '/search?q=lamp'],
    ['product', `/products/${productId}`],
  ] as const) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await expect(page.locator('main h1').first()).toBeVisible();
    lcp[name] = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          new PerformanceObserver((list) => {
            const entries = list.getEntries();
            resolve(entries[entries.length - 1]!.startTime);
          }).observe({ type: 'largest-contentful-paint', buffered: true });
        }),
    );
    await context.close();
  }
  const figures = { initialJsGzipBytes: gzipped, initialJsFiles: scripts.length, lcpMs: lcp };
  console.log('storefront performance:', JSON.stringify(figures));
  fs.mkdirSync(path.resolve(import.meta.dirname, '../reports'), { recursive: true });
  fs.writeFileSync(
    path.resolve(import.meta.dirname, '../reports/client-perf.json'),
    `${JSON.stringify(figures, null, 2)}\n`,
  );
  await testInfo.attach('client-perf.json', { body: JSON.stringify(figures, null, 2) });
});

test('a keyboard alone finds a product through suggestions, adds it and changes the cart', async ({
  browser,
}, testInfo) => {
  const context = await browser.newContext();
  await signUpContext(context);
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.getByRole('heading', { name: /one cart on every device/ })).toBeVisible();

  // The first Tab reaches the skip link, which is visible when focused.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeInViewport();

  // Suggestions come from the catalog's vocabulary ("keyboard" is in every seeded catalog).
  const search = page.getByLabel('Search products');
  await search.focus();
  await page.keyboard.type('keyb');
  const option = page.getByRole('option', { name: /keyboard/i }).first();
  await expect(option).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('suggestions.png') });
  // Arrowing shows each suggestion in the box; Escape puts back what was typed, then closes the list.
  await page.keyboard.press('ArrowDown');
  await expect(option).toHaveAttribute('aria-selected', 'true');
  await expect(search).toHaveAttribute('aria-activedescendant', 'suggestion-0');
  const first = (await page.getByRole('option').first().locator('span').textContent())!;
  await expect(search).toHaveValue(first);
  await page.keyboard.press('Escape');
  await expect(search).toHaveValue('keyb');
  await expect(search).not.toHaveAttribute('aria-activedescendant');
  await expect(option).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(option).toBeHidden();
  await expect(search).toHaveValue('keyb');
  await page.keyboard.press('ArrowDown');
  await expect(option).toHaveAttribute('aria-selected', 'true');
  await expect(search).toHaveValue(first);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/search\?q=keyboard/);

  // Focus moved to the new page; Tab walks through the filters into the results.
  await expect(page.getByTestId('result-count')).toBeVisible(); // the results, not the home grid
  const card = page.locator('.results .card-link').first();
  const id = decodeURIComponent((await card.getAttribute('href'))!.split('/').pop()!);
  const stock = await context.request.put(`/api/products/${id}/stock`, {
    headers: ADMIN,
    data: { stock: 9 },
  });
  expect(stock.ok()).toBe(true);
  for (let i = 0; i < 60 && !(await card.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab');
  }
  await expect(card).toBeFocused();
  // Focus is visible: an outline is drawn around the focused link.
  expect(await card.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('product-title')).toBeVisible();

  await page.getByLabel('Quantity').focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Add to cart' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-count')).toHaveText('1');

  await page.goto('/cart');
  await page.getByRole('button', { name: 'Increase quantity' }).focus();
  await page.keyboard.press('Space');
  await expectQuantity(page, id, 2);
  await page.keyboard.press('Shift+Tab'); // back to "Decrease quantity"
  await page.keyboard.press('Enter');
  await expectQuantity(page, id, 1);
  await context.close();
});

test('search explains an empty result and a missing product, and says when it needs a connection', async ({
  page,
}, testInfo) => {
  await page.goto('/search?q=zzqxjv');
  await expect(page.getByTestId('result-count')).toHaveText('0 results');
  await expect(page.getByText('Nothing matched')).toBeVisible();
  // ...and offers somewhere to go instead.
  const popular = page.getByRole('navigation', { name: 'Popular categories' }).getByRole('link');
  await expect(popular.first()).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('search-empty.png') });
  const category = (await popular.first().textContent())!;
  await popular.first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(category);
  await expect(page.getByTestId('result-count')).toHaveText(/^[1-9][\d,]* results?$/);

  // A word read as a typo: the page says what it searched.
  await page.goto('/search?q=blendre');
  await expect(page.getByTestId('corrected-query')).toHaveText(
    'Showing results for blender. Search instead for blendre',
  );
  await expect(page.getByTestId('result-count')).not.toHaveText('0 results');
  // ...and searches the word as typed when asked: no product says "blendre".
  await page.getByRole('link', { name: 'blendre' }).click();
  await expect(page).toHaveURL(/[?&]exact=1/);
  await expect(page.getByTestId('result-count')).toHaveText('0 results');
  await expect(page.getByTestId('corrected-query')).toHaveCount(0);

  await page.goto('/products/no-such-product');
  await expect(page.getByText('no longer in the catalog')).toBeVisible();

  await page.goto('/search?q=lamp');
  await expect(page.getByTestId('result-count')).toBeVisible();
  await page.context().setOffline(true);
  await page.getByLabel('Search products').fill('kettle');
  await page.getByLabel('Search products').press('Enter');
  await expect(page.getByRole('alert')).toContainText('needs a connection');
  await page.screenshot({ path: testInfo.outputPath('search-offline.png') });
  await page.context().setOffline(false);
});
