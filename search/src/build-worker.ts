/**
 * Builds one segment in a worker thread, so that building the base of a large catalog (seconds)
 * never blocks the thread that answers searches. Input: IndexedDoc[] as workerData; output: the
 * serialized segment (a string crosses threads as one copy, a Lunr object graph cannot).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { IndexedDoc } from './document.js';
import { SearchSegment } from './segment.js';

parentPort!.postMessage(new SearchSegment(workerData as IndexedDoc[]).serialize());
