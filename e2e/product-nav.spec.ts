import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { ADMIN, createProduct } from './helpers.js';

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
