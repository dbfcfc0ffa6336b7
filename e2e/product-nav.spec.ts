import { randomUUID } from 'node:crypto';
import { expect, type Page, test } from '@playwright/test';
import { ADMIN, createProduct, family, PASSWORD } from './helpers.js';

/** An account of its own, made through the API (no page signed in); its email. */
async function account(page: Page): Promise<string> {
  const email = `e2e-${randomUUID()}@example.com`;
  const res = await page.request.post('/api/auth/signup', {
    data: { email, password: PASSWORD, name: 'Nav' },
  });
  expect(res.status()).toBe(201);
  // The API's answer set the session cookie in the page's context: this test signs in itself.
  await page.context().clearCookies();
  return email;
}

const headerSignIn = (page: Page) =>
  page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Sign in' });

test('the product page shows every specification on request, the first 24 until then', async ({
  page,
  request,
}) => {
  const attributes = Object.fromEntries(
    Array.from({ length: 30 }, (_, i) => [`spec ${String(i + 1).padStart(2, '0')}`, `value ${i + 1}`]),
  );
  const res = await request.post('/api/products', {
    headers: ADMIN,
    data: {
      title: `Specced laptop ${randomUUID().slice(0, 6)}`,
      brand: 'Testbrand',
      price: 99900,
      stock: 3,
      attributes,
    },
  });
  expect(res.status()).toBe(201);
  await page.goto(`/products/${(await res.json()).id}`);
  const specs = page.locator('section.specs');
  const rows = specs.getByRole('row');
  await expect(rows).toHaveCount(24);
  await expect(specs.getByRole('rowheader', { name: 'spec 25' })).toHaveCount(0);
  const more = specs.getByRole('button', { name: 'Show all 30 specifications' });
  await expect(more).toHaveAttribute('aria-expanded', 'false');
  await more.click();
  await expect(rows).toHaveCount(30);
  await expect(specs.getByRole('row', { name: 'spec 30 value 30' })).toBeVisible();
  const fewer = specs.getByRole('button', { name: 'Show fewer specifications' });
  await expect(fewer).toHaveAttribute('aria-expanded', 'true');
  await expect(fewer).toBeFocused();
  await fewer.click();
  await expect(rows).toHaveCount(24);

  // A product with no more than 24 has nothing to show more of.
  const few = await createProduct(request, 'Plain lamp');
  await page.goto(`/products/${few}`);
  await expect(page.getByTestId('product-title')).toBeVisible();
  await expect(page.getByRole('button', { name: /specifications/ })).toHaveCount(0);
});

test('a lone similar product is a card, not a page-wide picture, on a desktop and on a phone', async ({
  page,
  request,
}) => {
  const words = `Vrendle Quosk ${randomUUID().slice(0, 6)}`;
  const make = async (title: string) => {
    const res = await request.post('/api/products', {
      headers: ADMIN,
      data: { title, brand: 'Testbrand', price: 1999, stock: 4 },
    });
    expect(res.status()).toBe(201);
    return (await res.json()).id as string;
  };
  const id = await make(words);
  await make('Vrendle Quosk in blue');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`/products/${id}`);
  const cards = page.getByRole('region', { name: 'Similar products' }).locator('.card');
  await expect(cards).toHaveCount(1);
  const width = async () => (await cards.first().boundingBox())!.width;
  expect(await width()).toBeLessThanOrEqual(240);
  expect(await width()).toBeGreaterThanOrEqual(150);
  await page.setViewportSize({ width: 375, height: 740 });
  await expect.poll(width).toBeLessThanOrEqual(240);
  expect(await width()).toBeGreaterThanOrEqual(150);
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth))
    .toBeLessThanOrEqual(0);
});

test('signing in or up from the header comes back to the page the shopper was on', async ({
  page,
  request,
}) => {
  const id = await createProduct(request, 'Return trip kettle');
  const email = await account(page);
  await page.goto(`/products/${id}`);
  await expect(page.getByTestId('product-title')).toBeVisible();
  await headerSignIn(page).click();
  await expect(page).toHaveURL(`/signin?next=${encodeURIComponent(`/products/${id}`)}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`/products/${id}`);
  await expect(page.getByTestId('product-title')).toBeVisible();

  // Signing up from a page of results, by way of the sign-in page, comes back to them too.
  await page.context().clearCookies();
  await page.goto('/search?q=kettle&sort=price_asc');
  await expect(page.getByTestId('result-count')).toBeVisible();
  await headerSignIn(page).click();
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Name').fill('New Shopper');
  await page.getByLabel('Email').fill(`e2e-${randomUUID()}@example.com`);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL('/search?q=kettle&sort=price_asc');
});

test('a return path that leads off the shop is not followed after signing in', async ({ page }) => {
  const email = await account(page);
  // "//host" and "/\host" name another site; so does "/<tab>/host" (the browser drops the tab).
  for (const next of [
    '//evil.example/x',
    '/\\evil.example/x',
    'https://evil.example/x',
    '/\t/evil.example/x',
  ]) {
    await page.context().clearCookies();
    await page.goto(`/signin?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page, next).toHaveURL('/');
    await expect(page.getByRole('alert')).toHaveCount(0);
    // Signed in already, the sign-in page's Continue goes nowhere else either.
    await page.goto(`/signin?next=${encodeURIComponent(next)}`);
    await expect(page.getByRole('link', { name: 'Continue' }), next).toHaveAttribute('href', '/');
  }
});

test('sign-up says a taken email and a blank name in words, and offers to sign in instead', async ({
  page,
  request,
}) => {
  const id = await createProduct(request, 'Taken email toaster');
  const email = await account(page);
  await page.goto(`/signup?next=${encodeURIComponent(`/products/${id}`)}`);
  await page.getByLabel('Name').fill('Again');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toHaveText('An account with this email already exists. Sign in instead');
  await alert.getByRole('link', { name: 'Sign in instead' }).click();
  await expect(page).toHaveURL(`/signin?next=${encodeURIComponent(`/products/${id}`)}`);
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`/products/${id}`);

  // A name of spaces passes the browser's check, not the shop's.
  await page.context().clearCookies();
  await page.goto('/signup');
  await page.getByLabel('Name').fill('   ');
  await page.getByLabel('Email').fill(`e2e-${randomUUID()}@example.com`);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toHaveText('Please enter your name.');
});

test('arrowing through a filter is one step back, not one per value passed', async ({ page, request }) => {
  const word = `arrowkey${randomUUID().slice(0, 6)}`;
  await family(request, word, [
    ['Alphabrand', 1000],
    ['Betabrand', 2000],
    ['Gammabrand', 3000],
    ['Deltabrand', 4000],
    ['Epsilonbrand', 5000],
  ]);
  await page.goto(`/search?q=${word}`);
  const count = page.getByTestId('result-count');
  await expect(count).toHaveText('5 results');
  const start = page.url();
  const entries = () => page.evaluate(() => history.length);
  const before = await entries();
  const brands = page.getByRole('group', { name: 'Brand' });
  await brands.getByLabel('Any brand').focus();
  const passed: string[] = [];
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('ArrowDown');
    await expect(page).toHaveURL(/brand=/);
    const brand = new URL(page.url()).searchParams.get('brand')!;
    expect(passed).not.toContain(brand);
    passed.push(brand);
    await expect(count).toHaveText('1 result');
    await expect(brands.getByRole('radio', { checked: true })).toBeFocused();
  }
  expect(await entries()).toBe(before + 1);
  await page.goBack();
  await expect(page).toHaveURL(start);
  await expect(count).toHaveText('5 results');

  // A click is a choice of its own: Back undoes it alone.
  await brands.getByText('Betabrand').click();
  await expect(count).toHaveText('1 result');
  await brands.getByText('Gammabrand').click();
  await expect(page).toHaveURL(/brand=Gammabrand/);
  await page.goBack();
  await expect(page).toHaveURL(/brand=Betabrand/);
});
