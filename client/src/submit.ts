import { useRef, useState } from 'preact/hooks';

/**
 * A form's submit handler that sends once at a time: a press while `send` is under way does
 * nothing. The button stays focusable meanwhile (`disabled` on the focused button dropped keyboard
 * focus to <body>): `busy` is for its aria-disabled. `send` handles its own failures (it says
 * them), and returns 'leaving' when it has moved to another page, which keeps the form busy: a
 * press before the page changes would send again.
 */
export function useSubmit(send: (form: HTMLFormElement) => Promise<'leaving' | void>): {
  busy: boolean;
  onSubmit: (e: Event) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const sending = useRef(false);
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    if (sending.current) return;
    sending.current = true;
    setBusy(true);
    let leaving = false;
    try {
      // The form now: an event's currentTarget is gone once its dispatch is over.
      leaving = (await send(e.currentTarget as HTMLFormElement)) === 'leaving';
    } finally {
      if (!leaving) {
        sending.current = false;
        setBusy(false);
      }
    }
  };
  return { busy, onSubmit };
}
