import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { contrast, createProduct, family, productTitle, signUpContext } from './helpers.js';

// Keyboard and screen-reader users moving around the shop: where the focus goes, what is said.

test('Skip to content moves the focus to the page, and the focus ring shows on the green header', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page.locator('main h1')).toBeVisible();
  const entries = await page.evaluate(() => history.length);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();
  // No page change: the same address, no entry for Back to undo.
  expect(new URL(page.url()).hash).toBe('');
  expect(await page.evaluate(() => history.length)).toBe(entries);
  // The next Tab goes on into the page, past the header.
  await page.keyboard.press('Tab');
  expect(
    await page.evaluate(() =>
      document.querySelector('main header, header.top')?.contains(document.activeElement),
    ),
  ).toBe(false);
  expect(await page.evaluate(() => document.getElementById('main')!.contains(document.activeElement))).toBe(
    true,
  );

  // Back into the header: its ring stands out from the green (3:1 at least).
  await page.keyboard.press('Shift+Tab');
  const ring = await page.evaluate(() => {
    const el = document.activeElement!;
    return {
      inHeader: !!el.closest('header.top'),
      visible: el.matches(':focus-visible'),
      outline: getComputedStyle(el).outlineColor,
      header: getComputedStyle(document.querySelector('header.top')!).backgroundColor,
    };
  });
  expect(ring.inHeader && ring.visible).toBe(true);
  expect(contrast(ring.outline, ring.header)).toBeGreaterThanOrEqual(3);
});

test('changing the results from within them brings the focus to their heading, and says which page', async ({
  page,
  request,
}) => {
  const word = `leaf${randomUUID().slice(0, 6)}`;
  await family(request, word, [
    ['Alpha', 1000],
    ['Alpha', 2000],
    ['Beta', 3000],
    ['Beta', 4000],
    ['Beta', 5000],
  ]);
  await page.goto(`/search?q=${word}&pageSize=2&sort=price_asc`);
  const heading = page.getByRole('main').getByRole('heading', { level: 1 });
  const status = page.getByRole('status').filter({ has: page.getByTestId('result-count') });
  const pager = page.getByRole('navigation', { name: 'Pages' });
  await expect(status).toHaveText('5 results, page 1 of 3');
  await expect(pager.getByRole('link', { name: 'Previous' })).toHaveAttribute('aria-disabled', 'true');

  await pager.getByRole('link', { name: 'Next' }).focus();
  await page.keyboard.press('Enter');
  await expect(status).toHaveText('5 results, page 2 of 3');
  await expect(heading).toBeFocused();
  await pager.getByRole('link', { name: 'Page 3' }).focus();
  await page.keyboard.press('Enter');
  await expect(status).toHaveText('5 results, page 3 of 3');
  await expect(heading).toBeFocused();
  await expect(heading).toBeInViewport();
  const next = pager.getByRole('link', { name: 'Next' });
  await expect(next).toHaveAttribute('aria-disabled', 'true');
  await expect(next).not.toHaveAttribute('href');

  // The filters and the sort keep the focus on themselves.
  const inStock = page.getByLabel('In stock only');
  await inStock.check();
  await expect(status).toHaveText('5 results, page 1 of 3');
  await expect(inStock).toBeFocused();
  const sort = page.getByLabel('Sort by');
  await sort.focus();
  await page.keyboard.press('ArrowDown');
  await expect(page).toHaveURL(/sort=price_desc/);
  await expect(sort).toBeFocused();

  // Nothing left with the filters: "Clear the filters" goes, the focus with it.
  await page.goto(`/search?q=${word}&brand=Nosuchbrand`);
  await page.getByRole('button', { name: 'Clear the filters' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('result-count')).toHaveText('5 results');
  await expect(heading).toBeFocused();

  // The words as typed, then a popular category from their empty result.
  await page.goto('/search?q=blendre');
  await page.getByTestId('corrected-query').getByRole('link', { name: 'blendre' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('result-count')).toHaveText('0 results');
  await expect(heading).toBeFocused();
  const chip = page.getByRole('navigation', { name: 'Popular categories' }).getByRole('link').first();
  const category = (await chip.textContent())!;
  await chip.focus();
  await page.keyboard.press('Enter');
  await expect(heading).toHaveText(category);
  await expect(page.getByTestId('result-count')).not.toHaveText('0 results');
  await expect(heading).toBeFocused();
});

test('the suggestion the arrow keys reach stands out, in a named list the box controls only while shown', async ({
  page,
  request,
}) => {
  await family(request, 'Zindlewort', [['Acme', 1000]]);
  await expect
    .poll(async () => (await (await request.get('/api/suggest?q=zindle')).json()).suggestions.length)
    .toBeGreaterThan(0);
  await page.goto('/');
  const box = page.getByRole('combobox', { name: 'Search products' });
  await box.click();
  await expect(box).not.toHaveAttribute('aria-controls');
  await box.pressSequentially('zindle');
  const list = page.getByRole('listbox', { name: 'Suggestions' });
  await expect(list).toBeVisible();
  await expect(box).toHaveAttribute('aria-controls', 'suggestions');
  await box.press('ArrowDown');
  const option = list.getByRole('option', { selected: true });
  const look = await option.evaluate((li) => ({
    background: getComputedStyle(li).backgroundColor,
    text: getComputedStyle(li).color,
    list: getComputedStyle(li.parentElement!).backgroundColor,
  }));
  expect(contrast(look.background, look.list)).toBeGreaterThanOrEqual(3);
  expect(contrast(look.text, look.background)).toBeGreaterThanOrEqual(4.5);
  await box.press('Escape');
  await box.press('Escape');
  await expect(list).toHaveCount(0);
  await expect(box).not.toHaveAttribute('aria-controls');
});

test('each add to the cart is said in a live region there from the start', async ({ page, request }) => {
  const id = await createProduct(request, 'Announced kettle', 10);
  const title = await productTitle(request, id);
  await page.goto(`/products/${id}`);
  await expect(page.getByTestId('product-title')).toHaveText(title);
  const status = page.locator('.product .buy [role="status"]');
  // Mounted empty, so that what comes into it is announced.
  await expect(status).toHaveCount(1);
  await expect(status).toHaveText('');
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await expect(status).toHaveText(`Added 1 × ${title}. Your cart has 1 item. View cart`);
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  // A second add says something new.
  await page.getByLabel('Quantity').selectOption('2');
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await expect(status).toHaveText(`Added 2 × ${title}. Your cart has 3 items. View cart`);
});

test('signing out, and showing the results on a phone, leave the focus on the page', async ({
  page,
  context,
  browser,
  request,
}) => {
  await signUpContext(context);
  await page.goto('/');
  await page.getByRole('button', { name: 'Sign out' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('main')).toBeFocused();

  const word = `fold${randomUUID().slice(0, 6)}`;
  await family(request, word, [
    ['Alpha', 1000],
    ['Alpha', 2000],
    ['Beta', 3000],
  ]);
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  const small = await phone.newPage();
  await small.goto(`/search?q=${word}`);
  await expect(small.getByTestId('result-count')).toHaveText('3 results');
  await small.getByText('Filters', { exact: true }).click();
  await small.getByRole('group', { name: 'Brand' }).getByRole('radio', { name: /Alpha/ }).check();
  await expect(small.getByTestId('result-count')).toHaveText('2 results');
  await small.getByRole('button', { name: 'Show 2 results' }).click();
  await expect(small.getByRole('main').getByRole('heading', { level: 1 })).toBeFocused();
  await phone.close();
});
