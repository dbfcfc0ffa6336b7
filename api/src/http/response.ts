import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';

/** See `ResponseOptions.finish`. */
export type Finish = (
  req: IncomingMessage,
  status: number,
  headers: OutgoingHttpHeaders,
  body: string | Uint8Array,
) => string | Uint8Array;

export interface ResponseOptions {
  /** Headers every answer carries unless it sets its own (names compared case-insensitively). */
  defaults: readonly (readonly [string, string])[];
  /**
   * Rewrites a buffered answer as it leaves (compression): called at `end(body)` with the status
   * and a copy of the headers given to `writeHead`, which it may change; returns the body to send.
   */
  finish: Finish;
}

/**
 * The class of the shop's HTTP responses (`http.createServer`'s `ServerResponse` option). It holds
 * back `writeHead(status, headers)` until the answer's first byte: `end(body)` lets `finish`
 * rewrite the headers and body first; `write` and `flushHeaders` (streams) send the head as it
 * is. The held header object starts as a copy of the defaults, so Node writes one plain object
 * (its fast path) instead of merging a dozen `setHeader` calls made for every request with the
 * route's headers; an answer that never passes its headers to `writeHead` gets them by `setHeader`.
 *
 * Methods of a class, not functions patched onto each response: that cost four closures (each
 * named by tsx's __name) per request.
 */
export function responseClass(options: ResponseOptions): typeof http.ServerResponse {
  const { defaults, finish } = options;
  /** The defaults as one object of a fixed shape: copying it is one cheap clone. */
  const template: OutgoingHttpHeaders = Object.fromEntries(defaults);
  /** A default's name as `template` spells it, by its lower-case form. */
  const canonical = new Map(defaults.map(([name]) => [name.toLowerCase(), name]));

  /**
   * The defaults, then the route's own headers: a route's value of a default (in any case)
   * replaces it. Defaults first, as when they were set before the route ran. `set`: whether the
   * answer set a header by `setHeader` before, whose value is its own (only writeHead's object wins
   * over it, as in Node); undefined when it set none.
   */
  const withDefaults = (
    headers: OutgoingHttpHeaders,
    set?: (name: string) => boolean,
  ): OutgoingHttpHeaders => {
    const out = { ...template };
    if (set) for (const [name] of defaults) if (set(name)) delete out[name];
    for (const key in headers) {
      const name = canonical.get(key.toLowerCase());
      if (name !== undefined && name !== key) delete out[name];
      out[key] = headers[key];
    }
    return out;
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
      if (held) super.writeHead(held[0], held[1]);
      else if (!this.headersSent) {
        for (const [name, value] of defaults) if (!this.hasHeader(name)) this.setHeader(name, value);
      }
    }

    override writeHead(status: number, ...rest: unknown[]): this {
      if (this.#open) {
        const [headers] = rest;
        if (rest.length === 1 && typeof headers === 'object' && headers !== null && !Array.isArray(headers)) {
          // A copy (the caller's object is left alone), which `finish` may rewrite.
          const set = this.getHeaderNames().length > 0 ? (name: string) => this.hasHeader(name) : undefined;
          this.#held = [status, withDefaults(headers as OutgoingHttpHeaders, set)];
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
        // An answer without a body (204) may have its headers rewritten too.
        else if (held && body === undefined) finish(this.req, held[0], held[1], '');
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
