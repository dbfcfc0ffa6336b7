import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { countriesByName } from '../address.js';
import { type Address, api, errorText } from '../api.js';
import { useFocusOnError } from '../focus.js';
import { useSubmit } from '../submit.js';

/**
 * A form that saves a delivery address to the account; `onCancel` adds a Cancel button.
 * `focusFirst`: the form was opened by a button (now gone), so keyboard focus starts in its first field.
 */
export function AddressForm(props: {
  onSaved: (a: Address) => void;
  onCancel?: (() => void) | undefined;
  focusFirst?: boolean;
}) {
  const [error, setError] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  const countryId = useId();
  // After each failure focus goes to the message saying why.
  const [errorBox, focusError] = useFocusOnError();
  useEffect(() => {
    if (props.focusFirst) first.current?.focus();
  }, []);
  const { busy: saving, onSubmit } = useSubmit(async (form) => {
    const f = new FormData(form);
    try {
      // Optional fields left empty are sent empty: the shop reads that as not set.
      const a = await api.addAddress({
        name: String(f.get('name')),
        line1: String(f.get('line1')),
        line2: String(f.get('line2')),
        city: String(f.get('city')),
        region: String(f.get('region')),
        postalCode: String(f.get('postalCode')),
        country: String(f.get('country')),
        phone: String(f.get('phone')),
      });
      setError(null);
      props.onSaved(a);
    } catch (err) {
      setError(errorText(err));
      focusError();
    }
  });
  return (
    <form class="address" onSubmit={onSubmit}>
      <fieldset>
        <legend>Delivery address</legend>
        <label>
          Full name <input name="name" required autocomplete="name" ref={first} />
        </label>
        <label>
          Address <input name="line1" required autocomplete="address-line1" />
        </label>
        <label>
          Address line 2 (optional) <input name="line2" autocomplete="address-line2" />
        </label>
        <label>
          City <input name="city" required autocomplete="address-level2" />
        </label>
        <label>
          State, province or region (optional) <input name="region" autocomplete="address-level1" />
        </label>
        <label>
          Postal code <input name="postalCode" required autocomplete="postal-code" />
        </label>
        {/* Labelled by `for`: a label around the list would take every country's name as its text. */}
        <div class="field">
          <label for={countryId}>Country</label>
          <select id={countryId} name="country" required autocomplete="country">
            <option value="">Choose a country</option>
            {countriesByName().map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <label>
          Phone for the courier (optional) <input name="phone" type="tel" autocomplete="tel" />
        </label>
        {error && (
          <p class="notice error" role="alert" tabIndex={-1} ref={errorBox}>
            {error}
          </p>
        )}
        <button type="submit" class="primary" aria-disabled={saving ? 'true' : undefined}>
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
