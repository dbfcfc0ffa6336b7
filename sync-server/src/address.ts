import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * An address as one client's key: an IPv4 address as written (a port, brackets and an IPv4-mapped
 * IPv6 prefix removed), an IPv6 address as its /64 network (one subscriber is given a /64 and can
 * use any address in it), or undefined when it is no IP address at all.
 */
export function addressKey(raw: string): string | undefined {
  let text = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  const mapped = /^::ffff:([\d.]+)$/i.exec(text);
  if (mapped) text = mapped[1]!;
  const version = isIP(text);
  if (version === 4) return text;
  if (version !== 6) return undefined;
  // Expand "::" to the zero groups it stands for, then keep the first four (the /64).
  const [head = '', tail] = text.toLowerCase().split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  if (right.some((g) => g.includes('.'))) return text.toLowerCase(); // an IPv4 tail: rare, kept whole
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * The client's address, for limits per client (sync connections, sign-in attempts), as an
 * `addressKey`. Without proxies it is the socket's peer. Behind `trustedProxies` reverse proxies
 * (each appending the address it received the request from to X-Forwarded-For), it is the address
 * the outermost of them saw: the entry that many places from the right of the forwarded chain,
 * peer included. Entries further left are written by the client and never used: a request whose
 * chain is too short to hold the outermost proxy's entry did not come through all the proxies,
 * and counts as its peer; so does one whose entry is no IP address. This holds only if the shop
 * is reachable through the proxies alone (the default HOST, 127.0.0.1, behind a proxy on the same
 * machine): a client that can reach it directly can write a chain of any length.
 */
export function clientAddress(req: IncomingMessage, trustedProxies = 0): string {
  const peerRaw = req.socket.remoteAddress ?? '';
  const peer = addressKey(peerRaw) ?? peerRaw;
  if (trustedProxies <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (forwarded.length < trustedProxies) return peer;
  return addressKey(forwarded[forwarded.length - trustedProxies]!) ?? peer;
}

/** The URL a server listening on `host` and `port` answers at (an IPv6 host in brackets). */
export function listeningUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
