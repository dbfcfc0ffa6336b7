import { refusalText, type SyncStatus } from './sync-status.js';

/**
 * What assistive tech hears of the sync badge. Routine saving is silent: "Saving…" then "Saved"
 * on every tap, beside the quantity the cart page says, made some four announcements a tap. Said
 * are the troubles (offline, refused) and their end. `trouble` is the one last said (or, for
 * 'offline', seen while the browser said it was offline), so that the end of it is said once.
 */
export interface SyncAnnouncer {
  trouble: 'offline' | 'refused' | null;
  /** The status last seen; null before the first. */
  last: SyncStatus | null;
}

export const QUIET: SyncAnnouncer = { trouble: null, last: null };

/**
 * The announcer after `next` (with the refusal's close code, if refused), and what to say, if
 * anything. A cart opening is 'offline' until its socket connects: that is not said, nor its end,
 * unless the browser is offline (`online` false) then. Going offline is said once connected before.
 */
export function announceSync(
  before: SyncAnnouncer,
  next: SyncStatus,
  online: boolean,
  refusalCode?: number,
): { announcer: SyncAnnouncer; text: string | null } {
  const at = (trouble: SyncAnnouncer['trouble'], text: string | null = null) => ({
    announcer: { trouble, last: next },
    text,
  });
  if (next === before.last) return at(before.trouble);
  if (next === 'refused') return at('refused', refusalText(refusalCode ?? 4400));
  if (next === 'offline') {
    if (before.last === 'saving' || before.last === 'saved')
      return at('offline', 'Offline: your cart is saved on this device');
    // The first status seen, or the end of a refusal without a connection: said only if offline.
    return at(before.trouble ?? (online ? null : 'offline'));
  }
  if (before.trouble === 'offline') return at(null, 'Back online: your cart saves to the shop again');
  if (before.trouble === 'refused') return at(null, 'Your cart saves to the shop again');
  return at(null);
}
