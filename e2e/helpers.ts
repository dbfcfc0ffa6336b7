import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type APIRequestContext, type BrowserContext, expect, type Page } from '@playwright/test';

export const ADMIN = { Authorization: 'Bearer e2e-admin' };
export const PASSWORD = 'e2e-password-1';

/** A product of our own, so assertions do not depend on the generated catalog. */
export async function createProduct(
  request: APIRequestContext,
  title: string,
  stock = 10,
  price: number | { amount: number; currency: string } = 2599,
): Promise<string> {
  const res = await request.post('/api/products', {
    headers: ADMIN,
    data: {
      title: `${title} ${randomUUID().slice(0, 6)}`,
      brand: 'Testbrand',
      description: 'Made for the end-to-end suite.',
      price,
      stock,
    },
  });
  expect(res.status()).toBe(201);
  return (await res.json()).id;
}

export async function productTitle(request: APIRequestContext, id: string): Promise<string> {
  return (await (await request.get(`/api/products/${id}`)).json()).title;
}

export async function stockOf(request: APIRequestContext, id: string): Promise<number> {
  return (await (await request.get(`/api/products/${id}`)).json()).stock;
}

/** Signs a browser context up through the API (cookies land in the context). */
export async function signUpContext(context: BrowserContext, name = 'Dee Vice'): Promise<string> {
  const email = `e2e-${randomUUID()}@example.com`;
  const res = await context.request.post('/api/auth/signup', { data: { email, password: PASSWORD, name } });
  expect(res.status()).toBe(201);
  return email;
}

/** Saves a delivery address for the context's signed-in user. */
export async function addAddress(context: BrowserContext): Promise<void> {
  const res = await context.request.post('/api/me/addresses', {
    data: { name: 'Dee Vice', line1: '2 Device Row', city: 'Leeds', postalCode: 'LS1 4AP', country: 'GB' },
  });
  expect(res.status()).toBe(201);
}

type AddressFields = { name: string; line1: string; city: string; postalCode: string; country: string };

/** Fills the storefront's address form (account page or checkout). */
export async function fillAddressForm(page: Page, a: AddressFields): Promise<void> {
  await page.getByLabel('Full name').fill(a.name);
  await page.getByLabel('Address', { exact: true }).fill(a.line1);
  await page.getByLabel('City').fill(a.city);
  await page.getByLabel('Postal code').fill(a.postalCode);
  await page.getByLabel('Country').selectOption(a.country);
}

/** Fills the storefront's address form (account page or checkout) and saves it. */
export async function saveAddressForm(page: Page, a: AddressFields): Promise<void> {
  await fillAddressForm(page, a);
  await page.getByRole('button', { name: 'Save address' }).click();
}

export async function logInContext(context: BrowserContext, email: string): Promise<void> {
  const res = await context.request.post('/api/auth/login', { data: { email, password: PASSWORD } });
  expect(res.status()).toBe(200);
}

export function line(page: Page, productId: string) {
  return page.locator(`.lines [data-product="${productId}"]`);
}

export async function expectQuantity(page: Page, productId: string, quantity: number): Promise<void> {
  await expect(line(page, productId).getByTestId('quantity')).toHaveText(String(quantity));
}

export async function expectSaved(page: Page, timeout?: number): Promise<void> {
  await expect(page.getByTestId('sync-status')).toHaveText('Saved', { timeout });
}

/** The cart as the server sees it: productId -> quantity. */
export async function serverCart(context: BrowserContext): Promise<Record<string, number>> {
  const view = await (await context.request.get('/api/cart')).json();
  return Object.fromEntries(
    view.lines.map((l: { productId: string; quantity: number }) => [l.productId, l.quantity]),
  );
}

/** Orders the context's whole cart through the API (no page involved); the order's id. */
export async function placeOrder(context: BrowserContext): Promise<string> {
  const cart = await (await context.request.get('/api/cart')).json();
  const res = await context.request.post('/api/orders', {
    headers: { 'Idempotency-Key': randomUUID() },
    data: { cartId: cart.cartId },
  });
  expect(res.ok()).toBe(true);
  return (await res.json()).id;
}

/** Products sharing a made-up word, so a search finds exactly them; their ids. */
export async function family(
  request: APIRequestContext,
  word: string,
  items: [brand: string, price: number][],
) {
  const ids: string[] = [];
  for (const [i, [brand, price]] of items.entries()) {
    const res = await request.post('/api/products', {
      headers: ADMIN,
      data: {
        title: `${word} kettle model ${i + 1}`,
        brand,
        description: 'For the end-to-end suites.',
        price,
        stock: 5,
      },
    });
    expect(res.status()).toBe(201);
    ids.push((await res.json()).id);
  }
  return ids;
}

/** The cart copies this browser keeps in IndexedDB (their database names). */
export async function cartCopies(page: Page): Promise<string[]> {
  const names = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
  return names.filter((n) => n.startsWith('shopsync-cart-'));
}

/** Opens `path` in the page as a link of the storefront would: no reload. */
export async function goWithin(page: Page, path: string): Promise<void> {
  await page.evaluate((to) => {
    history.pushState(null, '', to);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

/**
 * The page's cart sync sockets, through the test: while `holding`, what the page sends waits
 * (`held` counts it) until `release()` sends it on, in order.
 */
export async function holdSyncSends(page: Page) {
  const held: (() => void)[] = [];
  const control = {
    holding: false,
    get held() {
      return held.length;
    },
    release() {
      control.holding = false;
      for (const send of held.splice(0)) send();
    },
  };
  await page.routeWebSocket(/\/sync\//, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      if (control.holding) held.push(() => server.send(message));
      else server.send(message);
    });
  });
  return control;
}

/** The WCAG contrast ratio of two colours as the browser computes them: `rgb(…)` or `rgba(…)`. */
export function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r, g, b] = (color.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/**
 * The texts of the mails the shop wrote to `to`, oldest first: the e2e shop has no SMTP server,
 * so its mails are .eml files in DATA_DIR/outbox (playwright.config.ts sets E2E_DATA_DIR), named
 * by time. Their text is quoted-printable, as a mail program reads it.
 */
export function mailsTo(to: string): string[] {
  const outbox = path.join(process.env.E2E_DATA_DIR!, 'outbox');
  const files = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => f.endsWith('.eml')) : [];
  return files
    .sort()
    .map((file) => fs.readFileSync(path.join(outbox, file), 'utf8'))
    .filter((raw) => raw.includes(`\nTo: ${to}\n`))
    .map((raw) =>
      raw
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    );
}

/** The link to `page` (`/reset-password`, `/confirm-email`) of the last mail to `to`, once written. */
export async function mailedLink(to: string, page: string): Promise<string> {
  const linkIn = (text: string) => new RegExp(`^\\S+${page}\\?token=[A-Za-z0-9_-]+$`, 'm').exec(text)?.[0];
  let link: string | undefined;
  await expect
    .poll(() => {
      link = mailsTo(to)
        .map(linkIn)
        .filter((l) => l !== undefined)
        .at(-1);
      return link;
    })
    .toBeTruthy();
  return link!;
}
