import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { expect, type Page, test } from '@playwright/test';
import { addAddress, createProduct, placeOrder, signUpContext } from './helpers.js';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe-core (WCAG 2.1 A and AA rules) on the page as it is; the violations, readably. */
async function audit(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Violation[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations;
  });
  return violations.map(
    (v) =>
      `${v.impact} ${v.id}: ${v.help} — ${v.nodes
        .map((n) => n.target.join(' '))
        .slice(0, 5)
        .join(', ')}`,
  );
}

test('every page passes the WCAG 2.1 A and AA rules axe-core checks', async ({ browser, request }) => {
  // Sixteen pages, each loaded and audited: ~30 s alone, near a minute on a loaded machine.
  test.setTimeout(180_000);
  const id = await createProduct(request, 'Accessible lamp', 5);
  // axe is injected as an inline script, which the shop's Content-Security-Policy refuses.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  const found: Record<string, string[]> = {};
  const check = async (name: string, url: string, ready: (p: Page) => Promise<void>) => {
    await page.goto(url);
    await ready(page);
    found[name] = await audit(page);
  };
  const h1 = async (p: Page) => {
    await expect(p.locator('main h1').first()).toBeVisible();
  };
  await check('home', '/', h1);
  await check('search', '/search?q=lamp', async (p) => {
    await expect(p.locator('.hits a, .results a').first()).toBeVisible();
  });
  await check('no results', `/search?q=${randomUUID()}`, h1);
  await check('product', `/products/${id}`, async (p) => {
    await expect(p.getByTestId('product-title')).toBeVisible();
  });
  await check('sign in', '/signin', h1);
  await check('sign up', '/signup', h1);
  await check('forgot password', '/forgot-password', h1);
  await check('reset password', '/reset-password?token=from-a-mail', h1);
  await check('confirm email', '/confirm-email?token=from-a-mail', h1);
  await check('not found', '/no-such-page', h1);
  await signUpContext(context);
  await addAddress(context);
  await context.request.post('/api/cart/lines', { data: { productId: id, quantity: 1 } });
  await check('cart', '/cart', async (p) => {
    await expect(p.locator('.lines li').first()).toBeVisible();
  });
  await check('checkout', '/checkout', async (p) => {
    await expect(p.getByTestId('review-lines')).toBeVisible();
  });
  await check('account', '/account', h1);
  const orderId = await placeOrder(context);
  await check('order', `/orders/${orderId}`, async (p) => {
    await expect(p.getByTestId('order-status')).toHaveText('Confirmed');
  });
  await check('orders', '/orders', async (p) => {
    await expect(p.locator('table.orders tbody tr').first()).toBeVisible();
  });
  expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  await context.close();
});

test('on a phone, with the filters and the suggestions open, the pages pass too', async ({
  browser,
  request,
}) => {
  const id = await createProduct(request, 'Accessible phone lamp', 5);
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    bypassCSP: true,
  });
  const page = await context.newPage();
  const found: Record<string, string[]> = {};
  await page.goto('/search?q=lamp');
  await page.getByText('Filters', { exact: true }).click();
  await expect(page.getByRole('radio').first()).toBeVisible();
  found['search, filters open'] = await audit(page);
  await page.getByLabel('Search products').fill('lam');
  await expect(page.getByRole('option').first()).toBeVisible();
  found['suggestions open'] = await audit(page);
  await page.goto(`/products/${id}`);
  await expect(page.getByTestId('product-title')).toBeVisible();
  found.product = await audit(page);
  await page.getByRole('button', { name: /add to cart/i }).click();
  await page.goto('/cart');
  await expect(page.locator('.lines li').first()).toBeVisible();
  found.cart = await audit(page);
  expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  await context.close();
});
