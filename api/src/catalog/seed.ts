import type { Db } from '../db.js';
import { getMeta, setMeta } from '../db.js';
import { importRecords } from './import.js';
import type { Catalog } from './products.js';

export type Progress = (done: number, total: number) => void;

/**
 * Seeds a fresh data directory once: the generated catalog, or nothing with SHOPSYNC_SEED=none.
 * The choice is recorded, so a catalog built from imports is never topped up with generated products.
 * The generator (Faker: ~200 ms to load) is imported only when it runs, not at every start.
 */
export async function ensureSeeded(
  db: Db,
  catalog: Catalog,
  options: { seed: 'generated' | 'none'; count: number },
  onProgress?: Progress,
): Promise<number> {
  if (getMeta(db, 'seed') !== undefined) return 0;
  let written = 0;
  if (options.seed === 'generated') {
    const { generateCatalog } = await import('./generated.js');
    // The importer's path: the same validation, batching and progress as any imported file.
    const report = importRecords(
      catalog,
      (fn) => db.transaction(fn).immediate(),
      'generated catalog',
      [...generateCatalog(options.count)],
      (_file, done, total) => onProgress?.(done, total),
    );
    written = report.created;
  }
  setMeta(db, 'seed', options.seed);
  return written;
}
