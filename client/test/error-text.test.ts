import { describe, expect, it } from 'vitest';
import { ApiError, errorText } from '../src/api.js';

describe('errorText', () => {
  it('says what is wrong with each field, naming the field when the message does not', () => {
    const err = new ApiError(400, 'invalid_request', 'the request body is not valid', [
      { path: 'password', message: 'password needs letters and a digit or symbol' },
      { path: 'postalCode', message: 'Too big: expected string to have <=20 characters' },
      { path: 'postalCode', message: 'Too big: expected string to have <=20 characters' },
    ]);
    expect(errorText(err)).toBe(
      'Password needs letters and a digit or symbol. Postal code: Too big: expected string to have <=20 characters.',
    );
  });

  it('falls back to the message of any other error', () => {
    expect(errorText(new ApiError(409, 'email_taken', 'an account with this email exists'))).toBe(
      'an account with this email exists',
    );
    expect(errorText(new Error('boom'))).toBe('boom');
  });
});
