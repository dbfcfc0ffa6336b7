import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

type Db = Database.Database;

const WORKER = new URL('./checkpoint-worker.mjs', import.meta.url);

/**
 * How many WAL pages the main connection lets pile up before it checkpoints itself (32 MiB of 4 KiB
 * pages). Its checkpoint is what lets the WAL start over from its beginning; with the background
 * checkpointer it finds nearly every page already copied and synced.
 */
export const MAIN_CHECKPOINT_PAGES = 8192;
/** SQLite's own default, for when the worker is gone. */
const SQLITE_CHECKPOINT_PAGES = 1000;
const REPORT_EVERY_MS = 60_000;
/** After stop()'s wait for the worker has given up on it, how long its termination may take. */
const TERMINATE_WAIT_MS = 1_000;

export interface CheckpointerOptions {
  /** How long the worker rests between two checkpoints (100 ms). */
  intervalMs?: number;
  /** The main connection's own automatic checkpoint, in pages (MAIN_CHECKPOINT_PAGES). */
  mainCheckpointPages?: number;
  /**
   * How long stop() waits for the worker to finish its checkpoint and close (5 s); then it is
   * terminated, and stop() resolves at most a second later whatever the worker does.
   */
  stopTimeoutMs?: number;
  /**
   * A checkpoint the worker could not make (it tries again next time; reported once a minute at
   * most), or a worker that could not start (the main connection then checkpoints every 1,000
   * pages again, as SQLite does by itself; its going is reported too), or a worker that had to be
   * terminated on stop().
   */
  onError?: (error: string) => void;
  /** Each checkpoint the worker made (for tests and diagnostics; nothing is sent without it). */
  onCheckpoint?: (checkpoint: CheckpointResult) => void;
}

/** One of the worker's checkpoints: SQLite's `wal_checkpoint` row and when it ran (epoch ms). */
export interface CheckpointResult {
  /** 1 when another connection was checkpointing: nothing was copied. */
  busy: number;
  /** Frames in the WAL when it ran. */
  log: number;
  /** Of those, frames now copied into the database file. */
  checkpointed: number;
  startedAt: number;
  endedAt: number;
}

/**
 * Checkpoints the database's WAL from a worker thread, `intervalMs` after the last one ended.
 * SQLite's automatic checkpoint runs inside a commit on the thread that serves requests: every
 * 1,000 pages it copies them into the database file and fsyncs it. Under a checkout burst that was half of the time the
 * commits took, mostly waiting on the disk; on a micro-benchmark of the checkout's three
 * transactions the median batch took 1 ms, the slowest 1% 13-22 ms and the worst 37-77 ms. The
 * worker's PASSIVE checkpoint takes no lock a writer needs, so the main connection keeps
 * committing while pages are copied and synced; its own automatic checkpoint, now at
 * MAIN_CHECKPOINT_PAGES, finishes what is left so that the WAL can start over from its beginning
 * (the worker's own starts it over only when it caught up between two commits).
 * Measured through HTTP (bench/checkout.ts, uniform catalog, 64 in flight): 4,900 -> 5,600 orders/s.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private stopping: Promise<void> | undefined;
  private readonly stopTimeoutMs: number;
  private lastReport = Number.NEGATIVE_INFINITY;
  private unreported = 0;

  private constructor(
    db: Db,
    options: CheckpointerOptions,
    private readonly onError: (error: string) => void = options.onError ?? (() => {}),
  ) {
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
    db.pragma(`wal_autocheckpoint = ${options.mainCheckpointPages ?? MAIN_CHECKPOINT_PAGES}`);
    this.worker = new Worker(WORKER, {
      workerData: {
        file: path.resolve(db.name),
        intervalMs: options.intervalMs ?? 100,
        notify: options.onCheckpoint !== undefined,
      },
    });
    this.worker.on('message', (m: { error: string } | { checkpoint: CheckpointResult }) => {
      if ('checkpoint' in m) options.onCheckpoint?.(m.checkpoint);
      else this.report(m.error);
    });
    this.worker.on('error', (e) => this.report(String(e)));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        // A worker gone before its time (it could not open the file, it crashed): the main
        // connection checkpoints as often as SQLite would by itself, not 8x less often.
        if (!this.stopping) {
          if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_CHECKPOINT_PAGES}`);
          // Said every time (it happens once): what follows the worker's own report, if any.
          this.onError(
            `the checkpoint worker ended (exit code ${code}); the main connection checkpoints every ${SQLITE_CHECKPOINT_PAGES} pages itself`,
          );
        }
        resolve();
      }),
    );
    // Never keeps the process alive on its own.
    this.worker.unref();
  }

  static start(db: Db, options: CheckpointerOptions = {}): Checkpointer {
    return new Checkpointer(db, options);
  }

  /**
   * Stops the worker and closes its connection (before the main connection closes). Bounded: a
   * worker that has not exited after `stopTimeoutMs` (stuck, or deaf to "stop") is terminated, and
   * the promise resolves at most a second after that in any case (a shutdown must end).
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopWorker();
    return this.stopping;
  }

  private async stopWorker(): Promise<void> {
    // Held now, so that a process with nothing else left to do waits for the worker's exit.
    this.worker.ref();
    this.worker.postMessage('stop');
    if (await within(this.exited, this.stopTimeoutMs)) return;
    this.onError(`the checkpoint worker did not stop within ${this.stopTimeoutMs} ms: terminated`);
    void this.worker.terminate();
    if (await within(this.exited, TERMINATE_WAIT_MS)) return;
    // Still inside a call it cannot leave: no longer waited for, nor holding the process.
    this.worker.unref();
  }

  /** A failing checkpoint fails every 100 ms: the first is reported, then one a minute. */
  private report(error: string): void {
    const now = Date.now();
    if (now - this.lastReport < REPORT_EVERY_MS) {
      this.unreported++;
      return;
    }
    this.onError(this.unreported ? `${error} (and ${this.unreported} more since the last report)` : error);
    this.lastReport = now;
    this.unreported = 0;
  }
}

/** Whether `promise` settled within `ms`. */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
