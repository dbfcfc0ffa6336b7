import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Plugin } from 'vite';

/**
 * Emits the service worker (`sw.js`) with this build's version in place of `__BUILD__` (and its
 * files in place of `__ASSETS__`, see `withVersion`): a hash of the worker's source and of the
 * names of the build's files, which carry their contents' hashes. A new build therefore ships a
 * new worker: browsers install it at their next visit, and it drops the cache of the code
 * it replaces (without it the shell cache kept every build's files for good).
 */
export function serviceWorker(source: string): Plugin {
  return {
    name: 'shopsync-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      this.emitFile({
        type: 'asset',
        fileName: 'sw.js',
        source: withVersion(fs.readFileSync(source, 'utf8'), Object.keys(bundle)),
      });
    },
  };
}

/**
 * The worker's source with `__BUILD__` replaced by a version drawn from the build's file names
 * and the worker's own source, and `__ASSETS__` by the list of its scripts and stylesheets (no
 * source maps), which the worker caches when it installs. A worker that changes alone (what it
 * keeps, or how) starts a shell cache of its own too: what the worker before it kept goes when
 * it takes over, rather than being served by the new one.
 */
export function withVersion(source: string, files: string[]): string {
  if (!source.includes('__BUILD__')) throw new Error('the service worker has no __BUILD__ to version');
  if (!source.includes('__ASSETS__')) throw new Error('the service worker has no __ASSETS__ to fill');
  const version = createHash('sha256')
    .update(source)
    .update('\0')
    .update([...files].sort().join('\n'))
    .digest('hex')
    .slice(0, 12);
  const assets = files
    .filter((f) => /^assets\/[^/]+\.(js|css)$/.test(f))
    .sort()
    .map((f) => `/${f}`);
  return source.replaceAll('__BUILD__', version).replaceAll('__ASSETS__', JSON.stringify(assets));
}
