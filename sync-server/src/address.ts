import type { IncomingMessage } from 'node:http';

/** Longer is no address: a forged header's junk is cut before it becomes a map key. */
const MAX_ADDRESS_LENGTH = 64;

/**
 * The client's address, for limits per client (sync connections, sign-in attempts). Without
 * proxies it is the socket's peer. Behind `trustedProxies` reverse proxies (each appending the
 * address it received the request from to X-Forwarded-For), it is the address the outermost of
 * them saw: the entry that many places from the right of the forwarded chain, peer included.
 * Entries further left are written by the client and never trusted. A request with fewer
 * entries than proxies came past them (or through fewer): its leftmost entry is the best there is.
 */
export function clientAddress(req: IncomingMessage, trustedProxies = 0): string {
  const peer = req.socket.remoteAddress ?? '';
  if (trustedProxies <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const chain = [...forwarded, peer];
  return chain[Math.max(chain.length - 1 - trustedProxies, 0)]!.slice(0, MAX_ADDRESS_LENGTH);
}
