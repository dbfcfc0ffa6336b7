import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { addressKey, clientAddress } from '../src/address.js';

function request(peer: string, forwarded?: string | string[]): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
  } as unknown as IncomingMessage;
}

describe('clientAddress', () => {
  it('is the peer without proxies, whatever the client forwards', () => {
    expect(clientAddress(request('203.0.113.7', '198.51.100.1'))).toBe('203.0.113.7');
    expect(clientAddress(request('::ffff:203.0.113.7', '198.51.100.1'), 0)).toBe('203.0.113.7');
  });

  it('is the address the outermost trusted proxy saw', () => {
    // The client forged "1.1.1.1"; the one proxy appended the address it saw.
    expect(clientAddress(request('10.0.0.2', '1.1.1.1, 203.0.113.7'), 1)).toBe('203.0.113.7');
    // Two proxies: the outer one appended the client, the inner one the outer proxy.
    expect(clientAddress(request('10.0.0.2', '1.1.1.1,203.0.113.7, 10.0.0.9'), 2)).toBe('203.0.113.7');
    // Repeated headers count as one list.
    expect(clientAddress(request('10.0.0.2', ['1.1.1.1', '203.0.113.7']), 1)).toBe('203.0.113.7');
    // A proxy that writes the port, or brackets.
    expect(clientAddress(request('10.0.0.2', '203.0.113.7:51234'), 1)).toBe('203.0.113.7');
    expect(clientAddress(request('10.0.0.2', '[2001:db8:1:2::7]:443'), 1)).toBe('2001:db8:1:2::/64');
  });

  it('never takes an entry the client wrote: a short chain or junk counts as the peer', () => {
    // Past fewer proxies than configured (or none): only client-written entries, if any.
    expect(clientAddress(request('203.0.113.7'), 1)).toBe('203.0.113.7');
    expect(clientAddress(request('10.0.0.2', '198.51.100.1'), 2)).toBe('10.0.0.2');
    expect(clientAddress(request('10.0.0.2', `${'x'.repeat(500)}`), 1)).toBe('10.0.0.2');
    expect(clientAddress(request('10.0.0.2', 'unknown'), 1)).toBe('10.0.0.2');
  });
});

describe('addressKey', () => {
  it('keys IPv4 by address and IPv6 by its /64, whatever the spelling', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    const key = '2001:db8:1:2::/64';
    for (const spelling of ['2001:db8:1:2::7', '2001:0DB8:0001:0002:ffff:0:0:1', '[2001:db8:1:2:a:b:c:d]'])
      expect(addressKey(spelling)).toBe(key);
    expect(addressKey('2001:db8:1:3::7')).not.toBe(key);
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('not an address')).toBeUndefined();
  });
});
