import { useState } from 'preact/hooks';
import { type Address, api, errorText } from '../api.js';

/** A form that saves a delivery address to the account; `onCancel` adds a Cancel button. */
export function AddressForm(props: { onSaved: (a: Address) => void; onCancel?: (() => void) | undefined }) {
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  return (
    <form
      class="address"
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget as HTMLFormElement);
        setSaving(true);
        try {
          const a = await api.addAddress({
            name: String(f.get('name')),
            line1: String(f.get('line1')),
            city: String(f.get('city')),
            postalCode: String(f.get('postalCode')),
            country: String(f.get('country')),
          });
          setError(null);
          props.onSaved(a);
        } catch (err) {
          setError(errorText(err));
        }
        setSaving(false);
      }}
    >
      <fieldset>
        <legend>Delivery address</legend>
        <label>
          Full name <input name="name" required autocomplete="name" />
        </label>
        <label>
          Address <input name="line1" required autocomplete="address-line1" />
        </label>
        <label>
          City <input name="city" required autocomplete="address-level2" />
        </label>
        <label>
          Postal code <input name="postalCode" required autocomplete="postal-code" />
        </label>
        <label>
          Country code{' '}
          <input
            name="country"
            required
            minLength={2}
            maxLength={2}
            placeholder="US"
            autocomplete="country"
          />
        </label>
        {error && (
          <p class="notice error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={saving}>
          Save address
        </button>
        {props.onCancel && (
          <button type="button" class="link" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </fieldset>
    </form>
  );
}
