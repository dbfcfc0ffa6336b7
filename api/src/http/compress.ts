import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';

const COMPRESSIBLE =
  /^(?:text\/(?!event-stream)|application\/(?:json|javascript|manifest\+json)|image\/svg\+xml)/;
const THRESHOLD = 1024;
const IMMUTABLE_CACHE_LIMIT = 200;

/**
 * Compresses buffered responses in place (brotli or gzip, as the client accepts).
 * Hono's compress middleware pipes every body through a CompressionStream, which on Node turned
 * each small JSON answer into a chunked, thread-pool round trip and cut throughput fourfold. API
 * answers are small and already in memory, so this compresses them synchronously, skips those
 * under 1 KiB, never touches event streams, and keeps the compressed form of immutable assets.
 */
export function compressResponses(): MiddlewareHandler {
  const immutable = new Map<string, { body: Uint8Array; encoding: string }>();
  return async (c, next) => {
    await next();
    const res = c.res;
    const type = res.headers.get('Content-Type') ?? '';
    if (
      !res.body ||
      res.status === 204 ||
      res.status === 206 ||
      res.headers.has('Content-Encoding') ||
      !COMPRESSIBLE.test(type)
    ) {
      return;
    }
    const accepted = c.req.header('Accept-Encoding') ?? '';
    const encoding = /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : undefined;
    const cacheControl = res.headers.get('Cache-Control') ?? '';
    const key = cacheControl.includes('immutable') && encoding ? `${encoding} ${c.req.path}` : undefined;
    const cached = key ? immutable.get(key) : undefined;
    const raw = cached ? undefined : new Uint8Array(await res.arrayBuffer());
    const headers = new Headers(res.headers);
    headers.append('Vary', 'Accept-Encoding');
    let body: Uint8Array;
    if (cached) body = cached.body;
    else if (!encoding || raw!.length < THRESHOLD) {
      headers.set('Content-Length', String(raw!.length));
      c.res = new Response(raw, { status: res.status, headers });
      return;
    } else {
      body =
        encoding === 'br'
          ? brotliCompressSync(raw!, { params: { [constants.BROTLI_PARAM_QUALITY]: key ? 11 : 4 } })
          : gzipSync(raw!, { level: key ? 9 : 6 });
      if (key) {
        if (immutable.size >= IMMUTABLE_CACHE_LIMIT) immutable.delete(immutable.keys().next().value!);
        immutable.set(key, { body, encoding });
      }
    }
    headers.set('Content-Encoding', encoding!);
    headers.set('Content-Length', String(body.length));
    const etag = headers.get('ETag');
    if (etag && !etag.startsWith('W/')) headers.set('ETag', `W/${etag}`);
    c.res = new Response(body, { status: res.status, headers });
  };
}
