import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config.js';
import { DB_FILE, openDatabase } from '../db.js';
import { checkLedger } from './ledger.js';

/** `npm run check-ledger`: verifies stock against the ledger and the orders; exits 1 on any problem. */
const config = loadConfig();
const file = path.join(config.dataDir, DB_FILE);
if (!fs.existsSync(file)) {
  // Opening it would create an empty database, whose ledger is trivially whole.
  console.error(`no database at ${file} (set DATA_DIR)`);
  process.exit(2);
}
const db = openDatabase(config.dataDir);
const problems = checkLedger(db);
for (const p of problems.slice(0, 50)) console.log(JSON.stringify(p));
const products = (db.prepare('SELECT COUNT(*) AS n FROM products').get() as { n: number }).n;
const orders = (db.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number }).n;
console.log(
  `${problems.length === 0 ? 'ledger ok' : `${problems.length} problems`}: ${products} products, ${orders} orders`,
);
db.close();
process.exitCode = problems.length === 0 ? 0 : 1;
