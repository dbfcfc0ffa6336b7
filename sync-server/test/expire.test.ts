import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { SqliteDocumentStorage, TOUCH_SLACK_MS } from '../src/index.js';
import { startSync, type TestSyncServer, token, until } from './harness.js';

const DAY = 24 * 3600_000;

/** A document's stored time of last write or use (the snapshot's updated_at), if it has a snapshot. */
function usedAt(db: Database.Database, doc: string): number | undefined {
  return (
    db.prepare('SELECT updated_at FROM sync_snapshots WHERE doc = ?').get(doc) as
      | { updated_at: number }
      | undefined
  )?.updated_at;
}

function age(db: Database.Database, doc: string, at: number): void {
  db.prepare('UPDATE sync_snapshots SET updated_at = ? WHERE doc = ?').run(at, doc);
}

function stored(db: Database.Database, doc: string): number {
  const snapshots = db.prepare('SELECT COUNT(*) AS n FROM sync_snapshots WHERE doc = ?').get(doc) as {
    n: number;
  };
  const updates = db.prepare('SELECT COUNT(*) AS n FROM sync_updates WHERE doc = ?').get(doc) as {
    n: number;
  };
  return snapshots.n + updates.n;
}

/** A document with one item, written through the server and folded into its snapshot. */
async function write(s: TestSyncServer, doc: string, item: string): Promise<void> {
  await s.sync.withDocument(doc, (d) => d.getArray<string>('items').push([item]));
}

describe('documents nobody uses expire (expireDocuments)', () => {
  let server: TestSyncServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('deletes what was unused since the cutoff, keeps what keep names, what was used since and what is held', async () => {
    server = await startSync({ idleRoomMs: 60_000 });
    const s = server;
    for (const doc of ['gone-1', 'gone-2', 'kept-user', 'held', 'recent']) await write(s, doc, doc);
    // Fold every log into a snapshot (as letting the rooms go does), then age all but `recent`.
    await s.close();
    server = await startSync({}, dirOf(s.db));
    const again = server;
    const now = Date.now();
    for (const doc of ['gone-1', 'gone-2', 'kept-user', 'held']) age(again.db, doc, now - 100 * DAY);
    // `held` is open in memory (a device or a checkout has it): kept, whatever its stored time.
    await again.sync.getDocument('held');
    age(again.db, 'held', now - 100 * DAY); // loading it counted as a use; it is still held

    const removed = await again.sync.expireDocuments(now - 92 * DAY, (doc) => doc === 'kept-user');

    expect(removed).toBe(2);
    expect(stored(again.db, 'gone-1')).toBe(0);
    expect(stored(again.db, 'gone-2')).toBe(0);
    expect(stored(again.db, 'kept-user')).toBe(1);
    expect(stored(again.db, 'held')).toBe(1);
    expect(stored(again.db, 'recent')).toBe(1);
    // A deleted document opens empty; the kept ones open whole.
    expect((await again.sync.getDocument('gone-1')).getArray('items').length).toBe(0);
    expect((await again.sync.getDocument('kept-user')).getArray('items').toArray()).toEqual(['kept-user']);
  });

  it('records no use of a cart nobody wrote (every first page view opens one), and one of a stored cart', async () => {
    const touched: string[][] = [];
    server = await startSync({}, undefined, undefined, (db) => {
      const storage = new SqliteDocumentStorage(db);
      const touch = storage.touch.bind(storage);
      storage.touch = (names, at) => {
        touched.push(names);
        touch(names, at);
      };
      return storage;
    });
    await server.sync.getDocument('never-written');
    await write(server, 'written', 'x');
    await server.close();
    expect(touched.flat()).not.toContain('never-written');
    expect(touched.flat()).toContain('written');
    server = undefined;
  });

  it('opening a document counts as a use: one opened again since the cutoff stays', async () => {
    server = await startSync();
    const s = server;
    await write(s, 'visited', 'x');
    await s.close();
    server = await startSync({}, dirOf(s.db));
    const again = server;
    const now = Date.now();
    age(again.db, 'visited', now - 80 * DAY);
    // A guest comes back on day 80 and only looks: the load records the use.
    await again.sync.getDocument('visited');
    expect(usedAt(again.db, 'visited')).toBeGreaterThanOrEqual(now);
    // A use recorded less than a day ago is not written again (a write a day at most).
    age(again.db, 'visited', now - TOUCH_SLACK_MS / 2);
    await again.close();
    server = await startSync({}, dirOf(again.db));
    await server.sync.getDocument('visited');
    expect(usedAt(server.db, 'visited')).toBe(now - TOUCH_SLACK_MS / 2);
  });

  it('letting a room go counts as a use: a cart held for months is not taken for one unused since it was opened', async () => {
    server = await startSync({ idleRoomMs: 1000 });
    const s = server;
    await write(s, 'long-held', 'x');
    await s.sync.flush();
    // Folded into its snapshot (as at an eviction), then "loaded" long ago and held since.
    await s.close();
    server = await startSync({ idleRoomMs: 1000 }, dirOf(s.db));
    const again = server;
    await again.sync.getDocument('long-held');
    age(again.db, 'long-held', Date.now() - 100 * DAY);
    // The sweeper lets it go once idle for idleRoomMs (it runs every second at this limit).
    await until(() => again.sync.stats().rooms === 0, 'the idle room to be let go');
    expect(usedAt(again.db, 'long-held')).toBeGreaterThan(Date.now() - DAY);
    expect(await again.sync.expireDocuments(Date.now() - 92 * DAY, () => false)).toBe(0);
    expect(stored(again.db, 'long-held')).toBe(1);
  });

  it('records a use of the rooms devices hold, twice a touch slack, with no load or eviction to say so', async () => {
    const first = await startSync();
    await write(first, 'held-open', 'x');
    await first.close(); // folded into its snapshot
    server = await startSync({ idleRoomMs: 1000 }, dirOf(first.db)); // the sweeper runs every second
    const s = server;
    const ws = new WebSocket(`${s.url}/held-open?token=${token('held-open')}`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    try {
      const start = Date.now();
      age(s.db, 'held-open', start - 100 * DAY);
      // Its device stays connected for over half a touch slack (the clock jumps there).
      const later = start + TOUCH_SLACK_MS / 2 + 60_000;
      vi.useFakeTimers({ toFake: ['Date'], now: later });
      // Waited for by turns of real time (the harness's until reads the frozen clock): the sweeper
      // runs every second.
      for (let i = 0; i < 1000 && usedAt(s.db, 'held-open') !== later; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(usedAt(s.db, 'held-open')).toBe(later);
      // Still held, by its device: no eviction recorded it.
      expect(s.sync.stats()).toMatchObject({ rooms: 1, connections: 1 });
    } finally {
      vi.useRealTimers();
      ws.close();
    }
  });

  it('folds a log a crash left unfolded, counting it as used now, and deletes nothing of it', async () => {
    server = await startSync();
    const db = server.db;
    // What kill -9 leaves: updates logged, no snapshot (the room was never let go).
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    for (const item of ['a', 'b', 'c']) doc.getArray<string>('items').push([item]);
    const storage = new SqliteDocumentStorage(db);
    // One stored update that does not apply among them: skipped, as loading the room skips it.
    const garbage = new Uint8Array([255, 255, 255, 255, 255]);
    storage.append(
      [...updates.slice(0, 1), garbage, ...updates.slice(1)].map((update) => ({
        docName: 'crashed',
        update,
      })),
    );
    expect(usedAt(db, 'crashed')).toBeUndefined();

    // Beside it, a folded document last used a moment ago: the cutoff below (now) takes it.
    storage.compactAll([{ docName: 'folded', snapshot: Y.encodeStateAsUpdate(new Y.Doc()) }]);
    age(db, 'folded', Date.now() - 1);

    expect(await server.sync.expireDocuments(Date.now(), () => false)).toBe(1);
    // The unfolded log had no time of use; folded, it counts as used now, after the cutoff.
    expect(stored(db, 'folded')).toBe(0);
    expect(stored(db, 'crashed')).toBe(1);
    expect(usedAt(db, 'crashed')).toBeGreaterThan(Date.now() - DAY);
    expect((await server.sync.getDocument('crashed')).getArray('items').toArray()).toEqual(['a', 'b', 'c']);
  });

  it('works through more documents than one batch, each deleted once', async () => {
    server = await startSync();
    const storage = new SqliteDocumentStorage(server.db);
    const old = Date.now() - 100 * DAY;
    const snapshot = Y.encodeStateAsUpdate(new Y.Doc());
    const names = Array.from({ length: 1234 }, (_, i) => `doc-${i}`);
    storage.compactAll(names.map((docName) => ({ docName, snapshot })));
    for (const name of names) age(server.db, name, old + (name.length % 3));
    const kept = new Set(names.filter((_, i) => i % 7 === 0));

    const removed = await server.sync.expireDocuments(Date.now() - 92 * DAY, (doc) => kept.has(doc));

    expect(removed).toBe(names.length - kept.size);
    const left = server.db.prepare('SELECT doc FROM sync_snapshots ORDER BY doc').pluck().all() as string[];
    expect(left).toEqual([...kept].sort());
  });
});

function dirOf(db: Database.Database): string {
  return db.name.slice(0, db.name.lastIndexOf('/'));
}
