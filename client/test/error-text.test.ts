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

  it('says a wrong email or password in a sentence, not the API text', () => {
    expect(errorText(new ApiError(401, 'invalid_credentials', 'the email or the password is wrong'))).toBe(
      "That email and password don't match an account.",
    );
  });

  it('says when to try again after too many sign-in attempts', () => {
    const tooMany = (retryAfterSeconds?: number) =>
      errorText(
        new ApiError(
          429,
          'too_many_attempts',
          'too many failed sign-ins for this email from here; try again in 15 minutes',
          retryAfterSeconds === undefined ? undefined : { retryAfterSeconds },
        ),
      );
    expect(tooMany(900)).toBe('Too many sign-in attempts for this email. Please try again in 15 minutes.');
    expect(tooMany(61)).toBe('Too many sign-in attempts for this email. Please try again in 2 minutes.');
    expect(tooMany(60)).toBe('Too many sign-in attempts for this email. Please try again in 1 minute.');
    expect(tooMany(1)).toBe('Too many sign-in attempts for this email. Please try again in 1 second.');
    expect(tooMany(45)).toBe('Too many sign-in attempts for this email. Please try again in 45 seconds.');
    expect(tooMany()).toBe('Too many sign-in attempts for this email. Please try again in a few minutes.');
  });

  it('says when the limit is the address, not the email', () => {
    const err = new ApiError(
      429,
      'too_many_attempts',
      'too many password checks from this address; try again in 9 seconds',
      { retryAfterSeconds: 9, per: 'address' },
    );
    expect(errorText(err)).toBe('Too many attempts from your network. Please try again in 9 seconds.');
  });

  it('says a busy shop in a sentence', () => {
    expect(
      errorText(new ApiError(503, 'busy', 'the shop is busy checking passwords; try again in a moment')),
    ).toBe('The shop is busy right now. Please try again in a moment.');
  });
});
