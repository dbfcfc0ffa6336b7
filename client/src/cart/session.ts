import type { CartLine } from '@shopsync/core';
// The Yjs cart alone: the package index would also pull in zod's schemas.
import { YjsCart } from '@shopsync/core/cart/yjs';
import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { api } from '../api.js';
import { Store } from '../store.js';
import {
  announceDevice,
  forgetClients,
  otherDevices,
  type Refusal,
  RefusalRetry,
  rememberClient,
  rememberedClients,
  SavedTracker,
  type SyncStatus,
} from './sync-status.js';

export type { SyncStatus } from './sync-status.js';

const TOKEN_REFRESH_MS = 10 * 60 * 1000;

export interface CartState {
  cartId: string | null;
  lines: CartLine[];
  status: SyncStatus;
  /** Why the server last closed the connection for good (status 'refused'), else null. */
  refusal: Refusal | null;
  /** Other devices with this cart open right now. */
  otherDevices: number;
  /**
   * Moves on whenever news of the cart comes from elsewhere: an edit received (another device or
   * tab, the shop ordering it), or this device's copy meeting the server's on (re)connecting, which
   * may bring nothing visible (lines this device removed offline, ordered meanwhile elsewhere).
   */
  remoteNews: number;
  /** True once the local copy (IndexedDB) has loaded. */
  ready: boolean;
  /**
   * True once the server's copy has been merged in, or the server could not be reached (there is
   * nothing more to wait for): a device opening a cart filled elsewhere has no lines of its own.
   */
  synced: boolean;
}

/**
 * Told when the server no longer gives this browser the cart it has open (its sign-in ended: signed
 * out in another tab or on the server, expired), so the app can ask who is signed in now.
 */
let cartMoved: () => void = () => {};
export function onCartMoved(handler: () => void): void {
  cartMoved = handler;
}

const empty: CartState = {
  cartId: null,
  lines: [],
  status: 'offline',
  refusal: null,
  otherDevices: 0,
  remoteNews: 0,
  ready: false,
  synced: false,
};
export const cartState = new Store<CartState>(empty);

/**
 * One cart on this device: a Yjs document kept in IndexedDB (so it works offline and survives
 * reloads) and synced through the WebSocket provider. Every edit applies locally at once.
 */
export class CartSession {
  readonly doc = new Y.Doc();
  readonly cart = new YjsCart(this.doc);
  private readonly persistence: IndexeddbPersistence;
  private readonly provider: WebsocketProvider;
  private readonly saved: SavedTracker;
  private readonly retry: RefusalRetry;
  private refreshTimer: ReturnType<typeof setInterval>;
  private destroyed = false;
  /** See CartState.remoteNews. */
  private remoteNews = 0;
  /** The clientID last remembered for this cart (Yjs draws a new one if another device had it). */
  private rememberedId: number;

  constructor(
    readonly cartId: string,
    token: string,
  ) {
    // Before any edit: the edits this document makes are under its clientID, and a later page
    // load (another clientID) must still know them as this browser's own, not yet saved maybe.
    rememberClient(cartId, this.doc.clientID);
    this.rememberedId = this.doc.clientID;
    this.doc.on('update', this.rememberNewClientId);
    this.persistence = new IndexeddbPersistence(`shopsync-cart-${cartId}`, this.doc);
    this.persistence.once('synced', () => {
      this.saved.localCopyLoaded();
      this.publish({ ready: true });
      // Another tab erasing this copy (it signed in or out: the cart it had is forgotten) closes
      // this tab's connection to it, and a write to a closing database throws inside the
      // document's update event: edits would then reach neither the server nor the screen. Stop
      // writing to it, and ask again which cart this tab should show.
      const db = this.persistence.db;
      if (db)
        db.onversionchange = () => {
          db.close();
          this.persistence.db = null;
          if (!this.destroyed) cartMoved();
        };
    });
    const origin = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`;
    this.provider = new WebsocketProvider(origin, cartId, this.doc, { params: { token, saved: '1' } });
    // Before the status's own listener (SavedTracker), so that the state it publishes counts it.
    this.doc.on('update', (_update: Uint8Array, origin: unknown) => {
      if (origin === this.provider) this.remoteNews++;
    });
    this.provider.on('sync', (synced: boolean) => {
      if (!synced) return;
      this.remoteNews++;
      this.publish({ synced: true });
    });
    for (const failed of ['connection-close', 'connection-error'] as const)
      this.provider.on(failed, () => this.publish({ synced: true }));
    this.saved = new SavedTracker(this.provider, this.doc, () => this.publish(), {
      remembered: () => rememberedClients(cartId),
      localLoaded: false,
    });
    // A refused or dropped connection may mean an expired token: fetch a fresh one before the retry.
    this.provider.on('connection-close', () => void this.refreshToken());
    this.retry = new RefusalRetry(this.provider, () => this.publish(), {
      mayConnect: () => navigator.onLine,
    });
    this.refreshTimer = setInterval(() => void this.refreshToken(), TOKEN_REFRESH_MS);
    announceDevice(this.provider);
    this.provider.awareness.on('change', () => this.publish());
    // The browser knows before a socket times out: stop syncing when it goes offline, resume at once.
    addEventListener('offline', this.goOffline);
    addEventListener('online', this.goOnline);
    if (!navigator.onLine) this.provider.disconnect();
    this.publish(navigator.onLine ? {} : { synced: true });
  }

  private readonly rememberNewClientId = () => {
    if (this.doc.clientID === this.rememberedId) return;
    this.rememberedId = this.doc.clientID;
    rememberClient(this.cartId, this.rememberedId);
  };

  private readonly goOffline = () => {
    this.provider.disconnect();
    this.publish({ synced: true });
  };

  private readonly goOnline = () => {
    this.provider.connect();
    void this.refreshToken();
  };

  private lastRefresh = 0;
  private async refreshToken(): Promise<void> {
    if (this.destroyed || Date.now() - this.lastRefresh < 5000) return;
    this.lastRefresh = Date.now();
    try {
      const view = await api.cart();
      if (view.cartId === this.cartId) this.provider.params = { token: view.syncToken, saved: '1' };
      else cartMoved();
    } catch {
      // Offline: the provider keeps retrying with backoff; the next close tries again.
    }
  }

  private publish(extra: Partial<CartState> = {}): void {
    if (this.destroyed) return;
    const current = cartState.get();
    cartState.set({
      cartId: this.cartId,
      lines: this.cart.shownLines(),
      status: this.retry.status(this.saved.status()),
      refusal: this.retry.refusal,
      otherDevices: otherDevices(this.provider),
      remoteNews: this.remoteNews,
      ready: current.cartId === this.cartId ? current.ready : false,
      synced: current.cartId === this.cartId ? current.synced : false,
      ...extra,
    });
  }

  /** Whether this device holds edits of the cart the server has not said it stored. */
  unsaved(): boolean {
    return this.saved.unsaved();
  }

  /** Stops syncing; with `forget`, also erases this device's copy (signing out on a shared device). */
  async destroy(forget = false): Promise<void> {
    this.destroyed = true;
    clearInterval(this.refreshTimer);
    this.retry.destroy();
    removeEventListener('offline', this.goOffline);
    removeEventListener('online', this.goOnline);
    this.provider.awareness.setLocalState(null);
    this.provider.destroy();
    if (forget) {
      forgetClients(this.cartId);
      await this.persistence.clearData();
    } else await this.persistence.destroy();
    this.doc.destroy();
  }
}

let session: CartSession | null = null;

export function currentCart(): CartSession | null {
  return session;
}

/**
 * Waits up to `ms` for the open cart's edits to reach the server, and says whether none is left
 * unsaved (signing out erases this device's copy: whatever the server lacks then is gone). Ends
 * early if another cart opens meanwhile (the sign-in changed): that one's edits are not asked about.
 */
export function cartSaved(ms: number): Promise<boolean> {
  const open = session;
  if (!open?.unsaved()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (saved: boolean) => {
      clearTimeout(timer);
      stop();
      resolve(saved);
    };
    const stop = cartState.subscribe(() => {
      if (session !== open || !open.unsaved()) finish(true);
    });
    const timer = setTimeout(() => finish(!open.unsaved()), ms);
  });
}

/**
 * Edits made while no cart is open: before the server has named this browser's cart (a product
 * page opened from a link answers before /api/cart does), or between signing out and the next
 * cart. Applied, in order, to the next cart that opens; an add is never dropped.
 */
const waiting: ((cart: YjsCart) => void)[] = [];

/** Applies `edit` to the open cart at once, or to the next one that opens (`waiting`). */
export function editCart(edit: (cart: YjsCart) => void): void {
  if (session) edit(session.cart);
  else waiting.push(edit);
}

/** Opens the cart the server says this browser owns (guest or account), replacing any other. */
export async function openCart(options: { forgetPrevious?: boolean } = {}): Promise<void> {
  let view: { cartId: string; syncToken: string };
  try {
    view = await api.cart();
    localStorage.setItem('shopsync-cart', JSON.stringify({ cartId: view.cartId, token: view.syncToken }));
  } catch {
    // Offline start: reopen the last cart from this device's copy.
    const saved = localStorage.getItem('shopsync-cart');
    if (!saved) return;
    const { cartId, token } = JSON.parse(saved) as { cartId: string; token: string };
    view = { cartId, syncToken: token };
  }
  if (session?.cartId === view.cartId) return;
  const previous = session;
  session = new CartSession(view.cartId, view.syncToken);
  for (const edit of waiting.splice(0)) edit(session.cart);
  await previous?.destroy(options.forgetPrevious);
}

export async function closeCart(forget: boolean): Promise<void> {
  const previous = session;
  session = null;
  cartState.set(empty);
  localStorage.removeItem('shopsync-cart');
  await previous?.destroy(forget);
}
