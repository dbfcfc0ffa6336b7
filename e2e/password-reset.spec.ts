import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { mailedLink, PASSWORD } from './helpers.js';

test('a shopper who forgot their password gets a link by mail, sets a new one and is signed in', async ({
  page,
  request,
  baseURL,
}) => {
  const email = `e2e-${randomUUID()}@example.com`;
  const signup = await request.post('/api/auth/signup', { data: { email, password: PASSWORD, name: 'Fay' } });
  expect(signup.status()).toBe(201);

  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await expect(page).toHaveTitle('Forgot your password? · ShopSync');
  // The email typed on the sign-in page comes along.
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  const sent = page.getByTestId('reset-sent');
  await expect(sent).toHaveText(
    'If an account uses that email, we have sent it a link to choose a new password. It works for an hour.',
  );
  await expect(sent).toBeFocused();

  const link = await mailedLink(email, '/reset-password');
  expect(link.startsWith(`${baseURL}/reset-password?token=`)).toBe(true);
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  const field = page.getByLabel('New password');
  await expect(field).toHaveAccessibleDescription(
    'At least 8 characters; a few words make a good one. Choosing it signs you out on your other devices.',
  );
  await field.fill('a brand new phrase');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('flash')).toHaveText(
    'Your password is changed. Other devices are signed out. Dismiss',
  );
  await expect(page.getByRole('main').getByText(email)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();

  // The old password no longer signs in; the new one does.
  const login = (password: string) => request.post('/api/auth/login', { data: { email, password } });
  expect((await login(PASSWORD)).status()).toBe(401);
  expect((await login('a brand new phrase')).status()).toBe(200);

  // The link worked once: opened again, it says so and leads to asking again.
  await page.goto(link);
  await page.getByLabel('New password').fill('another new phrase');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('This link to choose a new password has expired, was used already');
  await expect(alert).toBeFocused();
  await alert.getByRole('link', { name: 'Ask for a new link' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
});
