import type { WebSocket } from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';

export interface Connection {
  ws: WebSocket;
  principal: string;
  wantsSaved: boolean;
  /** Awareness client ids this connection controls, removed when it closes. */
  awarenessIds: Set<number>;
  /** Token bucket for the message rate limit. */
  tokens: number;
  lastRefill: number;
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
}

/** One cart document in memory with its connected devices. */
export class Room {
  // The cart id as guid: Yjs would otherwise draw a random uuid (31 getRandomValues calls) per room.
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  readonly connections = new Set<Connection>();
  lastUsed = Date.now();
  /** Updates logged since the last snapshot (counted here to spare a query per commit). */
  logLength = 0;
  relay: Relay | undefined = undefined;
  /** The room's 'update' listener, detached while a device's update is relayed as sent. */
  onUpdate: ((update: Uint8Array, origin: unknown, doc: Y.Doc, tr: Y.Transaction) => void) | undefined;

  constructor(readonly name: string) {
    this.doc = new Y.Doc({ gc: true, guid: name });
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    // The server itself has no presence: only devices appear in awareness.
    this.awareness.setLocalState(null);
  }

  destroy(): void {
    this.awareness.destroy();
    this.doc.destroy();
  }
}
