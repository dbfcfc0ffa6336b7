import { describe, expect, it } from 'vitest';
import { accountHref, safeNext } from '../src/pages/account-form.js';

const ORIGIN = 'https://shop.example';

describe('safeNext', () => {
  it('keeps a path of this shop, with its query', () => {
    expect(safeNext('/products/abc', ORIGIN)).toBe('/products/abc');
    expect(safeNext('/search?q=tea&brand=HP', ORIGIN)).toBe('/search?q=tea&brand=HP');
    expect(safeNext('/', ORIGIN)).toBe('/');
  });

  it('turns anything that could lead to another site into "/"', () => {
    for (const asked of [
      '',
      null,
      undefined,
      '//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      'products/abc',
      ' //evil.example',
      // The browser drops tabs and newlines from an address: these read as "//evil.example".
      '/\t/evil.example',
      '/\n/evil.example',
      '/\r\\evil.example',
    ]) {
      expect(safeNext(asked, ORIGIN), String(asked)).toBe('/');
    }
  });
});

describe('accountHref', () => {
  it('names where to go on only when it is not the home page', () => {
    expect(accountHref('signin', '/')).toBe('/signin');
    expect(accountHref('signup', '/search?q=a b')).toBe('/signup?next=%2Fsearch%3Fq%3Da%20b');
  });
});
