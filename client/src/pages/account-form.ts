/**
 * Where to go after signing in: `asked` (a `next` parameter) when it is a path of this shop,
 * else "/". Only "/" and one more character that is not "/" or "\": "//host" and "/\host" name
 * another origin. The browser drops tabs and newlines from an address ("/<tab>/host" is
 * "//host"), so the path is also resolved against `origin` and must stay there; what is
 * returned is the path as resolved, with nothing left to read another way.
 */
export function safeNext(asked: string | null | undefined, origin: string): string {
  if (!asked || !/^\/(?![/\\])/.test(asked)) return '/';
  let url: URL;
  try {
    url = new URL(asked, origin);
  } catch {
    return '/';
  }
  if (url.origin !== new URL(origin).origin) return '/';
  const path = url.pathname + url.search + url.hash;
  return /^\/(?![/\\])/.test(path) ? path : '/';
}

/** The sign-in or sign-up page's address, going on to `next` afterwards ("/" needs no parameter). */
export function accountHref(mode: 'signin' | 'signup', next: string): string {
  return `/${mode}${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`;
}
