import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

/** y-websocket's message types, plus ShopSync's own "saved" message. */
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
/**
 * "saved": [varUint 100][varUint8Array Y.encodeStateVector(doc)][varUint8Array deletes] — sent
 * after the server's commit to clients that asked for it (`?saved=1`), and to a connecting client
 * once its sync step 2 is applied if nothing of the room awaits a commit. `deletes` is
 * `Y.encodeSnapshot` of the document's delete set with an empty state vector. Everything the two
 * cover is durable: a client is saved when the vector covers the clock of every clientID it has
 * edited with and the delete set every deletion it knows of. A state vector alone does not do: a
 * deletion (removing a cart line) adds no struct and moves no clock. Clients that read only the
 * vector (the first version of this message) still can; the deletes follow it.
 */
export const MESSAGE_SAVED = 100;

export const SYNC_STEP1 = syncProtocol.messageYjsSyncStep1;
export const SYNC_STEP2 = syncProtocol.messageYjsSyncStep2;
export const SYNC_UPDATE = syncProtocol.messageYjsUpdate;

export function syncStep1(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep1(encoder, doc);
  return encoding.toUint8Array(encoder);
}

export function syncStep2(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep2(encoder, doc, stateVector);
  return encoding.toUint8Array(encoder);
}

/** A sync step 2 carrying `update` as it is (an encoded Yjs update). */
export function syncStep2Message(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, SYNC_STEP2);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

export function updateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

export function awarenessMessage(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
  return encoding.toUint8Array(encoder);
}

export function savedMessage(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SAVED);
  encoding.writeVarUint8Array(encoder, Y.encodeStateVector(doc));
  encoding.writeVarUint8Array(encoder, encodedDeletes(doc));
  return encoding.toUint8Array(encoder);
}

/** A document's encoded delete set, until a transaction deletes something (adds do not). */
const deletesOf = new WeakMap<Y.Doc, Uint8Array>();
const watched = new WeakSet<Y.Doc>();

/**
 * The delete set of `doc` as the saved message carries it. Reading it walks every struct of the
 * document (~100 µs for a cart of 50-200 lines after some churn, 20x the state vector), so it is
 * kept per document and read again only after a transaction that deleted something.
 */
function encodedDeletes(doc: Y.Doc): Uint8Array {
  let encoded = deletesOf.get(doc);
  if (encoded) return encoded;
  if (!watched.has(doc)) {
    watched.add(doc);
    doc.on('afterTransaction', (tr: Y.Transaction) => {
      if (tr.deleteSet.clients.size > 0) deletesOf.delete(doc);
    });
  }
  encoded = Y.encodeSnapshot(Y.createSnapshot(Y.createDeleteSetFromStructStore(doc.store), new Map()));
  deletesOf.set(doc, encoded);
  return encoded;
}

/**
 * One client frame, read but not applied. `payload` is a view into `data` (no copy): the state
 * vector of a step 1, the update of a step 2 or update, the awareness update.
 */
export type Parsed =
  | { type: typeof MESSAGE_SYNC; sub: number; payload: Uint8Array }
  | { type: typeof MESSAGE_AWARENESS; sub: -1; payload: Uint8Array }
  | { error: string };

/**
 * Reads one client frame: [type][sync sub-type][varUint8Array] or [1][varUint8Array]. The frame must
 * end exactly where its payload does (the payload is a view into the frame, so a length that runs
 * past the frame is refused before any byte of it is used). Never throws.
 */
export function parseMessage(data: Uint8Array): Parsed {
  try {
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    let sub = -1;
    if (type === MESSAGE_SYNC) {
      sub = decoding.readVarUint(decoder);
      if (sub !== SYNC_STEP1 && sub !== SYNC_STEP2 && sub !== SYNC_UPDATE) {
        return { error: `unknown sync message type ${sub}` };
      }
    } else if (type !== MESSAGE_AWARENESS) {
      return { error: `unknown message type ${type}` };
    }
    const len = decoding.readVarUint(decoder);
    if (decoder.pos + len !== data.length) {
      return {
        error:
          decoder.pos + len > data.length ? 'malformed message: truncated' : 'trailing bytes after a message',
      };
    }
    const payload = data.subarray(decoder.pos);
    return type === MESSAGE_SYNC ? { type, sub, payload } : { type, sub: -1, payload };
  } catch (err) {
    return { error: `malformed message: ${(err as Error).message}`.slice(0, 120) };
  }
}
