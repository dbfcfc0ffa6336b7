import { useState } from 'preact/hooks';
import { api, asApiError, errorText } from '../api.js';
import { showFlash } from '../flash.js';
import { useFocusOnError } from '../focus.js';
import { navigate } from '../router.js';
import { currentUser } from '../session.js';
import { useSubmit } from '../submit.js';
import { useTitle } from '../title.js';

/** What a link the shop refused (`email_change_token_invalid`), or one with no token, is told. */
const DEAD_LINK =
  'This link to confirm a new email has expired, was used already, or is not whole (links work once, for an hour).';
/** The address was free when the link was mailed, and another account has it now (409). */
const TAKEN =
  'Another account has started using this email address since we mailed the link, so your email was not changed.';

/**
 * The page an email change's mail links to (`?token=`). The change is made when the shopper
 * presses Confirm, not when the page opens: mail scanners that open links in a browser must not
 * make it. Then the account page says so (in whichever browser: the link needs no sign-in). A link
 * the shop refused says why and leads to the account page, to ask again.
 */
export default function ConfirmEmail({ url }: { url: URL }) {
  useTitle('Confirm your new email');
  const token = url.searchParams.get('token') ?? '';
  // `final`: the link can do nothing more (dead, or the address taken); else a retry may work.
  const [error, setError] = useState<{ text: string; final: boolean } | null>(null);
  const [errorBox, focusError] = useFocusOnError();

  const { busy, onSubmit } = useSubmit(async () => {
    setError(null);
    try {
      const { email } = await api.confirmEmail(token);
      // The header and the account page read who is signed in from here.
      if (currentUser.get())
        await api.me().then(
          ({ user }) => currentUser.set(user),
          () => {},
        );
      showFlash(`Your email is now ${email}. Sign in with it from now on.`);
      // In place of this page: Back does not return to a link that is now used.
      navigate('/account', true);
      return 'leaving';
    } catch (err) {
      const code = asApiError(err).code;
      if (code === 'email_change_token_invalid') setError({ text: DEAD_LINK, final: true });
      else if (code === 'email_taken') setError({ text: TAKEN, final: true });
      else setError({ text: errorText(err), final: false });
      focusError();
    }
  });
  if (!token || error?.final)
    return (
      <section class="account">
        <h1>Confirm your new email</h1>
        <p class="notice error" role="alert" id="confirm-error" tabIndex={-1} ref={errorBox}>
          {token ? error?.text : DEAD_LINK} <a href="/account">Go to your account</a> to ask for a new link.
        </p>
      </section>
    );
  return (
    <section class="account">
      <h1>Confirm your new email</h1>
      <form onSubmit={onSubmit}>
        <p>Confirm to make the address this link was mailed to the email of your ShopSync account.</p>
        {error && (
          <p class="notice error" role="alert" id="confirm-error" tabIndex={-1} ref={errorBox}>
            {error.text}
          </p>
        )}
        <button type="submit" class="primary" aria-disabled={busy ? 'true' : undefined}>
          Confirm my new email
        </button>
      </form>
    </section>
  );
}
