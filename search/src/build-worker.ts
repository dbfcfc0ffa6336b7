/**
 * Builds one segment in a worker thread, so that building the base of a large catalog (seconds)
 * never blocks the thread that answers searches. Input: the IndexedDoc[] and the BuildStatistics
 * as workerData; output: the serialized segment (a string crosses threads as one copy, a Lunr
 * object graph cannot).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { IndexedDoc } from './document.js';
import { type BuildStatistics, SearchSegment } from './segment.js';

const { docs, statistics } = workerData as { docs: IndexedDoc[]; statistics?: BuildStatistics };
parentPort!.postMessage(new SearchSegment(docs, statistics).serialize());
