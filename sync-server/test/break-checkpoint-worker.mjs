// Preloaded (`node --import`) into a sync server process by standalone.test.ts, before the server's
// modules: the checkpoint worker it starts is broken as BREAK_CHECKPOINT_WORKER says.
//   not-a-database: the worker is pointed at a file that is no database (it opens, then its first
//     pragma throws), as when sync.sqlite is damaged or replaced under a running server;
//   deaf: the worker never reads its port, so "stop" never reaches it.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import workerThreads from 'node:worker_threads';

const mode = process.env.BREAK_CHECKPOINT_WORKER;
const Original = workerThreads.Worker;

workerThreads.Worker = class BrokenCheckpointWorker extends Original {
  constructor(file, options = {}) {
    if (!String(file).endsWith('checkpoint-worker.mjs')) super(file, options);
    else if (mode === 'deaf') super('setInterval(() => {}, 1000);', { eval: true });
    else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-not-a-database-'));
      const notADatabase = path.join(dir, 'sync.sqlite');
      fs.writeFileSync(notADatabase, Buffer.alloc(8192, 7));
      super(file, { ...options, workerData: { ...options.workerData, file: notADatabase } });
    }
  }
};
syncBuiltinESMExports();
