import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type Database from 'better-sqlite3';
import { type WebSocket, WebSocketServer } from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { clientAddress } from './address.js';
import { MAX_DOCUMENT_BYTES } from './limits.js';
import { createMetrics, type SyncMetrics } from './metrics.js';
import {
  awarenessMessage,
  MESSAGE_SYNC,
  parseMessage,
  SYNC_STEP1,
  SYNC_UPDATE,
  savedMessage,
  syncStep1,
  syncStep2,
  syncStep2Message,
  updateMessage,
} from './protocol.js';
import { applyStored, type Connection, LOAD_ORIGIN, type Relay, Room } from './room.js';
import { type DocumentStorage, SqliteDocumentStorage, TOUCH_SLACK_MS, type UsedCursor } from './storage.js';
import type { UpdateCheck } from './update-check.js';

/**
 * `session`: the sign-in the connection rests on, when it rests on one; `endSession` with it
 * closes the connection (signing out ends the device's cart sync, not only its next handshake).
 */
export type AuthDecision =
  | { ok: true; principal: string; session?: string }
  | { ok: false; status: 401 | 403 | 404; reason: string };

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface SyncLimits {
  /** Largest accepted frame; a larger one closes the connection with 1009. */
  maxFrameBytes: number;
  /** Sustained messages per second per connection (bursts up to twice that). */
  messagesPerSecond: number;
  maxConnectionsPerPrincipal: number;
  /**
   * Open connections from one client address (SyncServerOptions.clientAddress). A guest's cart
   * costs nothing to start, so without it one client could hold every room the server keeps.
   */
  maxConnectionsPerAddress: number;
  /**
   * Sustained bytes of document changes one client address may send per second, over all its
   * connections and carts, in bursts up to twice `maxDocumentBytes` (a device back online with a
   * full cart's edits). Past it the connection is closed with 4529, and the address's new
   * connections get 429 until a sixteenth of the burst is back.
   * Carts are free to start and each may take `maxDocumentBytes`, so without it one client could
   * fill the disk as fast as it can write (30 made-up guest carts grew the database by 39 MiB in
   * 8 s). A shopper's edit is ~100 bytes: the default 32 KiB/s serves hundreds of shoppers
   * behind one address, and bounds one client to ~2.7 GB a day.
   */
  writeBytesPerAddressPerSecond: number;
  /** Idle rooms (no connection) are flushed and evicted after this long. */
  idleRoomMs: number;
  /**
   * Most documents held in memory. At the limit, the least recently used idle rooms are flushed
   * and evicted early; when every room held has a device connected, a device opening another cart
   * is refused (503) until one closes.
   */
  maxRooms: number;
  /** Updates in a document's log before it is folded into its snapshot. */
  compactAfterUpdates: number;
  /**
   * Most bytes a document may take in storage (its snapshot and the log since). A device's update
   * that would pass it closes that connection with 4413; the document keeps what it has. A cart
   * of 10,000 edits takes ~180 KB: only someone filling one on purpose gets near it.
   */
  maxDocumentBytes: number;
  /**
   * Most bytes the documents held in memory may take together, as stored. A Y.Doc takes 10-33
   * times its stored size in heap (a typical cart ~13x, a document of many tiny keys 25-33x), so
   * the default 32 MiB holds ~45,000 typical carts and at worst ~1.1 GB of heap. Past it, the
   * least recently used idle rooms are evicted, then the largest rooms in use (freeMemory); when
   * that is not enough, a device's update that would grow them closes its connection with 4503
   * (retried later) and a device opening another cart is refused (503). Without it, guest carts
   * (free to start) filled to `maxDocumentBytes` exhausted the heap: ~71 of them crashed a 4 GB
   * process.
   */
  maxMemoryBytes: number;
  /**
   * Most bytes waiting to be sent to one connection (a device that does not read, or reads too
   * slowly); past it the connection is closed with 4508 and dropped. Unbounded, a few sockets
   * that never read grew the process by 37 MB/s.
   */
  maxBufferedBytes: number;
  /**
   * How often each connection is pinged; one that has answered neither this ping nor anything
   * else by the next is dropped. A device that vanished without closing (a phone that lost its
   * network, a laptop put to sleep) otherwise held its place for hours, until TCP gave up: its
   * presence ("also open on 6 other devices") and its share of `maxConnectionsPerPrincipal`, so
   * twenty such drops locked the shopper out of their own cart.
   */
  pingIntervalMs: number;
}

export interface SyncServerOptions {
  db?: Database.Database;
  storage?: DocumentStorage;
  authorize(req: IncomingMessage, docName: string): AuthDecision | Promise<AuthDecision>;
  logger?: Logger;
  limits?: Partial<SyncLimits>;
  hooks?: {
    onChange?(docName: string, doc: Y.Doc, origin: unknown): void;
    /** Runs before an idle room is evicted (no device connected); edits made here are persisted. */
    onIdle?(docName: string, doc: Y.Doc): void;
  };
  metrics?: SyncMetrics;
  /**
   * The address a request comes from, for `maxConnectionsPerAddress`: by default the socket's
   * peer; behind reverse proxies, `clientAddress(req, proxies)` (address.ts).
   */
  clientAddress?(req: IncomingMessage): string;
  /**
   * Looks at each update a device sends (its step 2 too) before it is applied; a reason refuses
   * it, closing the connection with 4400 and the reason. For the cart, `flatMapUpdates('lines')`
   * (update-check.ts): without it, a device may write anything Yjs can hold.
   */
  checkUpdate?: UpdateCheck;
}

export interface SyncServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The document, loaded if needed. Edits made on it outside withDocument are persisted too. */
  getDocument(docName: string): Promise<Y.Doc>;
  /** Runs a server-side edit in one transaction; resolves once it is durable and broadcast. */
  withDocument<T>(docName: string, fn: (doc: Y.Doc) => T): Promise<T>;
  /** Resolves once everything applied so far is committed. */
  flush(): Promise<void>;
  metricsText(): Promise<string>;
  readonly metrics: SyncMetrics;
  /** `bytes`: the stored size of the documents held in memory (maxMemoryBytes). */
  stats(): { rooms: number; connections: number; bytes: number };
  /**
   * Closes every connection authorized by this sign-in (AuthDecision.session) with 4401 and
   * `reason`; returns how many. For sign-out: a token or cookie it refuses from now on must not
   * keep a connection it opened before.
   */
  endSession(session: string, reason?: string): number;
  /**
   * Deletes the stored documents that nobody has written or opened since `before` (a device, or
   * getDocument / withDocument), except those `keep` names and those held in memory; resolves
   * with how many. Logs a crash left unfolded are folded first (a fold counts as a use). Works
   * through the store in batches, a turn of the event loop each. Needs a storage with `touch`,
   * `logged`, `unused` and `remove` (the SQLite one has them); with another, it deletes nothing.
   */
  expireDocuments(before: number, keep: (docName: string) => boolean): Promise<number>;
  close(): Promise<void>;
}

export const DOC_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A plain HTTP request (no WebSocket upgrade) to /sync or /sync/<cart>: 426 with this error and
 * `Upgrade: websocket`, rather than a 404 that says the path is not there.
 */
export const NOT_UPGRADED = {
  code: 'upgrade_required',
  message: 'cart sync is a WebSocket: open /sync/<cartId> with Upgrade: websocket',
} as const;

/** Whether a request's path (query left out) is the sync endpoint's. */
export function isSyncPath(path: string): boolean {
  return path === '/sync' || path.startsWith('/sync/');
}

/**
 * withDocument's edit is made, in memory and on the devices, but its commit failed (the
 * database locked, a full disk): it stays queued and is retried every second, so repeating the
 * edit would make it twice. Not a refusal: the caller must not say it was saved, nor that
 * nothing was done.
 */
export class NotSavedYet extends Error {
  readonly code = 'SYNC_NOT_SAVED';
  constructor(cause: unknown) {
    super(`the cart edit is made but not saved yet: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/**
 * An upgrade's target (`/sync/<cart id>?…`) and the cart id in it, or undefined when it does not
 * parse (a bad %-escape).
 */
function upgradeTarget(target: string): { url: URL; name: string } | undefined {
  try {
    const url = new URL(target, 'http://localhost');
    return { url, name: decodeURIComponent(url.pathname.replace(/^\/sync\/?/, '')) };
  } catch {
    return undefined;
  }
}
const SERVER_ORIGIN = Symbol('server');
const CONN = Symbol('connection');
type ConnSocket = WebSocket & { [CONN]: Connection };
const noop = () => {};
const silent: Logger = { info: noop, warn: noop, error: noop, debug: noop };

/** One connection more under `key`. */
function take(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** One connection fewer under `key`; the entry goes at zero. */
function release(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left > 0) counts.set(key, left);
  else counts.delete(key);
}

/**
 * The rooms of `rooms`, in their order, while `more(room, taken, bytes)` holds: `taken` rooms of
 * `bytes` (stored) taken before it. The eviction lists (idle rooms least recently used first, or
 * the largest first) are cut this way.
 */
function takeWhile(
  rooms: Iterable<Room>,
  more: (room: Room, taken: number, bytes: number) => boolean,
): Room[] {
  const taken: Room[] = [];
  let bytes = 0;
  for (const room of rooms) {
    if (!more(room, taken.length, bytes)) break;
    taken.push(room);
    bytes += room.bytes;
  }
  return taken;
}

/** Whether a transaction added structs (its state vector moved). */
function stateChanged(tr: Y.Transaction): boolean {
  if (tr.afterState.size !== tr.beforeState.size) return true;
  for (const [client, clock] of tr.afterState) if (tr.beforeState.get(client) !== clock) return true;
  return false;
}

const DEFAULT_LIMITS: SyncLimits = {
  maxFrameBytes: 1024 * 1024,
  messagesPerSecond: 50,
  maxConnectionsPerPrincipal: 20,
  maxConnectionsPerAddress: 256,
  writeBytesPerAddressPerSecond: 32 * 1024,
  idleRoomMs: 60_000,
  maxRooms: 50_000,
  compactAfterUpdates: 200,
  maxDocumentBytes: MAX_DOCUMENT_BYTES,
  maxMemoryBytes: 32 * 1024 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  pingIntervalMs: 30_000,
};

/**
 * A device's awareness frame: its presence (the storefront's: a device id and since when, ~100
 * bytes) for one client (a few after reloads in one tab). Presence is kept in memory for 30 s
 * after its last update, so what one connection may make the server hold stays bounded. Each
 * frame is parsed and sent to every device of the cart: at 16 KiB, 200 connections of one address
 * sending 45 a second held /api/health at 3.4 s.
 */
const MAX_AWARENESS_BYTES = 2 * 1024;

/**
 * Awareness frames a connection may send a second, in bursts of AWARENESS_BURST: the stock client
 * renews its presence every 15 s and on each change. Past it a frame is dropped (presence is not
 * state: the next one brings it).
 */
const AWARENESS_PER_SECOND = 1;
const AWARENESS_BURST = 10;

const MAX_AWARENESS_CLIENTS = 8;

/**
 * A room in use may be evicted to make memory for others only above this size (freeMemory): a
 * typical cart takes ~1 KB, one of 10,000 edits a few hundred.
 */
const LARGE_ROOM_BYTES = 64 * 1024;

/** Client addresses whose write budget is remembered (writeBytesPerAddressPerSecond): ~1 MB. */
const WRITE_BUDGETS = 10_000;

/** Documents expireDocuments lists (and folds or deletes) in one turn of the event loop. */
const EXPIRE_BATCH = 500;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Why a frame that left parts waiting for structs the server lacks was refused (relayUpdate). */
const DEPENDENT = 'an update that depends on changes the server does not have';

/** Bytes of updates a document holds that wait for structs or deletes it has not got. */
function pendingBytes(store: Y.Doc['store']): number {
  return (store.pendingStructs?.update.length ?? 0) + (store.pendingDs?.length ?? 0);
}

/** Whether a transaction integrated anything: new structs or deletes. */
function integrated(tr: Y.Transaction | undefined): boolean {
  return tr !== undefined && (tr.deleteSet.clients.size > 0 || stateChanged(tr));
}

/**
 * The cart sync server: one room per document, y-protocols sync and awareness, an authorization
 * hook before any byte of a document is sent, and group-committed persistence: an update is
 * acknowledged ("saved") only after the transaction holding it commits.
 */
export function createSyncServer(options: SyncServerOptions): SyncServer {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger ?? silent;
  const metrics = options.metrics ?? createMetrics();
  const storage = options.storage ?? new SqliteDocumentStorage(options.db!);
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes });
  const rooms = new Map<string, Room>();
  /**
   * The rooms with no device connected, least recently used first (a room moves to the end when
   * it is used or its last device leaves): what the sweeper and the room limit evict, found
   * without scanning every room.
   */
  const idleRooms = new Map<string, Room>();
  const perPrincipal = new Map<string, number>();
  /** Open connections by the sign-in they rest on (only those that rest on one). */
  const bySession = new Map<string, Set<Connection>>();
  const perAddress = new Map<string, number>();
  /**
   * Write budgets by client address (writeBytesPerAddressPerSecond), kept past the address's last
   * connection so reconnecting does not refill one; the least recently used go first past
   * WRITE_BUDGETS (an address forgotten starts with a full budget).
   */
  const writeBudgets = new Map<string, { bytes: number; at: number }>();
  const addressOf = options.clientAddress ?? ((req: IncomingMessage) => clientAddress(req));
  /** When an address last hit each limit was logged: once a minute at most. */
  const addressLimitLogged = { connections: 0, writes: 0 };
  let queue: { docName: string; update: Uint8Array; room: Room }[] = [];
  let flushScheduled = false;
  let flushWaiters: { resolve(): void; reject(err: unknown): void }[] = [];
  let closed = false;
  /** The stored size of every document in memory, summed (maxMemoryBytes). */
  let heldBytes = 0;
  // Byte counters are summed here and handed to prom-client once per commit (or scrape), not per frame.
  let bytesIn = 0;
  let bytesOut = 0;

  function syncCounters(): void {
    metrics.documentBytes.set(heldBytes);
    if (bytesIn) metrics.bytesIn.inc(bytesIn);
    if (bytesOut) metrics.bytesOut.inc(bytesOut);
    bytesIn = 0;
    bytesOut = 0;
  }

  /** Replaces these documents' snapshots and drops their logs: in one transaction where the storage can. */
  function storeSnapshots(snapshots: { docName: string; snapshot: Uint8Array }[]): void {
    if (storage.compactAll) storage.compactAll(snapshots);
    else for (const { docName, snapshot } of snapshots) storage.compact(docName, snapshot);
  }

  /**
   * Folds the rooms' logs into snapshots, in one transaction where the storage can (compactAll):
   * with an fsync per commit, one fsync for the lot. The updates are stored already: a fold that
   * fails is logged and leaves the logs whole (loaded as they are, folded another time).
   */
  function compactRooms(list: Room[]): void {
    if (list.length === 0) return;
    const snapshots = list.map((room) => ({ docName: room.name, snapshot: Y.encodeStateAsUpdate(room.doc) }));
    try {
      storeSnapshots(snapshots);
    } catch (err) {
      logger.error({ err }, 'folding cart update logs into snapshots failed');
      return;
    }
    for (const [i, room] of list.entries()) {
      room.logLength = 0;
      const bytes = snapshots[i]!.snapshot.length;
      // Rooms being closed may be gone from the map already: only those held count.
      if (rooms.get(room.name) === room) heldBytes += bytes - room.bytes;
      room.bytes = bytes;
    }
  }

  function send(conn: Connection, message: Uint8Array): void {
    if (conn.ws.readyState !== 1 /* OPEN */) return;
    // A device that does not read what it is sent would have the process hold it all.
    if (conn.ws.bufferedAmount > limits.maxBufferedBytes) {
      closeFor(conn, 4508, 'messages piling up unread');
      // Its close frame waits behind what it does not read: drop the socket soon all the same.
      setTimeout(() => conn.ws.terminate(), 1000).unref();
      return;
    }
    bytesOut += message.length;
    // No callback: a failed write errors the socket, and its 'error' handler terminates it.
    conn.ws.send(message);
  }

  /** Commits every queued update in one transaction, then tells opted-in clients they are saved. */
  function flushNow(): void {
    syncCounters();
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    const end = metrics.persistSeconds.startTimer();
    try {
      storage.append(batch);
    } catch (err) {
      // None of the batch is stored. It goes back ahead of what came since, to be written before
      // it: a saved message states the whole document, so none may be sent until all of it is.
      queue = batch.concat(queue);
      retryFlush();
      throw err;
    } finally {
      end();
    }
    metrics.updates.inc(batch.length);
    const touched = new Set(batch.map((b) => b.room));
    for (const { room } of batch) room.logLength++;
    // Logs grown past the threshold are folded into snapshots, all in one more transaction.
    compactRooms([...touched].filter((room) => room.logLength >= limits.compactAfterUpdates));
    for (const room of touched) {
      let saved: Uint8Array | undefined;
      for (const conn of room.connections) {
        if (!conn.wantsSaved) continue;
        saved ??= savedMessage(room.doc);
        send(conn, saved);
      }
    }
  }

  function runScheduledFlush(): void {
    flushScheduled = false;
    const waiters = flushWaiters;
    flushWaiters = [];
    try {
      flushNow();
      for (const w of waiters) w.resolve();
    } catch (err) {
      logger.error({ err }, 'persisting cart updates failed');
      for (const w of waiters) w.reject(err);
    }
  }

  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** After a failed commit, tries again in a second even if no new update comes to trigger it. */
  function retryFlush(): void {
    if (retryTimer || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      scheduleFlush();
    }, 1000);
    retryTimer.unref();
  }

  /** setImmediate gathers every update that arrives in this turn of the event loop into one commit. */
  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(runScheduledFlush);
  }

  /**
   * Queues an update for the next commit and sends it to every device of the room but `except`.
   * `message` is made only when some device is there to get it (a server-side edit of a cart no
   * device has open, as a checkout's, sends nothing).
   */
  function publish(
    room: Room,
    update: Uint8Array,
    message: Uint8Array | ((update: Uint8Array) => Uint8Array),
    except: Connection | undefined,
  ): void {
    queue.push({ docName: room.name, update, room });
    room.bytes += update.length;
    heldBytes += update.length;
    scheduleFlush();
    let bytes = typeof message === 'function' ? undefined : message;
    for (const conn of room.connections) {
      if (conn === except) continue;
      bytes ??= (message as (update: Uint8Array) => Uint8Array)(update);
      send(conn, bytes);
    }
  }

  /** What a stored update of `name` that does not apply is logged as; it is skipped. */
  function loadError(name: string): (err: unknown) => void {
    return (err) =>
      logger.error({ err, doc: name }, 'a stored update of a cart document does not apply; skipped it');
  }

  function loadRoom(name: string): Room {
    let room = rooms.get(name);
    if (room) {
      room.lastUsed = Date.now();
      if (idleRooms.delete(name)) idleRooms.set(name, room);
      return room;
    }
    room = new Room(name, loadError(name));
    const r = room;
    room.logLength = storage.logLength(name);
    // Every change but a device's incremental update is encoded by Yjs ('update') and sent to all.
    const onUpdate = (update: Uint8Array, origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => {
      if (tr === r.relay?.tr || origin === LOAD_ORIGIN) return;
      publish(r, update, updateMessage, undefined);
      options.hooks?.onChange?.(name, r.doc, origin);
    };
    r.onUpdate = onUpdate;
    r.doc.on('update', onUpdate);
    // A device's incremental update is relayed and logged as the bytes it sent (see relayUpdate):
    // for its transaction only, Yjs is spared encoding it again.
    r.doc.on('beforeTransaction', (tr: Y.Transaction) => {
      if (r.relay && r.relay.tr === undefined) {
        r.relay.tr = tr;
        r.doc.off('update', onUpdate);
      } else if (tr.origin === LOAD_ORIGIN) {
        // Loading the stored state is no change: no 'update' to encode (the next transaction re-attaches).
        r.doc.off('update', onUpdate);
      } else r.doc.on('update', onUpdate);
    });
    // Where Yjs would emit 'update' for it (the listener comes back in relayUpdate, once Yjs is done).
    r.doc.on('afterTransactionCleanup', (tr: Y.Transaction) => {
      const relay = r.relay;
      if (relay?.tr !== tr) return;
      const store = r.doc.store;
      // Logged and relayed when it integrated anything or left anything pending (a no-op is dropped),
      // by relayUpdate once Yjs has read the whole frame: only then is it known to be one that
      // every device (and this server, reloading its log) can apply.
      relay.changed =
        tr.deleteSet.clients.size > 0 ||
        store.pendingStructs !== relay.pendingStructs ||
        store.pendingDs !== relay.pendingDs ||
        stateChanged(tr);
    });
    // Applied when first needed: a device's first sync can be answered from the stored snapshot.
    room.defer(storage.load(name));
    touch([room], room.lastUsed);
    heldBytes += room.bytes;
    r.awareness.on('update', ({ added, updated, removed }: Record<string, number[]>, origin: unknown) => {
      const changed = [...added!, ...updated!, ...removed!];
      const conn = origin as Connection | undefined;
      if (conn && r.connections.has(conn)) {
        if (added!.length) {
          conn.awarenessIds ??= new Set();
          for (const id of added!) conn.awarenessIds.add(id);
        }
        for (const id of removed!) conn.awarenessIds?.delete(id);
      }
      const message = awarenessMessage(r.awareness, changed);
      // Back to the device it came from too: it ignores it (its clock unchanged), but a lone
      // device hears nothing else, and the stock client drops a socket silent for 30 s (its
      // presence renewal every 15 s keeps it open). What piles up unread is capped (send).
      for (const c of r.connections) send(c, message);
    });
    rooms.set(name, room);
    idleRooms.set(name, room);
    metrics.rooms.set(rooms.size);
    return room;
  }

  /** `label`: the metric's reason when the status alone does not tell (429 per address or per user). */
  function refuse(socket: Duplex, status: number, reason: string, label = String(status)): void {
    metrics.refused.inc({ reason: label });
    const text =
      {
        400: 'Bad Request',
        401: 'Unauthorized',
        403: 'Forbidden',
        404: 'Not Found',
        429: 'Too Many Requests',
        503: 'Service Unavailable',
      }[status] ?? 'Error';
    socket.write(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
    );
    socket.destroy();
  }

  function closeFor(conn: Connection, code: number, reason: string): void {
    // Once: a connection closing may meet another limit before its close completes.
    if (conn.ws.readyState !== 1 /* OPEN */) return;
    metrics.refused.inc({ reason: String(code) });
    logger.warn({ principal: conn.principal, code, reason }, 'closing a sync connection');
    conn.ws.close(code, reason);
  }

  /**
   * Applies a device's update and relays its own bytes: the frame it sent is the frame the other
   * devices get (a sync update is the same message both ways), and those bytes are what is logged.
   * The sender already has the update, so it is not echoed back.
   *
   * Once its step 2 is in, a device only sends what builds on what the server has (its step 2
   * answers the server's state vector; its later updates follow on one ordered socket), so an
   * update that leaves parts waiting for structs the server lacks is refused: Yjs would hold them
   * and merge them again with every later update, a cost that grows with the square of what is
   * held (frames of that kind froze the process for minutes). What it held is dropped, what it did
   * integrate is kept, logged and relayed, and the connection is closed: on reconnecting, a genuine
   * device's step 2 brings whatever the server lacked. Before its step 2, such an update is a
   * device back online that edited before answering the server's step 1 (its offline edits are not
   * sent yet): the held part is dropped all the same, but the connection stays, since the step 2,
   * made after the edit, brings it. Nothing is held either way, so nothing accumulates.
   *
   * A frame Yjs cannot read to its end (its structs whole, its delete set cut short) throws only
   * after its structs are integrated. Its own bytes are then neither logged nor relayed: every
   * other device would fail on them, and so would this server loading the log after a restart
   * (which crashed the process on the next device to open the cart). What the document took from
   * it is logged and relayed as Yjs encodes it instead, so storage keeps what memory holds.
   */
  function relayUpdate(room: Room, conn: Connection, data: Uint8Array, update: Uint8Array): void {
    const store = room.doc.store;
    const pendingBefore = pendingBytes(store);
    let dependent = false;
    const relay: Relay = {
      from: conn,
      update,
      // [0][2][update] is already an update message; anything else (a non-minimal varint) is re-encoded.
      message: data[0] === MESSAGE_SYNC && data[1] === SYNC_UPDATE ? data : updateMessage(update),
      pendingStructs: store.pendingStructs,
      pendingDs: store.pendingDs,
      tr: undefined,
      changed: false,
    };
    room.relay = relay;
    let readWhole = false;
    try {
      Y.applyUpdate(room.doc, update, conn);
      readWhole = true;
    } finally {
      room.relay = undefined;
      room.doc.on('update', room.onUpdate!);
      dependent = dropAddedPending(store, relay, pendingBefore);
      if (readWhole && !dependent) {
        if (relay.changed) {
          publish(room, relay.update, relay.message, conn);
          options.hooks?.onChange?.(room.name, room.doc, conn);
        }
      } else if (integrated(relay.tr)) {
        const before = Y.encodeStateVector(relay.tr!.beforeState);
        publish(room, Y.encodeStateAsUpdate(room.doc, before), updateMessage, conn);
        options.hooks?.onChange?.(room.name, room.doc, conn);
      }
    }
    if (dependent && conn.step2Received) closeFor(conn, 4400, DEPENDENT);
  }

  /**
   * Puts back what the document held pending before a device's frame, if the frame added to it;
   * true when it did (the frame is refused: see relayUpdate).
   */
  function dropAddedPending(
    store: Y.Doc['store'],
    before: { pendingStructs: unknown; pendingDs: unknown },
    bytesBefore: number,
  ): boolean {
    if (pendingBytes(store) <= bytesBefore) return false;
    store.pendingStructs = before.pendingStructs as Y.Doc['store']['pendingStructs'];
    store.pendingDs = before.pendingDs as Y.Doc['store']['pendingDs'];
    return true;
  }

  function sendStep1(conn: Connection): void {
    if (conn.step1Sent || !conn.room.connections.has(conn)) return;
    conn.step1Sent = true;
    send(conn, syncStep1(conn.room.doc));
  }

  // One set of socket handlers for every connection (no closures per connection): `this` is the socket.
  function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
    // A connection the server is closing (signed out, over a limit) is heard no more: ws goes on
    // emitting what the device sends until the device answers the close, or for 30 s if it never does.
    if (this.readyState !== 1 /* OPEN */) return;
    const conn = (this as ConnSocket)[CONN];
    conn.heard = true;
    const room = conn.room;
    // A room evicted while in use (freeMemory) closed its devices; frames still in flight are dropped.
    if (rooms.get(room.name) !== room) return;
    if (!isBinary) {
      closeFor(conn, 4400, 'binary frames only');
      return;
    }
    const now = Date.now();
    const elapsed = (now - conn.lastRefill) / 1000;
    conn.tokens = Math.min(limits.messagesPerSecond * 2, conn.tokens + elapsed * limits.messagesPerSecond);
    conn.awarenessTokens = Math.min(AWARENESS_BURST, conn.awarenessTokens + elapsed * AWARENESS_PER_SECOND);
    conn.lastRefill = now;
    if (conn.tokens < 1) {
      // 45xx: try again later. The stock client (y-websocket 3) stops for good on 4400-4499.
      closeFor(conn, 4529, 'too many messages');
      return;
    }
    conn.tokens -= 1;
    bytesIn += data.length;
    room.lastUsed = now;
    const msg = parseMessage(data);
    if ('error' in msg) {
      closeFor(conn, 4400, msg.error);
      return;
    }
    if (msg.type === MESSAGE_SYNC && msg.sub !== SYNC_STEP1) {
      // What storage would hold after it; the document keeps what it has, and its devices can
      // still read it, order from it and remove lines (server-side edits are not counted against it).
      if (room.bytes + msg.payload.length > limits.maxDocumentBytes) {
        closeFor(conn, 4413, 'cart document too large');
        return;
      }
      if (heldBytes + msg.payload.length > limits.maxMemoryBytes && !freeMemory(msg.payload.length, room)) {
        // 45xx: the stock client retries, by when idle rooms may have gone.
        closeFor(conn, 4503, 'cart memory full; retry later');
        return;
      }
      // Last: a frame refused for another reason costs the address nothing.
      if (!spend(conn.address, msg.payload.length)) {
        closeFor(conn, 4529, 'too much written from this address; retry later');
        return;
      }
    } else if (msg.type !== MESSAGE_SYNC) {
      if (msg.payload.length > MAX_AWARENESS_BYTES) {
        closeFor(conn, 4400, 'awareness update too large');
        return;
      }
      if (conn.awarenessTokens < 1) return;
      conn.awarenessTokens -= 1;
      // Presence is written too: parsed, held and sent to every device of the cart.
      if (!spend(conn.address, msg.payload.length)) {
        closeFor(conn, 4529, 'too much written from this address; retry later');
        return;
      }
    }
    try {
      if (msg.type === MESSAGE_SYNC) {
        const problem = msg.sub === SYNC_STEP1 ? undefined : options.checkUpdate?.(msg.payload, room.doc);
        if (problem) closeFor(conn, 4400, problem);
        else if (msg.sub === SYNC_STEP1) {
          const stored = room.storedDiff(msg.payload);
          send(conn, stored ? syncStep2Message(stored) : syncStep2(room.doc, msg.payload));
          // Loading the document for the server's step 1 waits a turn: the reply goes out first.
          if (stored) setImmediate(sendStep1, conn);
          else sendStep1(conn);
        } else if (msg.sub === SYNC_UPDATE) relayUpdate(room, conn, data, msg.payload);
        // A step 2 (a device's state on connect) goes through Yjs: only what the server lacked is
        // sent on. Like an update, it may not leave anything waiting (relayUpdate).
        else {
          conn.step2Received = true;
          const store = room.doc.store;
          const before = { pendingStructs: store.pendingStructs, pendingDs: store.pendingDs };
          const bytesBefore = pendingBytes(store);
          let dependent: boolean;
          try {
            Y.applyUpdate(room.doc, msg.payload, conn);
          } finally {
            dependent = dropAddedPending(store, before, bytesBefore);
          }
          if (dependent) closeFor(conn, 4400, DEPENDENT);
          // With nothing of the room waiting for a commit (the step 2 brought nothing new, and
          // nothing else is queued), its whole state is stored: the device is told at once, since
          // no commit may come to tell it. It may hold edits of an earlier clientID (a reload) that
          // the server stored before. Otherwise flushNow tells it after the commit.
          else if (conn.wantsSaved && !queue.some((q) => q.room === room)) send(conn, savedMessage(room.doc));
        }
      } else {
        awarenessProtocol.applyAwarenessUpdate(room.awareness, msg.payload, conn);
        if ((conn.awarenessIds?.size ?? 0) > MAX_AWARENESS_CLIENTS)
          closeFor(conn, 4400, 'awareness for too many clients');
      }
    } catch (err) {
      closeFor(conn, 4400, `malformed message: ${(err as Error).message}`.slice(0, 120));
    }
  }

  function onPong(this: WebSocket): void {
    (this as ConnSocket)[CONN].heard = true;
  }

  function onError(this: WebSocket): void {
    this.terminate();
  }

  function onClose(this: WebSocket, code: number): void {
    const conn = (this as ConnSocket)[CONN];
    const room = conn.room;
    if (code === 1009) metrics.refused.inc({ reason: '1009' });
    room.connections.delete(conn);
    room.lastUsed = Date.now();
    if (room.connections.size === 0 && rooms.get(room.name) === room) idleRooms.set(room.name, room);
    release(perPrincipal, conn.principal);
    if (conn.session !== undefined) {
      const open = bySession.get(conn.session);
      open?.delete(conn);
      if (open?.size === 0) bySession.delete(conn.session);
    }
    conn.releaseAddress();
    metrics.connections.dec();
    if (conn.awarenessIds?.size) {
      awarenessProtocol.removeAwarenessStates(room.awareness, [...conn.awarenessIds], null);
    }
  }

  function attach(
    ws: WebSocket,
    room: Room,
    principal: string,
    session: string | undefined,
    address: string,
    releaseAddress: () => void,
    wantsSaved: boolean,
  ): void {
    const conn: Connection = {
      ws,
      room,
      principal,
      session,
      address,
      releaseAddress,
      wantsSaved,
      awarenessIds: undefined,
      tokens: limits.messagesPerSecond * 2,
      lastRefill: Date.now(),
      awarenessTokens: AWARENESS_BURST,
      heard: true,
      step1Sent: false,
      step2Received: false,
    };
    (ws as ConnSocket)[CONN] = conn;
    room.connections.add(conn);
    idleRooms.delete(room.name);
    take(perPrincipal, principal);
    if (session !== undefined) {
      const open = bySession.get(session);
      if (open) open.add(conn);
      else bySession.set(session, new Set([conn]));
    }
    metrics.connections.inc();
    // Buffers (not ArrayBuffers, which ws would copy a frame into): payloads are views of the frame.
    ws.binaryType = 'nodebuffer';
    ws.on('message', onMessage);
    ws.on('error', onError);
    ws.on('close', onClose);
    ws.on('pong', onPong);
    // Authorized: now, and only now, the document's state goes out. On a room not loaded yet, the
    // server's step 1 waits for the device's (answered from the stored snapshot, load after).
    if (room.loaded) sendStep1(conn);
    else setTimeout(sendStep1, 100, conn).unref();
    const states = [...room.awareness.getStates().keys()];
    if (states.length) send(conn, awarenessMessage(room.awareness, states));
  }

  /** Logs (once a minute at most) that an address met a limit; `limit` is the limit's value. */
  function warnAddressLimit(
    kind: keyof typeof addressLimitLogged,
    req: IncomingMessage,
    address: string,
    limit: number,
  ): void {
    if (Date.now() - addressLimitLogged[kind] <= 60_000) return;
    addressLimitLogged[kind] = Date.now();
    // Behind a reverse proxy not declared as trusted, every client is the proxy's address.
    const forwarded = req.headers['x-forwarded-for'] !== undefined;
    const what =
      kind === 'connections'
        ? 'a client address reached its sync connection limit'
        : 'a client address ran out of cart writes';
    logger.warn(
      { address, limit, forwarded },
      forwarded ? `${what}; if the shop is behind reverse proxies, set SHOPSYNC_TRUSTED_PROXIES` : what,
    );
  }

  async function handle(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (closed) return refuse(socket, 503, 'shutting down');
    const target = upgradeTarget(req.url ?? '/');
    if (!target || !DOC_NAME.test(target.name)) return refuse(socket, 400, 'bad cart id');
    const { url, name } = target;
    // Before authorization: a client at its limit costs no token check or session lookup. The
    // slot is taken now, so upgrades that wait for authorization together cannot pass the limit;
    // the connection keeps it, or it is given back.
    const address = addressOf(req);
    if ((perAddress.get(address) ?? 0) >= limits.maxConnectionsPerAddress) {
      warnAddressLimit('connections', req, address, limits.maxConnectionsPerAddress);
      return refuse(socket, 429, 'too many connections from this address', 'address');
    }
    // An address that ran out of writes waits for a sixteenth of its burst before it connects
    // again: closed with 4529, the stock client reconnects at once (it counts a connection that
    // synced as a success and resets its backoff), and would be closed again at its first write.
    // Refused here, before authorization, its retries back off and cost no handshake.
    if (writeBudgets.has(address) && budgetOf(address).bytes < limits.maxDocumentBytes / 8) {
      warnAddressLimit('writes', req, address, limits.writeBytesPerAddressPerSecond);
      return refuse(socket, 429, 'too much written from this address; retry later', 'writes');
    }
    take(perAddress, address);
    let released = false;
    const releaseAddress = () => {
      if (released) return;
      released = true;
      release(perAddress, address);
    };
    let attached = false;
    try {
      let decision: AuthDecision;
      try {
        decision = await options.authorize(req, name);
      } catch (err) {
        logger.error({ err }, 'sync authorization failed');
        return refuse(socket, 401, 'authorization failed');
      }
      // The server may have closed while authorization ran: no room may be loaded now.
      if (closed) return refuse(socket, 503, 'shutting down');
      if (!decision.ok) return refuse(socket, decision.status, decision.reason);
      if ((perPrincipal.get(decision.principal) ?? 0) >= limits.maxConnectionsPerPrincipal) {
        return refuse(socket, 429, 'too many connections');
      }
      if (!rooms.has(name) && !makeSpace()) return refuse(socket, 503, 'too many carts open; retry later');
      const room = loadRoom(name);
      const wantsSaved = url.searchParams.get('saved') === '1';
      // Without a verifyClient hook, ws completes the upgrade synchronously: the room is attached
      // to in this same turn, before the room limit or the sweeper could take it as idle.
      wss.handleUpgrade(req, socket, head, (ws) => {
        attached = true;
        attach(ws, room, decision.principal, decision.session, address, releaseAddress, wantsSaved);
      });
    } finally {
      // Given back unless a connection holds it (then its close gives it back, once).
      if (!attached) releaseAddress();
    }
  }

  /** When the rooms held were last recorded as used (expireDocuments). */
  let heldTouched = Date.now();
  const sweeper = setInterval(
    () => {
      syncCounters();
      evictIdle(false);
      // A room held for days is in use without loads or evictions to say so: recorded twice a
      // touch slack, so a kill -9 loses at most half a day of its uses.
      if (Date.now() - heldTouched >= TOUCH_SLACK_MS / 2) {
        heldTouched = Date.now();
        touch(rooms.values(), heldTouched);
      }
    },
    Math.max(1000, limits.idleRoomMs / 2),
  );
  sweeper.unref();

  // Drops the connections that answered nothing since the last round (limits.pingIntervalMs).
  const pinger = setInterval(() => {
    for (const room of rooms.values())
      for (const conn of room.connections) {
        if (conn.ws.readyState !== 1 /* OPEN */) continue;
        if (!conn.heard) {
          metrics.refused.inc({ reason: 'no answer' });
          conn.ws.terminate();
          continue;
        }
        conn.heard = false;
        conn.ws.ping();
      }
  }, limits.pingIntervalMs);
  pinger.unref();

  function evictIdle(all: boolean): void {
    const now = Date.now();
    // Least recently used first: the first room still in use ends the list.
    evict(takeWhile(idleRooms.values(), (room) => all || now - room.lastUsed >= limits.idleRoomMs));
  }

  /**
   * Below the room limit, or brought below it by evicting the least recently used idle rooms: 1%
   * of the limit at a time (taken from the head of the use-ordered idle map, no scan), so a server
   * at its limit commits once per hundred new rooms rather than once per room. False when every
   * room held has a device connected.
   */
  function makeSpace(): boolean {
    if (heldBytes >= limits.maxMemoryBytes && !freeMemory(0)) return false;
    if (rooms.size < limits.maxRooms) return true;
    const wanted = Math.max(rooms.size - limits.maxRooms + 1, Math.ceil(limits.maxRooms / 100));
    evict(takeWhile(idleRooms.values(), (_, taken) => taken < wanted));
    return rooms.size < limits.maxRooms;
  }

  /**
   * Room for `bytes` more within maxMemoryBytes (for `asking`'s growth, or a room to open), made
   * by evicting the least recently used idle rooms, and a tenth of the limit beyond, so a full
   * server does not evict at every frame. If rooms in use still hold too much, the largest of
   * them go, their devices closed with 4503 (they come back later, the document reloaded from
   * storage): a few outsized documents (someone filling guest carts on purpose) must not keep
   * everyone else's small carts from syncing. Only rooms larger than both LARGE_ROOM_BYTES and
   * `asking` with its growth go; false when that is not enough (then `asking` is refused).
   */
  function freeMemory(bytes: number, asking?: Room): boolean {
    const target = limits.maxMemoryBytes - bytes - limits.maxMemoryBytes / 10;
    const overTarget = (_: Room, _taken: number, freed: number) => heldBytes - freed > target;
    evict(takeWhile(idleRooms.values(), overTarget));
    if (heldBytes + bytes <= limits.maxMemoryBytes) return true;
    const floor = Math.max(LARGE_ROOM_BYTES, (asking?.bytes ?? 0) + bytes);
    const large = [...rooms.values()]
      .filter((r) => r !== asking && r.bytes > floor)
      .sort((a, b) => b.bytes - a.bytes);
    const going = takeWhile(large, overTarget);
    for (const room of going) {
      logger.warn({ doc: room.name, bytes: room.bytes }, 'cart memory full: evicting a large cart in use');
      for (const conn of room.connections) closeFor(conn, 4503, 'cart memory full; retry later');
    }
    evict(going);
    return heldBytes + bytes <= limits.maxMemoryBytes;
  }

  /** Runs the idle hook of each room, commits, folds each room's log into its snapshot, drops them. */
  function evict(idle: Room[]): void {
    if (idle.length === 0) return;
    for (const room of idle) {
      try {
        room.doc.transact(() => options.hooks?.onIdle?.(room.name, room.doc), SERVER_ORIGIN);
      } catch (err) {
        logger.error({ err, doc: room.name }, 'onIdle hook failed');
      }
    }
    try {
      flushNow();
    } catch (err) {
      // Their updates are not stored: the rooms stay in memory until a commit succeeds.
      logger.error({ err }, 'persisting cart updates failed; idle carts kept in memory');
      return;
    }
    compactRooms(idle.filter((room) => room.logLength > 0));
    // A room held for days (a device kept connected) was last used now, not when it was loaded.
    touch(idle, Date.now());
    for (const room of idle) {
      rooms.delete(room.name);
      idleRooms.delete(room.name);
      heldBytes -= room.bytes;
      room.destroy();
    }
    metrics.rooms.set(rooms.size);
  }

  /**
   * Records a use of these rooms' documents (expireDocuments), of those stored: a room of a cart
   * nobody wrote (every first page view opens one) has nothing to record it on, and costs no
   * statement. Best effort: a failure is logged, not thrown, since the load or eviction it rides
   * on has done its work.
   */
  function touch(list: Iterable<Room>, at: number): void {
    if (!storage.touch) return;
    const names: string[] = [];
    for (const room of list) if (room.bytes > 0) names.push(room.name);
    if (names.length === 0) return;
    try {
      storage.touch(names, at);
    } catch (err) {
      logger.warn({ err }, 'recording when cart documents were used failed');
    }
  }

  /** The address's write budget, refilled to now and made its most recently used. */
  function budgetOf(address: string): { bytes: number; at: number } {
    const now = Date.now();
    const burst = 2 * limits.maxDocumentBytes;
    const budget = writeBudgets.get(address) ?? { bytes: burst, at: now };
    writeBudgets.delete(address);
    // A clock stepped back refills nothing (and takes nothing).
    const refill = (Math.max(0, now - budget.at) / 1000) * limits.writeBytesPerAddressPerSecond;
    budget.bytes = Math.min(burst, budget.bytes + refill);
    budget.at = now;
    writeBudgets.set(address, budget);
    if (writeBudgets.size > WRITE_BUDGETS) writeBudgets.delete(writeBudgets.keys().next().value!);
    return budget;
  }

  /** Takes `bytes` from the address's write budget; false (nothing taken) when it has not got them. */
  function spend(address: string, bytes: number): boolean {
    const budget = budgetOf(address);
    if (budget.bytes < bytes) return false;
    budget.bytes -= bytes;
    return true;
  }

  /**
   * Folds a document's stored log into one snapshot, outside any room. A stored update that does
   * not apply is skipped, as loading the room skips it.
   */
  function foldStored(name: string): Uint8Array {
    const doc = new Y.Doc({ gc: true });
    try {
      applyStored(doc, storage.load(name), loadError(name));
      return Y.encodeStateAsUpdate(doc);
    } finally {
      doc.destroy();
    }
  }

  async function expireDocuments(before: number, keep: (docName: string) => boolean): Promise<number> {
    if (!storage.logged || !storage.unused || !storage.remove || !storage.touch) return 0;
    // A log is folded when its room is let go; one left by a crash (kill -9) has no time of use
    // until it is: folded here, it counts as used now.
    for (let after = ''; !closed; ) {
      const names = storage.logged(after, EXPIRE_BATCH);
      if (names.length === 0) break;
      after = names.at(-1)!;
      const folds = names
        .filter((name) => !rooms.has(name))
        .map((docName) => ({ docName, snapshot: foldStored(docName) }));
      if (folds.length > 0) storeSnapshots(folds);
      await nextTurn();
    }
    let removed = 0;
    for (let after: UsedCursor | undefined; !closed; ) {
      // Listed and removed in one turn: a room cannot open in between.
      const found = storage.unused(before, after, EXPIRE_BATCH);
      if (found.length === 0) break;
      after = found.at(-1);
      const going = found.map((f) => f.docName).filter((name) => !rooms.has(name) && !keep(name));
      storage.remove(going);
      removed += going.length;
      await nextTurn();
    }
    return removed;
  }

  /**
   * A room for server-side use; a malformed name here is a bug of the caller. Server-side edits
   * are never refused: with every room busy, the limit is passed until the sweeper catches up.
   */
  function openRoom(name: string): Room {
    if (!DOC_NAME.test(name)) throw new RangeError(`bad document name ${name}`);
    if (!rooms.has(name)) makeSpace();
    return loadRoom(name);
  }

  function flush(): Promise<void> {
    if (queue.length === 0) return Promise.resolve();
    scheduleFlush();
    return new Promise((resolve, reject) => flushWaiters.push({ resolve, reject }));
  }

  return {
    metrics,
    handleUpgrade(req, socket, head) {
      socket.on('error', noop);
      handle(req, socket, head).catch((err) => {
        logger.error({ err }, 'sync upgrade failed');
        socket.destroy();
      });
    },
    async getDocument(name) {
      return openRoom(name).doc;
    },
    async withDocument(name, fn) {
      const room = openRoom(name);
      let result!: ReturnType<typeof fn>;
      room.doc.transact(() => {
        result = fn(room.doc);
      }, SERVER_ORIGIN);
      try {
        await flush();
      } catch (cause) {
        // The edit is made (devices have it) and stays queued: the commit is retried.
        throw new NotSavedYet(cause);
      }
      return result;
    },
    flush,
    metricsText: () => {
      syncCounters();
      return metrics.registry.metrics();
    },
    stats: () => ({
      rooms: rooms.size,
      bytes: heldBytes,
      connections: [...rooms.values()].reduce((n, r) => n + r.connections.size, 0),
    }),
    expireDocuments,
    endSession(session, reason = 'signed out') {
      const open = bySession.get(session);
      if (!open) return 0;
      bySession.delete(session);
      for (const conn of open) {
        conn.ws.close(4401, reason);
        // A device that does not answer the close keeps its socket (ws waits 30 s): not after a sign-out.
        setTimeout(() => conn.ws.terminate(), 1000).unref();
      }
      logger.info({ connections: open.size }, 'closed the sync connections of a sign-in that ended');
      return open.size;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      clearInterval(pinger);
      clearTimeout(retryTimer);
      for (const room of rooms.values())
        for (const conn of room.connections) conn.ws.close(1001, 'server shutting down');
      flushNow();
      evictIdle(true);
      // Rooms still open fold their log into a snapshot too: the next start loads one blob.
      compactRooms([...rooms.values()].filter((room) => room.logLength > 0));
      touch(rooms.values(), Date.now());
      for (const room of rooms.values()) room.destroy();
      rooms.clear();
      idleRooms.clear();
      heldBytes = 0;
      wss.close();
    },
  };
}
