import * as decoding from 'lib0/decoding';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/** The sync server's "saved" message: its state vector after the commit (see sync-server README). */
export const MESSAGE_SAVED = 100;

export type SyncStatus = 'saved' | 'saving' | 'offline';

/**
 * Where this device's edits are. Offline: only in this device's IndexedDB copy. Saved: the
 * server's committed state vector covers every change this device's clientID has made.
 * Otherwise some local edits are still on their way.
 */
export function syncStatus(connected: boolean, doc: Y.Doc, serverVector: Map<number, number>): SyncStatus {
  if (!connected) return 'offline';
  const own = Y.decodeStateVector(Y.encodeStateVector(doc)).get(doc.clientID) ?? 0;
  return (serverVector.get(doc.clientID) ?? 0) >= own ? 'saved' : 'saving';
}

/**
 * Makes this device visible to the others, now and again on every reconnection. Each time the
 * awareness clock must move on: peers and the server's relay ignore a state whose clock they have
 * seen (the initial `{}` has clock 0, and a reconnecting device would resend its old clock after
 * the server dropped its state), so it would only reappear at the 15 s renewal.
 */
export function announceDevice(provider: WebsocketProvider): void {
  const announce = () => provider.awareness.setLocalStateField('device', { since: Date.now() });
  announce();
  provider.on('status', ({ status }) => status === 'connected' && announce());
}

/** Other devices with the cart open: the awareness states in the room minus this one. */
export function otherDevices(provider: WebsocketProvider): number {
  const states = provider.awareness.getStates();
  return Math.max(0, states.size - (states.has(provider.awareness.clientID) ? 1 : 0));
}

/**
 * Listens for the server's "saved" acks on a provider (which must connect with `saved: '1'`)
 * and reports the resulting status whenever it may have changed.
 */
export class SavedTracker {
  private serverVector = new Map<number, number>();

  constructor(
    private readonly provider: WebsocketProvider,
    private readonly doc: Y.Doc,
    onChange: () => void,
  ) {
    provider.messageHandlers[MESSAGE_SAVED] = (_encoder, decoder) => {
      this.serverVector = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
      onChange();
    };
    provider.on('status', onChange);
    doc.on('update', onChange);
  }

  status(): SyncStatus {
    return syncStatus(this.provider.wsconnected, this.doc, this.serverVector);
  }
}
