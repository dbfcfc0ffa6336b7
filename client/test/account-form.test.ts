import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api.js';
import { accountErrorText, accountHref, safeNext } from '../src/pages/account-form.js';

const ORIGIN = 'https://shop.example';

describe('safeNext', () => {
  it('keeps a path of this shop, with its query', () => {
    expect(safeNext('/products/abc', ORIGIN)).toBe('/products/abc');
    expect(safeNext('/search?q=tea&brand=HP', ORIGIN)).toBe('/search?q=tea&brand=HP');
    expect(safeNext('/', ORIGIN)).toBe('/');
  });

  it('leads from the pages of signing in to "/", not back to a form of no use once signed in', () => {
    for (const asked of [
      '/signin',
      '/signup?next=%2Fcart',
      '/forgot-password',
      '/reset-password?token=x',
      '/confirm-email?token=x',
    ])
      expect(safeNext(asked, ORIGIN), asked).toBe('/');
    expect(safeNext('/account', ORIGIN)).toBe('/account');
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

describe('accountErrorText', () => {
  it('says a taken email in a sentence', () => {
    expect(accountErrorText(new ApiError(409, 'email_taken', 'an account with this email exists'))).toBe(
      'An account with this email already exists.',
    );
  });

  it("says what is wrong with a field in the form's words", () => {
    const invalid = (...details: { path: string; message: string }[]) =>
      accountErrorText(new ApiError(400, 'invalid_request', 'the request body is not valid', details));
    expect(invalid({ path: 'name', message: 'Too small: expected string to have >=1 characters' })).toBe(
      'Please enter your name.',
    );
    expect(invalid({ path: 'name', message: 'Too big: expected string to have <=100 characters' })).toBe(
      'Your name can have at most 100 characters.',
    );
    expect(
      invalid(
        { path: 'email', message: 'Invalid email address' },
        { path: 'password', message: 'password must have at least 8 characters' },
      ),
    ).toBe(
      'Please enter a valid email address, like name@example.com. Password must have at least 8 characters.',
    );
    expect(invalid({ path: 'password', message: 'Too small: expected string to have >=1 characters' })).toBe(
      'Please enter your password.',
    );
  });

  it('says anything else as errorText does', () => {
    expect(
      accountErrorText(new ApiError(401, 'invalid_credentials', 'the email or the password is wrong')),
    ).toBe("That email and password don't match an account.");
    expect(accountErrorText(new Error('boom'))).toBe('boom');
  });
});
