import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Every worker of this file is deaf: it never reads its port, so "stop" never reaches it (as a
// worker stuck in a call, or one that lost its port, would be). A file of its own: the mock holds
// for all of it.
vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:worker_threads')>();
  class DeafWorker extends actual.Worker {
    constructor() {
      super('setInterval(() => {}, 1000);', { eval: true });
    }
  }
  return { ...actual, Worker: DeafWorker };
});

const { Checkpointer } = await import('../src/checkpointer.js');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('Checkpointer.stop', () => {
  it('terminates a worker that does not stop within stopTimeoutMs, and resolves', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopsync-checkpointer-'));
    dirs.push(dir);
    const db = new Database(path.join(dir, 'test.sqlite'));
    db.pragma('journal_mode = WAL');
    const errors: string[] = [];
    const checkpointer = Checkpointer.start(db, { stopTimeoutMs: 300, onError: (e) => errors.push(e) });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await checkpointer.stop();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1_300);
    expect(errors).toEqual(['the checkpoint worker did not stop within 300 ms: terminated']);
    db.close();
  });
});
