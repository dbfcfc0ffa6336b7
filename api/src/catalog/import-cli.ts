import path from 'node:path';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db.js';
import { type ImportReport, importRecords, readRecords } from './import.js';
import { Catalog } from './products.js';
import { ensureSeeded } from './seed.js';

/** `npm run import -- FILE...`: loads products into DATA_DIR, idempotently, with progress on stderr. */
async function main(argv: string[]): Promise<number> {
  const files = argv.filter((a) => !a.startsWith('--'));
  const flags = argv.filter((a) => a.startsWith('--'));
  const restoreDeleted = flags.includes('--restore-deleted');
  if (files.length === 0 || flags.some((f) => f !== '--restore-deleted')) {
    console.error(
      'usage: npm run import -- [--restore-deleted] FILE... (Icecat .json.zip, JSON arrays or JSON Lines)',
    );
    return 2;
  }
  const config = loadConfig();
  const db = openDatabase(config.dataDir, undefined, config.durability);
  const catalog = new Catalog(db);
  const seeded = await ensureSeeded(
    db,
    catalog,
    { seed: config.seed, count: config.seedCount },
    (done, total) => progress('seeding generated catalog', done, total),
  );
  if (seeded) process.stderr.write('\n');
  let failed = false;
  for (const file of files) {
    let records: unknown[];
    try {
      // Relative to where `npm run import` was typed (npm runs scripts from the repository root).
      records = readRecords(path.resolve(process.env.INIT_CWD ?? process.cwd(), file));
    } catch (err) {
      console.error(`${file}: cannot read: ${(err as Error).message}`);
      failed = true;
      continue;
    }
    let report: ReturnType<typeof importRecords>;
    try {
      // Each chunk of records is its own transaction: a running shop waits for one at most.
      report = importRecords(
        catalog,
        (fn) => db.transaction(fn).immediate(),
        file,
        records,
        (f, done, total) => progress(path.basename(f), done, total),
        { restoreDeleted },
      );
    } catch (err) {
      // The database refused a write (locked past the busy timeout, disk full): the records
      // before that chunk are in, and importing is idempotent, so the same command resumes.
      process.stderr.write('\n');
      console.error(`${file}: import stopped: ${(err as Error).message}; run the same command again`);
      db.close();
      return 1;
    }
    process.stderr.write('\n');
    if (report.rejected.length > 0) failed = true;
    for (const r of report.rejected.slice(0, 20)) console.error(`  record #${r.position}: ${r.error}`);
    if (report.rejected.length > 20)
      console.error(`  … and ${report.rejected.length - 20} more rejected records`);
    console.log(
      `${file}: ${report.records} records, ${report.created} created, ${report.updated} updated, ` +
        `${report.unchanged} unchanged, ${report.rejected.length} rejected${notes(report)}`,
    );
  }
  console.log(`catalog in ${config.dataDir}: ${catalog.count()} products`);
  db.close();
  return failed ? 1 : 0;
}

/** What else the import did, none of it an error: said so that it is never silent. */
function notes(report: ImportReport): string {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const said: string[] = [];
  if (report.duplicateIds > 0)
    said.push(
      `${plural(report.duplicateIds, 'duplicate id', 'duplicate ids')}: the last record of each kept, ` +
        `${plural(report.superseded, 'earlier one', 'earlier ones')} left out`,
    );
  if (report.stockSet > 0)
    said.push(`${plural(report.stockSet, "product's stock", "products' stock")} set from the file`);
  if (report.deletedSkipped > 0)
    said.push(
      `${plural(report.deletedSkipped, 'product', 'products')} deleted in the shop left out ` +
        '(--restore-deleted imports them)',
    );
  return said.length > 0 ? `; ${said.join('; ')}` : '';
}

function progress(label: string, done: number, total: number): void {
  const pct = total ? Math.floor((done / total) * 100) : 100;
  process.stderr.write(`\r${label}: ${done}/${total} (${pct}%)`);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // Before any file (the database locked past its busy timeout while the import set up): one
  // line, not a stack trace.
  console.error(`import stopped: ${(err as Error).message}; run the same command again`);
  process.exitCode = 1;
}
