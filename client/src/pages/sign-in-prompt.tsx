import { useTitle } from '../title.js';
import { accountHref } from './account-form.js';

/**
 * What a page of the shopper's own (orders, an order) shows to nobody signed in: also the moment
 * they sign out, so a shared device does not keep their orders and address on screen.
 */
export function SignInPrompt({ heading, next, what }: { heading: string; next: string; what: string }) {
  useTitle(heading);
  return (
    <section>
      <h1>{heading}</h1>
      <p>
        <a href={accountHref('signin', next)}>Sign in</a> to see {what}.
      </p>
    </section>
  );
}
