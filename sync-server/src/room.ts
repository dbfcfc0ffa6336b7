import type { WebSocket } from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';

export interface Connection {
  ws: WebSocket;
  room: Room;
  principal: string;
  /** The sign-in it was authorized by (AuthDecision.session), if any. */
  session: string | undefined;
  /** The client address it came from (SyncServerOptions.clientAddress): its write budget's key. */
  address: string;
  /** Gives back the connection's place under its client address's limit; once, however often called. */
  releaseAddress: () => void;
  wantsSaved: boolean;
  /** Awareness client ids this connection controls, removed when it closes (a Set once there are any). */
  awarenessIds: Set<number> | undefined;
  /** Token bucket for the message rate limit. */
  tokens: number;
  lastRefill: number;
  /** Token bucket for awareness frames (AWARENESS_PER_SECOND), refilled at `lastRefill` too. */
  awarenessTokens: number;
  /** A frame or a pong came since the last ping (limits.pingIntervalMs); else it is dropped. */
  heard: boolean;
  /** The server's sync step 1 went out (it waits for the device's own step 1 on an unloaded room). */
  step1Sent: boolean;
  /**
   * The device's step 2 has arrived. Until then an update may depend on edits the device made
   * offline and has not sent yet: its step 2 will bring them, and the update with them.
   */
  step2Received: boolean;
}

/** The origin of the transaction that applies a room's stored state: not a change, not persisted. */
export const LOAD_ORIGIN = Symbol('load');

/**
 * Applies a document's stored state (snapshot first, then the log) in one transaction of
 * LOAD_ORIGIN, cheaper than merging them first. An update that does not apply is told to
 * `onError` and skipped, so the rest still loads.
 */
export function applyStored(doc: Y.Doc, stored: Iterable<Uint8Array>, onError: (err: unknown) => void): void {
  doc.transact(() => {
    for (const update of stored) {
      try {
        Y.applyUpdate(doc, update, LOAD_ORIGIN);
      } catch (err) {
        onError(err);
      }
    }
  }, LOAD_ORIGIN);
}

/** The device update being applied, relayed as the bytes that device sent (server.ts relayUpdate). */
export interface Relay {
  from: Connection;
  update: Uint8Array;
  message: Uint8Array;
  pendingStructs: unknown;
  pendingDs: unknown;
  /** The transaction applying it, set when it begins. */
  tr: Y.Transaction | undefined;
  /** Whether that transaction integrated anything or left anything pending (set at its cleanup). */
  changed: boolean;
}

/** One cart document in memory with its connected devices. */
export class Room {
  private readonly ydoc: Y.Doc;
  /** The stored snapshot and log, until they are applied to the document. */
  private stored: Uint8Array[] | undefined;
  readonly awareness: awarenessProtocol.Awareness;
  readonly connections = new Set<Connection>();
  lastUsed = Date.now();
  /** Updates logged since the last snapshot (counted here to spare a query per commit). */
  logLength = 0;
  /** Bytes the document takes in storage: its snapshot and log when loaded, plus what was logged since. */
  bytes = 0;
  relay: Relay | undefined = undefined;
  /** The room's 'update' listener, detached while a device's update is relayed as sent. */
  onUpdate: ((update: Uint8Array, origin: unknown, doc: Y.Doc, tr: Y.Transaction) => void) | undefined;

  /**
   * `onLoadError`: told of a stored update that does not apply (a log written before the server
   * refused to keep unreadable frames); it is skipped, so the rest of the document still loads.
   */
  constructor(
    readonly name: string,
    private readonly onLoadError: (err: unknown) => void = () => {},
  ) {
    // The cart id as guid: Yjs would otherwise draw a random uuid (31 getRandomValues calls) per room.
    this.ydoc = new Y.Doc({ gc: true, guid: name });
    this.awareness = new awarenessProtocol.Awareness(this.ydoc);
    // The server itself has no presence: only devices appear in awareness.
    this.awareness.setLocalState(null);
  }

  /** The document, with its stored state applied on first use. */
  get doc(): Y.Doc {
    if (this.stored) this.load();
    return this.ydoc;
  }

  get loaded(): boolean {
    return this.stored === undefined;
  }

  /** Keeps the stored state (snapshot first, then the log) to apply when the document is first used. */
  defer(stored: Uint8Array[]): void {
    for (const update of stored) this.bytes += update.length;
    if (stored.length > 0) this.stored = stored;
  }

  private load(): void {
    const stored = this.stored!;
    this.stored = undefined;
    // One bad update must not keep the cart from loading: thrown from here it failed every read of
    // the cart, and crashed the process where a timer asked first (a device's delayed step 1).
    applyStored(this.ydoc, stored, this.onLoadError);
  }

  /**
   * What a device with state vector `sv` lacks, straight from a stored snapshot that has no log after
   * it, without loading it into the document; undefined when the document has to answer. Only a
   * snapshot (`logLength` 0): the server encoded it from a document, so any device can read it. A
   * lone log row is a device's update as it was sent, which a log from before the server refused
   * unreadable frames may hold: the document answers, having skipped it.
   */
  storedDiff(sv: Uint8Array): Uint8Array | undefined {
    if (this.stored?.length !== 1 || this.logLength !== 0) return undefined;
    const snapshot = this.stored[0]!;
    return sv.length === 1 && sv[0] === 0 ? snapshot : Y.diffUpdate(snapshot, sv);
  }

  destroy(): void {
    this.awareness.destroy();
    this.ydoc.destroy();
  }
}
