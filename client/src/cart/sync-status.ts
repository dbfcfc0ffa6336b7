import * as decoding from 'lib0/decoding';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/** The sync server's "saved" message: its state vector and delete set after the commit (sync-server README). */
export const MESSAGE_SAVED = 100;

/** Yjs's delete set: per clientID, the [clock, clock + len) ranges deleted (the type is not exported). */
type DeleteSet = ReturnType<typeof Y.createDeleteSet>;

/**
 * 'refused': the server closed the connection for good in the stock client's eyes (4400-4499);
 * the edits are on this device and RefusalRetry tries again later.
 */
export type SyncStatus = 'saved' | 'saving' | 'offline' | 'refused';

/**
 * Where this device's edits are. Offline: only in this device's IndexedDB copy. Saved: the
 * server's committed state vector covers every change this device has made, under its current
 * clientID and under `remembered`, the ids it wrote the cart with before (each reload of the page
 * is a new clientID, and edits made before it, offline, are in the local copy under the old one),
 * and, given `deletes`, the server's committed delete set covers this device's deletions (a
 * removed line adds no struct: no clock shows it). Otherwise some local edits are still on their
 * way. Other devices' edits (received, under ids not remembered here) are not this device's to save.
 */
export function syncStatus(
  connected: boolean,
  doc: Y.Doc,
  serverVector: Map<number, number>,
  remembered: Iterable<number> = [],
  deletes?: { own: DeleteSet; server: DeleteSet },
): SyncStatus {
  if (!connected) return 'offline';
  const local = Y.decodeStateVector(Y.encodeStateVector(doc));
  for (const client of [doc.clientID, ...remembered])
    if ((serverVector.get(client) ?? 0) < (local.get(client) ?? 0)) return 'saving';
  if (deletes && !deletesCovered(deletes.own, deletes.server)) return 'saving';
  return 'saved';
}

/** Whether every struct `deletes` names is deleted in `by` too (both as Yjs keeps them). */
export function deletesCovered(deletes: DeleteSet, by: DeleteSet): boolean {
  for (const [client, items] of deletes.clients) {
    if (items.length === 0) continue;
    const ranges = mergedRanges(by.clients.get(client) ?? []);
    for (const { clock, len } of items) {
      // The last range starting at or before `clock` must reach past the item's end.
      let lo = 0;
      let hi = ranges.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (ranges[mid]![0] <= clock) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (found < 0 || ranges[found]![1] < clock + len) return false;
    }
  }
  return true;
}

/** Sorted [start, end) ranges, adjacent and overlapping ones joined. */
function mergedRanges(items: readonly { clock: number; len: number }[]): [number, number][] {
  const sorted = [...items].sort((a, b) => a.clock - b.clock);
  const out: [number, number][] = [];
  for (const { clock, len } of sorted) {
    const last = out[out.length - 1];
    if (last && clock <= last[1]) last[1] = Math.max(last[1], clock + len);
    else out.push([clock, clock + len]);
  }
  return out;
}

/** The clientIDs remembered per cart: enough for as many reloads with unsent edits, in practice. */
export const REMEMBERED_CLIENTS = 32;

/** What of `localStorage` the remembered clientIDs need (a stand-in in tests). */
export type ClientStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** `localStorage`, or undefined where the browser refuses it (reading it can throw). */
function browserStorage(): ClientStore | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined;
  }
}

const clientsKey = (cartId: string) => `shopsync-cart-clients-${cartId}`;

function isClientId(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffff_ffff;
}

/**
 * The clientIDs this browser has written cart `cartId` with, oldest first (at most
 * REMEMBERED_CLIENTS). Empty when storage is unavailable or holds something else; entries that
 * are not clientIDs are skipped.
 */
export function rememberedClients(cartId: string, store = browserStorage()): number[] {
  try {
    const parsed: unknown = JSON.parse(store?.getItem(clientsKey(cartId)) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isClientId).slice(-REMEMBERED_CLIENTS) : [];
  } catch {
    return [];
  }
}

/**
 * Remembers that this browser writes cart `cartId` with `clientId` (as the newest; the oldest
 * beyond REMEMBERED_CLIENTS are dropped). Where storage refuses, nothing is remembered: the
 * status then knows only the current clientID, as before.
 */
export function rememberClient(cartId: string, clientId: number, store = browserStorage()): void {
  const ids = rememberedClients(cartId, store).filter((id) => id !== clientId);
  ids.push(clientId);
  try {
    store?.setItem(clientsKey(cartId), JSON.stringify(ids.slice(-REMEMBERED_CLIENTS)));
  } catch {
    // Full or refused: see above.
  }
}

/** Forgets the clientIDs of cart `cartId` (its local copy is erased). */
export function forgetClients(cartId: string, store = browserStorage()): void {
  try {
    store?.removeItem(clientsKey(cartId));
  } catch {
    // Nothing to do where storage refuses.
  }
}

const deviceKey = 'shopsync-device';

/**
 * This browser's device id: made once and kept in `store`, so that every page load and tab of
 * the browser names the same device (a Yjs clientID is new on each load). Where storage refuses,
 * an id for this page load only: the count then sees this browser as its clientIDs, as before.
 */
export function deviceId(store = browserStorage(), newId: () => string = () => crypto.randomUUID()): string {
  try {
    const kept = store?.getItem(deviceKey);
    if (kept) return kept;
  } catch {
    // Refused: an id of this page load.
  }
  const id = newId();
  try {
    store?.setItem(deviceKey, id);
  } catch {
    // Full or refused: see above.
  }
  return id;
}

/**
 * Makes this device visible to the others, now and again on every reconnection, as `device` (its
 * id: see `deviceId`). Each time the awareness clock must move on: peers and the server's relay
 * ignore a state whose clock they have seen (the initial `{}` has clock 0, and a reconnecting
 * device would resend its old clock after the server dropped its state), so it would only
 * reappear at the 15 s renewal.
 */
export function announceDevice(provider: WebsocketProvider, device: string = deviceId()): void {
  const announce = () => provider.awareness.setLocalStateField('device', { id: device, since: Date.now() });
  announce();
  provider.on('status', ({ status }) => status === 'connected' && announce());
}

/** Other devices with the cart open: the awareness states in the room, told apart by device id. */
export function otherDevices(provider: WebsocketProvider): number {
  const own = provider.awareness.getLocalState() as { device?: { id?: unknown } } | null;
  return countOtherDevices(provider.awareness.getStates(), provider.awareness.clientID, own?.device?.id);
}

/**
 * How many devices other than this one the awareness `states` name. A device is its id, not its
 * clientID: each page load is a new clientID, a reloaded page's old state lingers until it times
 * out (~30 s), and a browser's tabs are one device; so the states of `ownDevice` are not counted,
 * and the others' are counted once per id. A state without an id (a client of an earlier version)
 * counts as a device of its own.
 */
export function countOtherDevices(
  states: ReadonlyMap<number, Record<string, unknown>>,
  ownClient: number,
  ownDevice: unknown,
): number {
  const others = new Set<string>();
  for (const [client, state] of states) {
    if (client === ownClient) continue;
    const id = (state.device as { id?: unknown } | undefined)?.id;
    if (typeof id === 'string' && id.length > 0) {
      if (id !== ownDevice) others.add(`device:${id}`);
    } else others.add(`client:${client}`);
  }
  return others.size;
}

/**
 * Listens for the server's "saved" acks on a provider (which must connect with `saved: '1'`)
 * and reports the resulting status whenever it may have changed. `remembered`: the clientIDs
 * this browser wrote the document with before (read at each status). With `localLoaded: false`,
 * the status is 'saving' while connected until `localCopyLoaded()` when earlier ids are
 * remembered: until the local copy (IndexedDB) is in the document, their clocks are not known.
 */
export class SavedTracker {
  private serverVector = new Map<number, number>();
  /** The server's committed deletions (none known yet); undefined from a server that sends none. */
  private serverDeletes: DeleteSet | undefined = Y.createDeleteSet();
  /** Deletions made on this device (see the constructor), until the server covers them all. */
  private ownDeletes = Y.createDeleteSet();
  private readonly remembered: () => readonly number[];
  private localLoaded: boolean;

  constructor(
    private readonly provider: WebsocketProvider,
    private readonly doc: Y.Doc,
    onChange: () => void,
    options: { remembered?: () => readonly number[]; localLoaded?: boolean } = {},
  ) {
    this.remembered = options.remembered ?? (() => []);
    this.localLoaded = options.localLoaded ?? true;
    provider.messageHandlers[MESSAGE_SAVED] = (_encoder, decoder) => {
      this.serverVector = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
      // A server of the first version states no deletes: its vector is all there is to go by.
      this.serverDeletes = decoding.hasContent(decoder)
        ? Y.decodeSnapshot(decoding.readVarUint8Array(decoder)).ds
        : undefined;
      if (this.serverDeletes && deletesCovered(this.ownDeletes, this.serverDeletes))
        this.ownDeletes = Y.createDeleteSet();
      onChange();
    };
    provider.on('status', onChange);
    // This device's deletions: its own edits and its local copy's (whatever it loads may not have
    // reached the server), not what the provider received (from the server, or another tab,
    // which saves its own). Yjs emits afterTransaction before update, where the status is read.
    doc.on('afterTransaction', (tr: Y.Transaction) => {
      if (tr.origin !== provider && tr.deleteSet.clients.size > 0)
        this.ownDeletes = Y.mergeDeleteSets([this.ownDeletes, tr.deleteSet]);
    });
    doc.on('update', onChange);
  }

  /** Whether this device holds edits the server has not said it stored, connected or not. */
  unsaved(): boolean {
    const remembered = this.remembered();
    // Until the local copy is in, the clocks of earlier clientIDs are not known yet.
    if (!this.localLoaded && remembered.some((id) => id !== this.doc.clientID)) return true;
    return syncStatus(true, this.doc, this.serverVector, remembered, this.deletes()) === 'saving';
  }

  private deletes(): { own: DeleteSet; server: DeleteSet } | undefined {
    return this.serverDeletes && { own: this.ownDeletes, server: this.serverDeletes };
  }

  /** The local copy is in the document (the caller publishes the status afterwards). */
  localCopyLoaded(): void {
    this.localLoaded = true;
  }

  status(): SyncStatus {
    if (!this.provider.wsconnected) return 'offline';
    return this.unsaved() ? 'saving' : 'saved';
  }
}

/** A close the stock provider does not retry (4400-4499): its code and the server's reason. */
export interface Refusal {
  code: number;
  reason: string;
}

/** What the badge says for a refusal: the one a shopper can act on named, the rest alike. */
export function refusalText(code: number): string {
  if (code === 4413) return 'Not saved: this cart is too large to sync; remove some items';
  return 'Not saved: the server refused this device, trying again';
}

/**
 * Resumes syncing after the server closes with 4400-4499. The stock y-websocket 3 client treats
 * those codes as final and never reconnects, so one refused frame (a cart past the size limit, a
 * token that expired in a sleeping laptop, a server that changed its rules) would leave a cart
 * unsynced until the page reloads, its edits only on this device. A new connection starts over
 * with a full exchange of states, so retrying is safe; a device the server keeps refusing is
 * retried ever more slowly: `baseMs` doubling up to `maxMs`, back to `baseMs` only after `maxMs`
 * without a refusal. `mayConnect` says whether to retry now (not while the browser is offline:
 * the session reconnects when it comes back); `beforeRetry` runs first (a fresh token).
 */
export class RefusalRetry {
  /** The last refusal, until a connection opens again. */
  refusal: Refusal | null = null;
  private attempt = 0;
  private lastRefusedAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private destroyed = false;
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(
    private readonly provider: WebsocketProvider,
    onChange: () => void,
    options: { baseMs?: number; maxMs?: number; mayConnect?: () => boolean } = {},
  ) {
    this.baseMs = options.baseMs ?? 5000;
    this.maxMs = options.maxMs ?? 300_000;
    const mayConnect = options.mayConnect ?? (() => true);
    provider.on('closed', (refusal) => {
      if (this.destroyed) return;
      const now = Date.now();
      if (now - this.lastRefusedAt > this.maxMs) this.attempt = 0;
      this.lastRefusedAt = now;
      this.refusal = { code: refusal.code, reason: refusal.reason };
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = null;
        // Connected meanwhile (the browser came back online and the session reconnected), or
        // offline now: the session's own handlers decide.
        if (!provider.shouldConnect && mayConnect()) provider.connect();
      }, this.delay());
      onChange();
    });
    provider.on('status', ({ status }) => {
      if (status !== 'connected' || !this.refusal) return;
      this.refusal = null;
      onChange();
    });
  }

  /** The wait before the next retry, and one more refusal counted. */
  private delay(): number {
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt++, 20));
  }

  /** The status to show: 'refused' while the provider stays closed after a refusal. */
  status(tracked: SyncStatus): SyncStatus {
    return this.refusal && !this.provider.wsconnected ? 'refused' : tracked;
  }

  destroy(): void {
    this.destroyed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
