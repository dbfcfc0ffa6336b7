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

/** One cart document in memory with its connected devices. */
export class Room {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly connections = new Set<Connection>();
  lastUsed = Date.now();
  /** Updates logged since the last snapshot (counted here to spare a query per commit). */
  logLength = 0;

  constructor(readonly name: string) {
    // The server itself has no presence: only devices appear in awareness.
    this.awareness.setLocalState(null);
  }

  destroy(): void {
    this.awareness.destroy();
    this.doc.destroy();
  }
}
