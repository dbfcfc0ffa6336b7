import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { bodyText } from './body.js';

/** The largest request body the API reads. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** An error meant for the client: mapped to the API.md error shape by the app's error handler. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export function sendError(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  details?: unknown,
) {
  return c.json(errorBody(code, message, details), status);
}

function issues(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/** Parses a JSON body with a schema; a body that is not JSON or not of the shape is a 400. */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  let text: string | undefined;
  try {
    text = await bodyText(c, MAX_BODY_BYTES);
    if (text !== undefined) raw = JSON.parse(text);
  } catch (err) {
    // An upload that ended early is said as such (body.ts); anything else here is bad JSON.
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, 'invalid_json', 'the request body must be JSON');
  }
  if (text === undefined) throw new ApiError(413, 'payload_too_large', 'request bodies are limited to 1 MiB');
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new ApiError(400, 'invalid_request', 'the request body is not valid', issues(parsed.error));
  return parsed.data;
}

/** Parses the query string with a schema; a bad parameter is a 400. */
export function parseQuery<S extends z.ZodType>(
  c: Context,
  schema: S,
  repeated: readonly string[] = [],
): z.infer<S> {
  // Each key's first value, but every value of those `repeated` names (`brand=a&brand=b`).
  const query: Record<string, string | string[]> = c.req.query();
  for (const key of repeated) {
    const values = c.req.queries(key);
    if (values) query[key] = values;
  }
  const parsed = schema.safeParse(query);
  if (!parsed.success)
    throw new ApiError(400, 'invalid_query', 'the query string is not valid', issues(parsed.error));
  return parsed.data;
}
