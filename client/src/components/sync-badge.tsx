import { useRef } from 'preact/hooks';
import { cartState } from '../cart/session.js';
import { announceSync, QUIET } from '../cart/sync-announcement.js';
import { refusalText } from '../cart/sync-status.js';
import { useStore } from '../store.js';

const LABELS = { saved: 'Saved', saving: 'Saving…', offline: 'Offline: saved on this device' } as const;

/**
 * Where the cart's edits are: on the server ("Saved"), on their way, only on this device, or on
 * this device after the server refused it (retried later). Shown, not announced: a status region
 * beside it says only going offline, a refusal, and their end (announceSync).
 */
export function SyncBadge() {
  const { status, refusal, otherDevices, cartId } = useStore(cartState);
  // Worked out while rendering (each status is rendered), so that no transition is missed. Another
  // cart (signed in or out) starts afresh: its connecting is not this one going offline.
  const announcer = useRef({ cartId, ...QUIET });
  const said = useRef('');
  if (announcer.current.cartId !== cartId) announcer.current = { cartId, ...QUIET };
  const shown = cartId ? status : null;
  if (shown && shown !== announcer.current.last) {
    const { announcer: next, text } = announceSync(announcer.current, shown, navigator.onLine, refusal?.code);
    announcer.current = { cartId, ...next };
    if (text) said.current = text;
  }
  return (
    <>
      {cartId && (
        <p class="sync">
          <span class={`sync-dot sync-${status}`} aria-hidden="true" />
          <span data-testid="sync-status">
            {status === 'refused' ? refusalText(refusal?.code ?? 4400) : LABELS[status]}
          </span>
          {otherDevices > 0 && (
            <span class="devices" data-testid="other-devices">
              {' '}
              · Also open on {otherDevices} other device{otherDevices === 1 ? '' : 's'}
            </span>
          )}
        </p>
      )}
      {/* Mounted empty, so that screen readers announce the text when it comes. */}
      <p class="visually-hidden" role="status" data-testid="sync-announcement">
        {said.current}
      </p>
    </>
  );
}
