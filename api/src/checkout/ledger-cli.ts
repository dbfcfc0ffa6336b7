import { loadConfig } from '../config.js';
import { existingDatabase, openUnmigrated } from '../db.js';
import { checkLedger } from './ledger.js';

/** `npm run check-ledger`: verifies stock against the ledger and the orders; exits 1 on any problem. */
const config = loadConfig();
// Opening a missing one would create an empty database, whose ledger is trivially whole.
const file = existingDatabase(config.dataDir);
if (!file) process.exit(2);
// As it is: the check runs beside the shop, whose build may be older than this one. One of a
// newer build is not checked (its orders may have statuses this build does not know).
let db: ReturnType<typeof openUnmigrated>;
try {
  db = openUnmigrated(file);
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const problems = checkLedger(db);
for (const p of problems.slice(0, 50)) console.log(JSON.stringify(p));
const products = (db.prepare('SELECT COUNT(*) AS n FROM products').get() as { n: number }).n;
const orders = (db.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number }).n;
console.log(
  `${problems.length === 0 ? 'ledger ok' : `${problems.length} problems`}: ${products} products, ${orders} orders`,
);
db.close();
process.exitCode = problems.length === 0 ? 0 : 1;
