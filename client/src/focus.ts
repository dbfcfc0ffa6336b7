import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/**
 * Focus goes to the message saying why something failed, after each failure (the same message
 * again too), once it has rendered. Give the ref to the message (an alert with tabIndex -1) and
 * call `failed()` where the failure is set: a counter, not the message, so that only what the
 * shopper pressed moves the focus, never a retry in the background.
 */
export function useFocusOnError<T extends HTMLElement = HTMLParagraphElement>() {
  const ref = useRef<T>(null);
  const [failures, setFailures] = useState(0);
  useEffect(() => {
    if (failures) ref.current?.focus();
  }, [failures]);
  const failed = useCallback(() => setFailures((n) => n + 1), []);
  return [ref, failed] as const;
}
