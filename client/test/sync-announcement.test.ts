import { describe, expect, it } from 'vitest';
import { announceSync, QUIET, type SyncAnnouncer } from '../src/cart/sync-announcement.js';
import type { SyncStatus } from '../src/cart/sync-status.js';

/** What is said along `statuses` (null: nothing), the browser online unless `offlineAt` says. */
function said(statuses: SyncStatus[], offlineAt: number[] = []): (string | null)[] {
  let announcer: SyncAnnouncer = QUIET;
  return statuses.map((status, i) => {
    const step = announceSync(announcer, status, !offlineAt.includes(i), 4400);
    announcer = step.announcer;
    return step.text;
  });
}

describe('announceSync', () => {
  it('says nothing of routine saving: opening the cart, and every tap after', () => {
    expect(said(['offline', 'saving', 'saved', 'saving', 'saved', 'saving', 'saved'])).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it('says going offline once, and coming back once, not the saving that follows', () => {
    expect(said(['offline', 'saved', 'offline', 'saving', 'saved'])).toEqual([
      null,
      null,
      'Offline: your cart is saved on this device',
      'Back online: your cart saves to the shop again',
      null,
    ]);
  });

  it('says coming back to a cart opened while offline, without saying the offline it opened in', () => {
    expect(said(['offline', 'saved'], [0])).toEqual([null, 'Back online: your cart saves to the shop again']);
  });

  it('says a refusal, and when the cart saves again', () => {
    expect(said(['saved', 'refused', 'saving', 'saved'])).toEqual([
      null,
      'Not saved: the server refused this device, trying again',
      'Your cart saves to the shop again',
      null,
    ]);
    expect(said(['saved', 'refused', 'offline', 'saved'])).toEqual([
      null,
      'Not saved: the server refused this device, trying again',
      null,
      'Your cart saves to the shop again',
    ]);
  });

  it('names a cart too large to sync', () => {
    expect(announceSync(QUIET, 'refused', true, 4413).text).toBe(
      'Not saved: this cart is too large to sync; remove some items',
    );
  });
});
