import { cartState } from '../cart/session.js';
import { refusalText } from '../cart/sync-status.js';
import { useStore } from '../store.js';

const LABELS = { saved: 'Saved', saving: 'Saving…', offline: 'Offline: saved on this device' } as const;

/**
 * Where the cart's edits are: on the server ("Saved"), on their way, only on this device, or on
 * this device after the server refused it (retried later).
 */
export function SyncBadge() {
  const { status, refusal, otherDevices, cartId } = useStore(cartState);
  if (!cartId) return null;
  return (
    <p class="sync" aria-live="polite">
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
  );
}
