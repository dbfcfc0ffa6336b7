import { randomUUID } from 'node:crypto';
import { expect, type Page, test } from '@playwright/test';
import { addAddress, createProduct, family, placeOrder, signUpContext } from './helpers.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/** Whether the page is wider than the screen: the shopper would have to scroll sideways. */
const widerThanScreen = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

test('Back from a product returns to the same place in the results, and so does a reload', async ({
  page,
}) => {
  await page.goto('/search?sort=newest');
  const cards = page.locator('ul.grid > li');
  await expect(cards).toHaveCount(24);
  const card = cards.nth(21).locator('a.card-link');
  await card.scrollIntoViewIfNeeded();
  const y = await page.evaluate(() => scrollY);
  expect(y).toBeGreaterThan(500);
  await card.click();
  await expect(page.getByTestId('product-title')).toBeVisible();
  await page.goBack();
  await expect(cards).toHaveCount(24);
  await expect.poll(() => page.evaluate(() => scrollY)).toBe(y);
  await expect(card).toBeInViewport();
  await page.reload();
  await expect(cards).toHaveCount(24);
  await expect.poll(() => page.evaluate(() => scrollY)).toBe(y);
});

test('a search link the API would refuse still shows results, not "the query string is not valid"', async ({
  page,
  request,
}) => {
  const word = `quibble${randomUUID().slice(0, 4)}`;
  await family(request, word, [
    ['Alpha', 1999],
    ['Beta', 1999],
    ['Gamma', 1999],
  ]);
  for (const extra of ['&page=abc', '&minPrice=cheap', '&sort=cheapest', '&page=5000']) {
    await page.goto(`/search?q=${word}${extra}`);
    await expect(page.getByTestId('result-count'), extra).toHaveText('3 results');
    await expect(page.getByRole('alert')).toHaveCount(0);
  }
  // A query pasted from somewhere, longer than the 500 characters the API takes.
  await page.goto(`/search?q=${encodeURIComponent(`${word} ${'long '.repeat(120)}`)}`);
  await expect(page.getByTestId('result-count')).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test.describe('on a phone', () => {
  test.use(PHONE);

  test('the folded filters say how many are chosen, and fold away to show the results', async ({
    page,
    request,
  }) => {
    const word = `wobble${randomUUID().slice(0, 4)}`;
    await family(request, word, [
      ['Alpha', 1999],
      ['Alpha', 1999],
      ['Alpha', 1999],
      ['Beta', 1999],
    ]);
    await page.goto(`/search?q=${word}&pageSize=2`);
    await expect(page.getByTestId('result-count')).toHaveText('4 results');
    const filters = page.locator('aside.facets details');
    await expect(filters).not.toHaveAttribute('open');
    await page.getByText('Filters', { exact: true }).click();
    await page.getByRole('group', { name: 'Brand' }).getByRole('radio', { name: /Alpha/ }).check();
    await expect(page.getByTestId('result-count')).toHaveText('3 results');
    await expect(page.getByText('Filters (1)', { exact: true })).toBeVisible();
    // The open filters fill the screen: one tap folds them and brings the results into view.
    await page.getByRole('button', { name: 'Show 3 results' }).click();
    await expect(filters).not.toHaveAttribute('open');
    await expect(page.locator('ul.grid > li').first()).toBeInViewport();
    // Turning the page with the filters open shows the next results, not the filters again.
    await page.getByText('Filters (1)', { exact: true }).click();
    await expect(filters).toHaveAttribute('open');
    await page.getByRole('link', { name: 'Next' }).click();
    await expect(page.getByRole('link', { name: 'Page 2' })).toHaveAttribute('aria-current', 'page');
    await expect(filters).not.toHaveAttribute('open');
    await expect(page.locator('ul.grid > li').first()).toBeInViewport();
  });

  test('the orders list and an order fit the screen', async ({ page, context, request }) => {
    const id = await createProduct(request, 'Narrow screen kettle', 5);
    await signUpContext(context);
    await addAddress(context);
    await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
    await page.goto(`/orders/${await placeOrder(context)}`);
    await expect(page.getByTestId('order-status')).toHaveText('Confirmed');
    expect(await widerThanScreen(page)).toBe(false);
    await page.goto('/orders');
    const row = page.locator('table.orders tbody tr').first();
    await expect(row).toContainText('1 item');
    await expect(row).toContainText('Confirmed');
    expect(await widerThanScreen(page)).toBe(false);
  });
});
