import type { Db } from '../db.js';
import { getMeta, setMeta } from '../db.js';
import { generateCatalog } from './generated.js';
import type { Catalog } from './products.js';

export type Progress = (done: number, total: number) => void;

/**
 * Seeds a fresh data directory once: the generated catalog, or nothing with SHOPSYNC_SEED=none.
 * The choice is recorded, so a catalog built from imports is never topped up with generated products.
 */
export function ensureSeeded(
  db: Db,
  catalog: Catalog,
  options: { seed: 'generated' | 'none'; count: number },
  onProgress?: Progress,
): number {
  if (getMeta(db, 'seed') !== undefined) return 0;
  let written = 0;
  if (options.seed === 'generated') {
    const batch = 1000;
    let pending: ReturnType<typeof generateCatalog> extends Generator<infer T> ? T[] : never = [];
    const flush = () => {
      db.transaction(() => {
        for (const p of pending) catalog.create(p, { upsert: true });
      })();
      written += pending.length;
      pending = [];
      onProgress?.(written, options.count);
    };
    for (const p of generateCatalog(options.count)) {
      pending.push(p);
      if (pending.length === batch) flush();
    }
    if (pending.length) flush();
  }
  setMeta(db, 'seed', options.seed);
  return written;
}
