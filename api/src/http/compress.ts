import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { rememberBounded } from '../bounded.js';
import type { Finish } from './response.js';

const COMPRESSIBLE =
  /^(?:text\/(?!event-stream)|application\/(?:json|javascript|manifest\+json)|image\/svg\+xml)/;
const THRESHOLD = 1024;
const IMMUTABLE_CACHE_LIMIT = 200;

type Encoding = 'br' | 'gzip';

function header(headers: OutgoingHttpHeaders, name: string): string | undefined {
  for (const key in headers) {
    if (key.length === name.length && key.toLowerCase() === name) {
      const value = headers[key];
      return Array.isArray(value) ? value.join(', ') : value === undefined ? undefined : String(value);
    }
  }
  return undefined;
}

function removeHeader(headers: OutgoingHttpHeaders, name: string): void {
  for (const key in headers)
    if (key.length === name.length && key.toLowerCase() === name) delete headers[key];
}

function setHeader(headers: OutgoingHttpHeaders, name: string, value: string): void {
  removeHeader(headers, name);
  headers[name] = value;
}

function accepted(req: IncomingMessage): Encoding | undefined {
  const value = req.headers['accept-encoding'] ?? '';
  return /\bbr\b/.test(value) ? 'br' : /\bgzip\b/.test(value) ? 'gzip' : undefined;
}

/**
 * Compresses buffered responses (brotli or gzip, as the client accepts) where they leave Node:
 * at `res.end(body)` (see http/response.ts, which calls the function this returns there with the
 * status and headers of `writeHead` and the body). Answers under 1 KiB, event streams and anything
 * written in pieces go out as they are; the compressed form of immutable assets is kept.
 *
 * Why there and not as Hono middleware: Hono's compress middleware pipes every body through a
 * CompressionStream (a chunked thread-pool round trip per small JSON answer: a fourfold loss of
 * throughput), and any middleware that reads `c.res.body` makes @hono/node-server build a full web
 * Response for every answer instead of writing its string straight to the socket. Node's response
 * sees the finished headers and body for free.
 */
export function compressor(): Finish {
  const immutable = new Map<string, Uint8Array>();

  return (req, status, headers, body) => {
    // No content, no type of it (Hono gives `c.body(null, 204)` a text/plain one).
    if (status === 204 || status === 304) {
      removeHeader(headers, 'content-type');
      return body;
    }
    if (status === 206 || req.method === 'HEAD') return body;
    if (!COMPRESSIBLE.test(header(headers, 'content-type') ?? '')) return body;
    if (header(headers, 'content-encoding')) return body;
    const vary = header(headers, 'vary');
    setHeader(headers, 'vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
    const encoding = accepted(req);
    const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    if (!encoding || size < THRESHOLD) return body;
    const key = (header(headers, 'cache-control') ?? '').includes('immutable')
      ? `${encoding} ${(req.url ?? '').split('?')[0]}`
      : undefined;
    let out = key ? immutable.get(key) : undefined;
    if (!out) {
      out =
        encoding === 'br'
          ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: key ? 11 : 4 } })
          : gzipSync(body, { level: key ? 9 : 6 });
      if (key) rememberBounded(immutable, key, out, IMMUTABLE_CACHE_LIMIT);
    }
    setHeader(headers, 'content-encoding', encoding);
    setHeader(headers, 'content-length', String(out.byteLength));
    const etag = header(headers, 'etag');
    if (etag && !etag.startsWith('W/')) setHeader(headers, 'etag', `W/${etag}`);
    return out;
  };
}
