import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';

export interface ResponseOptions {
  /** Headers every answer carries unless it sets its own (names compared case-insensitively). */
  defaults: readonly (readonly [string, string])[];
  /**
   * Rewrites a buffered answer as it leaves (compression): called at `end(body)` with the status
   * and a copy of the headers given to `writeHead`, which it may change; returns the body to send.
   */
  finish: (
    req: IncomingMessage,
    status: number,
    headers: OutgoingHttpHeaders,
    body: string | Uint8Array,
  ) => string | Uint8Array;
}

/**
 * The class of the shop's HTTP responses (`http.createServer`'s `ServerResponse` option). It holds
 * back `writeHead(status, headers)` until the answer's first byte: `end(body)` lets `finish`
 * rewrite the headers and body first; `write` and `flushHeaders` (streams) send the head as it
 * is. The default headers join the held header object, so Node writes one plain object (its fast
 * path) instead of merging a dozen `setHeader` calls made for every request with the route's
 * headers; an answer that never passes its headers to `writeHead` gets them by `setHeader`.
 *
 * Methods of a class, not functions patched onto each response: per request that cost four
 * closures and the head's defaults set one by one, about 3% of a checkout's server CPU.
 */
export function responseClass(options: ResponseOptions): typeof http.ServerResponse {
  const defaults = options.defaults.map(([name, value]) => [name, name.toLowerCase(), value] as const);
  const names = new Set(defaults.map(([, lower]) => lower));
  const { finish } = options;

  /** Adds the defaults `headers` lacks. */
  const addDefaults = (headers: OutgoingHttpHeaders) => {
    let present: Set<string> | undefined;
    for (const key in headers) {
      const lower = key.toLowerCase();
      if (!names.has(lower)) continue;
      present ??= new Set();
      present.add(lower);
    }
    for (const [name, lower, value] of defaults) if (!present?.has(lower)) headers[name] = value;
  };

  return class ShopResponse extends http.ServerResponse {
    /** Nothing is written yet: the head may still be held and rewritten. */
    #open = true;
    #held: [number, OutgoingHttpHeaders] | undefined;

    /** Writes the head from here on as asked, with the defaults it lacks. */
    #release(): void {
      this.#open = false;
      const held = this.#held;
      this.#held = undefined;
      if (held) {
        addDefaults(held[1]);
        super.writeHead(held[0], held[1]);
      } else if (!this.headersSent) {
        for (const [name, , value] of defaults) if (!this.hasHeader(name)) this.setHeader(name, value);
      }
    }

    override writeHead(status: number, ...rest: unknown[]): this {
      if (this.#open) {
        const [headers] = rest;
        if (rest.length === 1 && typeof headers === 'object' && headers !== null && !Array.isArray(headers)) {
          this.#held = [status, { ...(headers as OutgoingHttpHeaders) }];
          return this;
        }
        this.#release();
      }
      return super.writeHead(status, ...(rest as [OutgoingHttpHeaders]));
    }

    override end(...args: unknown[]): this {
      if (this.#open) {
        const held = this.#held;
        const body = args[0];
        if (held && (typeof body === 'string' || body instanceof Uint8Array))
          args[0] = finish(this.req, held[0], held[1], body);
        this.#release();
      }
      return super.end(...(args as [])) as this;
    }

    override write(...args: unknown[]): boolean {
      if (this.#open) this.#release();
      return super.write(...(args as [string]));
    }

    override flushHeaders(): void {
      if (this.#open) this.#release();
      super.flushHeaders();
    }
  } as typeof http.ServerResponse;
}
