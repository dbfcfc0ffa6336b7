import type Database from 'better-sqlite3';

/**
 * Where cart documents are kept: an append-only log of updates plus a snapshot per document.
 * The SQLite adapter is the embedded default; a Postgres one would implement the same interface.
 */
export interface DocumentStorage {
  /** The snapshot (if any) followed by every update logged after it, in order. */
  load(docName: string): Uint8Array[];
  /** Appends updates of several documents in one transaction (group commit). */
  append(batch: { docName: string; update: Uint8Array }[]): void;
  /** Replaces a document's snapshot and drops the log entries it covers. */
  compact(docName: string, snapshot: Uint8Array): void;
  /**
   * `compact` for several documents in one transaction (evicting rooms, shutting down). Optional:
   * without it the server compacts them one by one.
   */
  compactAll?(snapshots: { docName: string; snapshot: Uint8Array }[]): void;
  /** Number of updates logged since the last snapshot. */
  logLength(docName: string): number;
  /**
   * Optional, with `logged`, `unused` and `remove`: what lets documents nobody uses expire
   * (SyncServer.expireDocuments). Records that these documents were used (opened or let go) at
   * `at`; a store may keep the time coarse, to a day.
   */
  touch?(docNames: string[], at: number): void;
  /** Documents with updates logged since their snapshot, by name, the first `limit` after `after`. */
  logged?(after: string, limit: number): string[];
  /**
   * Documents whose log is folded into their snapshot and that were last written or used (touch)
   * before `before`: the first `limit` after the cursor, least recently used first.
   */
  unused?(before: number, after: UsedCursor | undefined, limit: number): UsedCursor[];
  /** Deletes these documents, snapshot and log. */
  remove?(docNames: string[]): void;
}

/** A document and when it was last written or used: a place in `unused`'s order. */
export interface UsedCursor {
  docName: string;
  at: number;
}

/** `touch` moves a document's time only when it is older than this: a write a day at most. */
export const TOUCH_SLACK_MS = 24 * 3600_000;

export class SqliteDocumentStorage implements DocumentStorage {
  private readonly stmts;
  private readonly appendAll;
  private readonly touchAll;
  private readonly removeAll;

  constructor(private readonly db: Database.Database) {
    // A plain rowid key (not AUTOINCREMENT): a new row's id is above every id in the table, which is
    // all the per-document order needs, and a commit no longer rewrites sqlite_sequence's page too.
    db.exec(`
      CREATE TABLE IF NOT EXISTS sync_snapshots (doc TEXT PRIMARY KEY, state BLOB NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS sync_updates (id INTEGER PRIMARY KEY, doc TEXT NOT NULL, data BLOB NOT NULL);
    `);
    const { sql } = db
      .prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'sync_updates'`)
      .get() as {
      sql: string;
    };
    if (/AUTOINCREMENT/i.test(sql)) {
      // A log made by an earlier version: the same rows, ids and order, in the plain table.
      db.transaction(() => {
        db.exec(`
          CREATE TABLE sync_updates_plain (id INTEGER PRIMARY KEY, doc TEXT NOT NULL, data BLOB NOT NULL);
          INSERT INTO sync_updates_plain (id, doc, data) SELECT id, doc, data FROM sync_updates ORDER BY id;
          DROP TABLE sync_updates;
          ALTER TABLE sync_updates_plain RENAME TO sync_updates;
        `);
      }).immediate();
    }
    db.exec('CREATE INDEX IF NOT EXISTS sync_updates_doc ON sync_updates(doc, id);');
    // A snapshot's updated_at is when it was last written or its document last used (touch):
    // what `unused` walks, oldest first, without reading every snapshot. Versions before that
    // index moved it on writes only, so a document only read since (a guest who looks at the cart
    // now and then) would seem unused: uses are counted from the upgrade on instead.
    const tracked = db
      .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'sync_snapshots_used'`)
      .get();
    if (!tracked)
      db.transaction(() => {
        db.prepare('UPDATE sync_snapshots SET updated_at = max(updated_at, ?)').run(Date.now());
        db.exec('CREATE INDEX sync_snapshots_used ON sync_snapshots(updated_at, doc);');
      }).immediate();
    this.stmts = {
      snapshot: db.prepare('SELECT state FROM sync_snapshots WHERE doc = ?'),
      updates: db.prepare('SELECT data FROM sync_updates WHERE doc = ? ORDER BY id'),
      append: db.prepare('INSERT INTO sync_updates (doc, data) VALUES (?, ?)'),
      count: db.prepare('SELECT COUNT(*) AS n FROM sync_updates WHERE doc = ?'),
      save: db.prepare(`INSERT INTO sync_snapshots (doc, state, updated_at) VALUES (?, ?, ?)
        ON CONFLICT(doc) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`),
      drop: db.prepare('DELETE FROM sync_updates WHERE doc = ?'),
      touch: db.prepare('UPDATE sync_snapshots SET updated_at = ? WHERE doc = ? AND updated_at < ?'),
      logged: db.prepare('SELECT DISTINCT doc FROM sync_updates WHERE doc > ? ORDER BY doc LIMIT ?').pluck(),
      unused: db.prepare(`SELECT doc AS docName, updated_at AS at FROM sync_snapshots s
        WHERE updated_at < ? AND (updated_at, doc) > (?, ?)
          AND NOT EXISTS (SELECT 1 FROM sync_updates u WHERE u.doc = s.doc)
        ORDER BY updated_at, doc LIMIT ?`),
      removeSnapshot: db.prepare('DELETE FROM sync_snapshots WHERE doc = ?'),
    };
    const append = this.stmts.append;
    // One transaction function for the life of the storage, not one per commit.
    this.appendAll = db.transaction((batch: { docName: string; update: Uint8Array }[]) => {
      for (const { docName, update } of batch) append.run(docName, asBuffer(update));
    });
    this.touchAll = db.transaction((docNames: string[], at: number) => {
      for (const docName of docNames) this.stmts.touch.run(at, docName, at - TOUCH_SLACK_MS);
    });
    this.removeAll = db.transaction((docNames: string[]) => {
      for (const docName of docNames) {
        this.stmts.removeSnapshot.run(docName);
        this.stmts.drop.run(docName);
      }
    });
  }

  load(docName: string): Uint8Array[] {
    const out: Uint8Array[] = [];
    const snap = this.stmts.snapshot.get(docName) as { state: Buffer } | undefined;
    if (snap) out.push(new Uint8Array(snap.state));
    for (const row of this.stmts.updates.all(docName) as { data: Buffer }[])
      out.push(new Uint8Array(row.data));
    return out;
  }

  append(batch: { docName: string; update: Uint8Array }[]): void {
    this.appendAll.immediate(batch);
  }

  compact(docName: string, snapshot: Uint8Array): void {
    this.compactAll([{ docName, snapshot }]);
  }

  compactAll(snapshots: { docName: string; snapshot: Uint8Array }[]): void {
    if (snapshots.length === 0) return;
    const at = Date.now();
    this.db
      .transaction(() => {
        for (const { docName, snapshot } of snapshots) {
          this.stmts.save.run(docName, asBuffer(snapshot), at);
          this.stmts.drop.run(docName);
        }
      })
      .immediate();
  }

  logLength(docName: string): number {
    return (this.stmts.count.get(docName) as { n: number }).n;
  }

  touch(docNames: string[], at: number): void {
    if (docNames.length > 0) this.touchAll.immediate(docNames, at);
  }

  logged(after: string, limit: number): string[] {
    return this.stmts.logged.all(after, limit) as string[];
  }

  unused(before: number, after: UsedCursor | undefined, limit: number): UsedCursor[] {
    return this.stmts.unused.all(before, after?.at ?? -1, after?.docName ?? '', limit) as UsedCursor[];
  }

  remove(docNames: string[]): void {
    if (docNames.length > 0) this.removeAll.immediate(docNames);
  }
}

/** A Buffer over the same bytes (better-sqlite3 binds Buffers as BLOBs); no copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
