import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { mailedLink, mailsTo, PASSWORD, signUpContext } from './helpers.js';

test('a shopper changes their email: a link mailed to the new address, a notice to the old one', async ({
  page,
  context,
  request,
  baseURL,
}) => {
  const email = await signUpContext(context, 'Nora');
  const next = `e2e-new-${randomUUID()}@example.com`;
  await page.goto('/account');
  const profile = page.locator('dl.profile');
  await expect(profile).toContainText(email);
  const change = page.getByRole('button', { name: 'Change your email' });
  await change.click();
  const field = page.getByLabel('New email');
  await expect(field).toBeFocused();
  await expect(field).toHaveAccessibleDescription(
    'We will mail a link to the new address. Your email changes when you open it.',
  );
  const status = page.getByTestId('email-status');
  await expect(status).toHaveRole('status');
  await expect(status).toHaveText('');

  // A wrong password: the alert says so and takes the focus; the password field is marked.
  await field.fill(next);
  const password = page.getByLabel('Your password');
  await password.fill('not my password');
  const send = page.getByRole('button', { name: 'Send the link' });
  await send.click();
  const alert = page.getByRole('alert');
  await expect(alert).toHaveText('That is not your current password.');
  await expect(alert).toBeFocused();
  await expect(password).toHaveAttribute('aria-invalid', 'true');

  await password.fill(PASSWORD);
  await send.click();
  await expect(status).toHaveText(
    `We sent a link to ${next}. Open it within an hour to make it your email; until then it stays ${email}.`,
  );
  // The form is gone: the focus is back on Change, and the email is as it was.
  await expect(change).toBeFocused();
  await expect(profile).toContainText(email);

  // The old address is told, with the new one in part.
  const link = await mailedLink(next, '/confirm-email');
  expect(link.startsWith(`${baseURL}/confirm-email?token=`)).toBe(true);
  await expect
    .poll(() => mailsTo(email).join('\n'))
    .toContain(`asked to change its email address from ${email} to e***@example.com.`);

  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Confirm your new email' })).toBeVisible();
  await page.getByRole('button', { name: 'Confirm my new email' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('flash')).toHaveText(
    `Your email is now ${next}. Sign in with it from now on. Dismiss`,
  );
  await expect(profile).toContainText(next);
  // Still signed in here: the account's sign-ins stay.
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();

  const login = (address: string) =>
    request.post('/api/auth/login', { data: { email: address, password: PASSWORD } });
  expect((await login(next)).status()).toBe(200);
  expect((await login(email)).status()).toBe(401);

  // The link worked once: opened again, it says so and leads to the account page.
  await page.goto(link);
  await page.getByRole('button', { name: 'Confirm my new email' }).click();
  const dead = page.getByRole('alert');
  await expect(dead).toContainText('This link to confirm a new email has expired, was used already');
  await expect(dead).toBeFocused();
  await dead.getByRole('link', { name: 'Go to your account' }).click();
  await expect(page).toHaveURL(/\/account$/);
});
