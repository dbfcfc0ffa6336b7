import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withVersion } from '../sw-version.js';

const worker = fs.readFileSync(new URL('../sw.js', import.meta.url), 'utf8');

describe('the service worker version', () => {
  it("names the shell cache after the build's files", () => {
    const built = withVersion(worker, ['assets/index-a1.js', 'assets/cart-b2.js']);
    expect(built).not.toContain('__BUILD__');
    expect(built).toMatch(/const SHELL = 'shopsync-shell-[0-9a-f]{12}';/);
    // Data is not code: the product cache keeps its name from build to build.
    expect(built).toContain("const PRODUCTS = 'shopsync-products-v1';");
  });

  it('changes when any file changes, not with their order', () => {
    const a = withVersion(worker, ['assets/index-a1.js', 'assets/cart-b2.js']);
    expect(withVersion(worker, ['assets/cart-b2.js', 'assets/index-a1.js'])).toBe(a);
    expect(withVersion(worker, ['assets/index-a1.js', 'assets/cart-c3.js'])).not.toBe(a);
  });

  it('changes when the worker alone changes, so that what the worker before it kept is dropped', () => {
    const files = ['assets/index-a1.js', 'assets/cart-b2.js'];
    const shell = (source: string) => /const SHELL = '([^']+)';/.exec(withVersion(source, files))?.[1];
    expect(shell(`${worker}\n// a change to what the worker keeps\n`)).not.toBe(shell(worker));
  });

  it('lists the scripts and stylesheets of the build for the worker to cache when it installs', () => {
    const built = withVersion(worker, [
      'assets/index-a1.js',
      'assets/index-a1.js.map',
      'assets/index-c3.css',
      'assets/cart-b2.js',
      'index.html',
    ]);
    expect(built).not.toContain('__ASSETS__');
    expect(built).toContain(
      'const ASSETS = ["/assets/cart-b2.js","/assets/index-a1.js","/assets/index-c3.css"];',
    );
  });

  it('refuses a worker without the placeholders, rather than ship one that never updates', () => {
    expect(() => withVersion("const SHELL = 'shopsync-shell-v1';", ['a.js'])).toThrow(/__BUILD__/);
    expect(() => withVersion("const SHELL = 'shopsync-shell-__BUILD__';", ['a.js'])).toThrow(/__ASSETS__/);
  });
});
