import { describe, expect, it } from 'vitest';
import { cookieValue } from '../src/http/headers.js';

describe('cookieValue', () => {
  it('finds the named cookie and nothing that merely contains its name', () => {
    const header = 'xs=1; shopsync_session_old=stale; shopsync_session=tok-1; other=shopsync_session=no';
    expect(cookieValue(header, 'shopsync_session')).toBe('tok-1');
    expect(cookieValue(header, 'xs')).toBe('1');
    expect(cookieValue(header, 'session')).toBeUndefined();
    expect(cookieValue('shopsync_session=first;shopsync_session=second', 'shopsync_session')).toBe('first');
    expect(cookieValue('a=1', 'shopsync_session')).toBeUndefined();
    expect(cookieValue('shopsync_session', 'shopsync_session')).toBeUndefined();
  });

  it('trims, unquotes and URI-decodes values as they were set', () => {
    expect(cookieValue('a=1;\t k=  v  ', 'k')).toBe('v');
    expect(cookieValue('k="quoted value"', 'k')).toBe('quoted value');
    expect(cookieValue('k=a%20b%3Bc', 'k')).toBe('a b;c');
    expect(cookieValue('k=100%', 'k')).toBe('100%');
    expect(cookieValue('k=', 'k')).toBe('');
  });
});
