import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from './errors.js';

/**
 * Request bodies read straight from Node's request. @hono/node-server builds a web `Request`
 * (with an AbortController, Headers and a ReadableStream over the socket) the first time anything
 * touches `c.req.raw.body`, and Hono's own body-limit middleware touches it on every request, GETs
 * included. For the shop's small JSON calls that costs more than the handler: the checkout
 * benchmark spent about a tenth of the server's time there. `@hono/node-server` reads a body it
 * finds in `incoming.rawBody` instead of the socket, so anything that still asks Hono for the
 * body gets the same bytes.
 */
type NodeIncoming = IncomingMessage & { rawBody?: Buffer };

function nodeIncoming(c: Context): NodeIncoming | undefined {
  return (c.env as { incoming?: NodeIncoming } | undefined)?.incoming;
}

/** True while nobody has started reading the request's stream. */
function untouched(incoming: NodeIncoming): boolean {
  return incoming.readableFlowing === null && !incoming.readableDidRead;
}

/**
 * Reads a whole request body, or undefined as soon as it passes `maxSize` bytes (the request is
 * then paused; the caller answers with `Connection: close`, and @hono/node-server drains or drops
 * the rest). A request closed before its body ended is a 400, not a server error. Plain
 * 'data'/'end' listeners: an async iterator over the request cost more than the small bodies it
 * reads.
 */
function readAtMost(incoming: NodeIncoming, maxSize: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (body: Buffer | undefined, err?: unknown) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve(body);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxSize) {
        chunks.push(chunk);
        return;
      }
      incoming.off('data', onData);
      incoming.pause();
      settle(undefined);
    };
    incoming.on('data', onData);
    incoming.once('end', () => settle(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    // Both only come from the client's side (an upload aborted, a reset connection).
    // Node closes every request after its end: only a close before it is an error (and an
    // Error, with its stack trace, is built only then).
    const incomplete = () => {
      if (!settled)
        settle(undefined, new ApiError(400, 'incomplete_body', 'the request closed before its body ended'));
    };
    incoming.once('error', incomplete);
    incoming.once('close', incomplete);
  });
}

/**
 * Refuses bodies over `maxSize` bytes with `onError`: by their Content-Length before reading, or
 * while reading a chunked body (kept in memory for the handler). Outside Node (`app.request` in a
 * test) it is Hono's body-limit middleware.
 */
export function limitBodies(
  maxSize: number,
  onError: (c: Context) => Response | Promise<Response>,
): MiddlewareHandler {
  const fallback = bodyLimit({ maxSize, onError });
  return async (c, next) => {
    const incoming = nodeIncoming(c);
    if (!incoming) return fallback(c, next);
    if (incoming.method === 'GET' || incoming.method === 'HEAD') return next();
    const length = incoming.headers['content-length'];
    if (length !== undefined && incoming.headers['transfer-encoding'] === undefined) {
      return Number(length) > maxSize ? onError(c) : next();
    }
    if (!untouched(incoming)) return fallback(c, next);
    const body = await readAtMost(incoming, maxSize);
    if (!body) return onError(c);
    incoming.rawBody = body;
    return next();
  };
}

/**
 * The request body as text, without building a web Request where Node's request is at hand;
 * undefined when it is over `maxSize` bytes (only where limitBodies did not run first).
 */
export async function bodyText(c: Context, maxSize: number): Promise<string | undefined> {
  const incoming = nodeIncoming(c);
  if (incoming?.rawBody instanceof Buffer) return incoming.rawBody.toString();
  if (!incoming || !untouched(incoming)) return c.req.text();
  const body = await readAtMost(incoming, maxSize);
  if (body) incoming.rawBody = body;
  return body?.toString();
}
