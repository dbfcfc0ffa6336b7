import { cartState } from '../cart/session.js';
import { useStore } from '../store.js';

const LABELS = { saved: 'Saved', saving: 'Saving…', offline: 'Offline: saved on this device' } as const;

/** Where the cart's edits are: on the server ("Saved"), on their way, or only on this device. */
export function SyncBadge() {
  const { status, otherDevices, cartId } = useStore(cartState);
  if (!cartId) return null;
  return (
    <p class="sync" aria-live="polite">
      <span class={`sync-dot sync-${status}`} aria-hidden="true" />
      <span data-testid="sync-status">{LABELS[status]}</span>
      {otherDevices > 0 && (
        <span class="devices" data-testid="other-devices">
          {' '}
          · Also open on {otherDevices} other device{otherDevices === 1 ? '' : 's'}
        </span>
      )}
    </p>
  );
}
