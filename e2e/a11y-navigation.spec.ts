import { expect, test } from '@playwright/test';
import { contrast } from './helpers.js';

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
