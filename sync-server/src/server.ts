import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type Database from 'better-sqlite3';
import { type WebSocket, WebSocketServer } from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { createMetrics, type SyncMetrics } from './metrics.js';
import { awarenessMessage, handleMessage, savedMessage, syncStep1, updateMessage } from './protocol.js';
import { type Connection, Room } from './room.js';
import { type DocumentStorage, SqliteDocumentStorage } from './storage.js';

export type AuthDecision =
  | { ok: true; principal: string }
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
  /** Idle rooms (no connection) are flushed and evicted after this long. */
  idleRoomMs: number;
  /** Updates in a document's log before it is folded into its snapshot. */
  compactAfterUpdates: number;
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
  stats(): { rooms: number; connections: number };
  close(): Promise<void>;
}

export const DOC_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SERVER_ORIGIN = Symbol('server');
const noop = () => {};
const silent: Logger = { info: noop, warn: noop, error: noop, debug: noop };

const DEFAULT_LIMITS: SyncLimits = {
  maxFrameBytes: 1024 * 1024,
  messagesPerSecond: 50,
  maxConnectionsPerPrincipal: 20,
  idleRoomMs: 60_000,
  compactAfterUpdates: 200,
};

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
  const perPrincipal = new Map<string, number>();
  let queue: { room: Room; update: Uint8Array }[] = [];
  let flushScheduled: Promise<void> | undefined;
  let closed = false;

  function send(conn: Connection, message: Uint8Array): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    metrics.bytesOut.inc(message.length);
    conn.ws.send(message, (err) => err && conn.ws.terminate());
  }

  /** Commits every queued update in one transaction, then tells opted-in clients they are saved. */
  function flushNow(): void {
    flushScheduled = undefined;
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    const end = metrics.persistSeconds.startTimer();
    storage.append(batch.map(({ room, update }) => ({ docName: room.name, update })));
    end();
    metrics.updates.inc(batch.length);
    const touched = new Set(batch.map((b) => b.room));
    for (const { room } of batch) room.logLength++;
    for (const room of touched) {
      if (room.logLength >= limits.compactAfterUpdates) {
        storage.compact(room.name, Y.encodeStateAsUpdate(room.doc));
        room.logLength = 0;
      }
      let saved: Uint8Array | undefined;
      for (const conn of room.connections) {
        if (!conn.wantsSaved) continue;
        saved ??= savedMessage(room.doc);
        send(conn, saved);
      }
    }
  }

  function scheduleFlush(): Promise<void> {
    // setImmediate gathers every update that arrives in this turn of the event loop into one commit.
    flushScheduled ??= new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        try {
          flushNow();
          resolve();
        } catch (err) {
          logger.error({ err }, 'persisting cart updates failed');
          reject(err);
        }
      }),
    );
    return flushScheduled;
  }

  function loadRoom(name: string): Room {
    let room = rooms.get(name);
    if (room) {
      room.lastUsed = Date.now();
      return room;
    }
    room = new Room(name);
    const stored = storage.load(name);
    // Applying the snapshot and the log in one transaction is cheaper than merging them first.
    room.doc.transact(() => {
      for (const update of stored) Y.applyUpdate(room!.doc, update, SERVER_ORIGIN);
    }, SERVER_ORIGIN);
    room.logLength = storage.logLength(name);
    const r = room;
    r.doc.on('update', (update: Uint8Array, origin: unknown) => {
      queue.push({ room: r, update });
      // Failures are logged in scheduleFlush; callers that need durability await flush().
      scheduleFlush().catch(noop);
      const message = updateMessage(update);
      for (const conn of r.connections) send(conn, message);
      options.hooks?.onChange?.(name, r.doc, origin);
    });
    r.awareness.on('update', ({ added, updated, removed }: Record<string, number[]>, origin: unknown) => {
      const changed = [...added!, ...updated!, ...removed!];
      const conn = origin as Connection | undefined;
      if (conn && r.connections.has(conn)) {
        for (const id of added!) conn.awarenessIds.add(id);
        for (const id of removed!) conn.awarenessIds.delete(id);
      }
      const message = awarenessMessage(r.awareness, changed);
      for (const c of r.connections) send(c, message);
    });
    rooms.set(name, room);
    metrics.rooms.set(rooms.size);
    return room;
  }

  function refuse(socket: Duplex, status: number, reason: string): void {
    metrics.refused.inc({ reason: String(status) });
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
    metrics.refused.inc({ reason: String(code) });
    logger.warn({ principal: conn.principal, code, reason }, 'closing a sync connection');
    conn.ws.close(code, reason);
  }

  function attach(ws: WebSocket, room: Room, principal: string, wantsSaved: boolean): void {
    const conn: Connection = {
      ws,
      principal,
      wantsSaved,
      awarenessIds: new Set(),
      tokens: limits.messagesPerSecond * 2,
      lastRefill: Date.now(),
    };
    room.connections.add(conn);
    perPrincipal.set(principal, (perPrincipal.get(principal) ?? 0) + 1);
    metrics.connections.inc();
    ws.binaryType = 'arraybuffer';
    ws.on('message', (data: ArrayBuffer, isBinary: boolean) => {
      if (!isBinary) return closeFor(conn, 4400, 'binary frames only');
      const now = Date.now();
      conn.tokens = Math.min(
        limits.messagesPerSecond * 2,
        conn.tokens + ((now - conn.lastRefill) / 1000) * limits.messagesPerSecond,
      );
      conn.lastRefill = now;
      if (conn.tokens < 1) return closeFor(conn, 4429, 'too many messages');
      conn.tokens -= 1;
      const bytes = new Uint8Array(data);
      metrics.bytesIn.inc(bytes.length);
      room.lastUsed = now;
      const result = handleMessage(bytes, room.doc, room.awareness, conn);
      if ('error' in result) return closeFor(conn, 4400, result.error);
      if (result.reply) send(conn, result.reply);
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', (code) => {
      if (code === 1009) metrics.refused.inc({ reason: '1009' });
      room.connections.delete(conn);
      room.lastUsed = Date.now();
      const left = (perPrincipal.get(principal) ?? 1) - 1;
      if (left > 0) perPrincipal.set(principal, left);
      else perPrincipal.delete(principal);
      metrics.connections.dec();
      awarenessProtocol.removeAwarenessStates(room.awareness, [...conn.awarenessIds], null);
    });
    // Authorized: now, and only now, the document's state goes out.
    send(conn, syncStep1(room.doc));
    const states = [...room.awareness.getStates().keys()];
    if (states.length) send(conn, awarenessMessage(room.awareness, states));
  }

  async function handle(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (closed) return refuse(socket, 503, 'shutting down');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const name = decodeURIComponent(url.pathname.replace(/^\/sync\/?/, ''));
    if (!DOC_NAME.test(name)) return refuse(socket, 400, 'bad cart id');
    let decision: AuthDecision;
    try {
      decision = await options.authorize(req, name);
    } catch (err) {
      logger.error({ err }, 'sync authorization failed');
      return refuse(socket, 401, 'authorization failed');
    }
    if (!decision.ok) return refuse(socket, decision.status, decision.reason);
    if ((perPrincipal.get(decision.principal) ?? 0) >= limits.maxConnectionsPerPrincipal) {
      return refuse(socket, 429, 'too many connections');
    }
    const room = loadRoom(name);
    const wantsSaved = url.searchParams.get('saved') === '1';
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, room, decision.principal, wantsSaved));
  }

  const sweeper = setInterval(() => evictIdle(false), Math.max(1000, limits.idleRoomMs / 2));
  sweeper.unref();

  function evictIdle(all: boolean): void {
    const now = Date.now();
    const idle = [...rooms.values()].filter(
      (r) => r.connections.size === 0 && (all || now - r.lastUsed >= limits.idleRoomMs),
    );
    if (idle.length === 0) return;
    for (const room of idle) {
      try {
        room.doc.transact(() => options.hooks?.onIdle?.(room.name, room.doc), SERVER_ORIGIN);
      } catch (err) {
        logger.error({ err, doc: room.name }, 'onIdle hook failed');
      }
    }
    flushNow();
    for (const room of idle) {
      if (room.logLength > 0) storage.compact(room.name, Y.encodeStateAsUpdate(room.doc));
      rooms.delete(room.name);
      room.destroy();
    }
    metrics.rooms.set(rooms.size);
  }

  /** A room for server-side use; a malformed name here is a bug of the caller. */
  function openRoom(name: string): Room {
    if (!DOC_NAME.test(name)) throw new RangeError(`bad document name ${name}`);
    return loadRoom(name);
  }

  async function flush(): Promise<void> {
    if (queue.length) await scheduleFlush();
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
      await flush();
      return result;
    },
    flush,
    metricsText: () => metrics.registry.metrics(),
    stats: () => ({
      rooms: rooms.size,
      connections: [...rooms.values()].reduce((n, r) => n + r.connections.size, 0),
    }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      for (const room of rooms.values())
        for (const conn of room.connections) conn.ws.close(1001, 'server shutting down');
      flushNow();
      evictIdle(true);
      for (const room of rooms.values()) room.destroy();
      rooms.clear();
      wss.close();
    },
  };
}
