import { Worker } from 'node:worker_threads';
import type { IndexedDoc } from './document.js';
import { type BuildStatistics, SearchSegment } from './segment.js';

/**
 * Builds a serialized segment over the documents (see SearchSegment.serialize), on the
 * statistics given (a shard's base: the corpus's averages and the other shards' frequencies).
 */
export type SegmentBuilder = (docs: IndexedDoc[], statistics?: BuildStatistics) => Promise<string>;

/** Builds on the calling thread: for tests, scripts and tiny catalogs. */
export const inProcessBuilder: SegmentBuilder = async (docs, statistics) =>
  new SearchSegment(docs, statistics).serialize();

const WORKER = new URL('./build-worker.mjs', import.meta.url);

/**
 * Builds in a fresh worker thread per build (builds are rare: at first start and at compaction),
 * so no idle thread is kept.
 */
export const workerBuilder: SegmentBuilder = (docs, statistics) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: { docs, statistics } });
    let done = false;
    worker.once('message', (serialized: string) => {
      done = true;
      resolve(serialized);
    });
    worker.once('error', (err) => {
      done = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!done) reject(new Error(`segment build worker exited with code ${code}`));
    });
  });
