import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress } from '../src/address.js';

function request(peer: string, forwarded?: string | string[]): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
  } as unknown as IncomingMessage;
}

describe('clientAddress', () => {
  it('is the peer without proxies, whatever the client forwards', () => {
    expect(clientAddress(request('203.0.113.7', '198.51.100.1'))).toBe('203.0.113.7');
    expect(clientAddress(request('203.0.113.7', '198.51.100.1'), 0)).toBe('203.0.113.7');
  });

  it('is the address the outermost trusted proxy saw', () => {
    // The client forged "1.1.1.1"; the one proxy appended the address it saw.
    expect(clientAddress(request('10.0.0.2', '1.1.1.1, 203.0.113.7'), 1)).toBe('203.0.113.7');
    // Two proxies: the outer one appended the client, the inner one the outer proxy.
    expect(clientAddress(request('10.0.0.2', '1.1.1.1,203.0.113.7, 10.0.0.9'), 2)).toBe('203.0.113.7');
    // Repeated headers count as one list.
    expect(clientAddress(request('10.0.0.2', ['1.1.1.1', '203.0.113.7']), 1)).toBe('203.0.113.7');
  });

  it('falls back to what there is when the chain is shorter than the proxies', () => {
    expect(clientAddress(request('203.0.113.7'), 1)).toBe('203.0.113.7');
    expect(clientAddress(request('10.0.0.2', '203.0.113.7'), 3)).toBe('203.0.113.7');
    expect(clientAddress(request('10.0.0.2', ` ${'x'.repeat(500)} `), 1)).toHaveLength(64);
  });
});
