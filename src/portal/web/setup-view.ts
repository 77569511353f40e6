import type { OperatorSetupResponse, SetupLinkView } from '../../contract/wire.js';
import { ApiError, errorOf } from './api.js';
import { beginLogin } from './oauth-login.js';
import { field, formValues, h } from './dom.js';
import { session } from './session.js';
import type { ViewContext } from './view-context.js';

/** The fields the setup API names in its errors, in the words of the form's labels. */
const LABELS: Record<string, string> = { name: 'Your name', email: 'E-mail (your username)', password: 'Password', code: 'The setup link' };

/** POST to the setup API (its own call, so that a 422 can mark the fields at fault); a refusal becomes an ApiError in words, naming each field by its label. */
async function post<T>(path: string, body: Record<string, string>): Promise<T> {
  let response: Response;
  try {
    // same-origin: the setup's answer starts her login session at the issuer (an HttpOnly cookie this page never reads).
    response = await fetch(path, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify(body), cache: 'no-store', credentials: 'same-origin' });
  } catch {
    throw new ApiError('The service could not be reached. Check your connection and try again.', 0);
  }
  const answer = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (response.ok) return answer as T;
  const errors = Array.isArray(answer?.errors) ? (answer.errors as Record<string, string[]>[]).flatMap((entry) => Object.entries(entry)) : [];
  if (response.status === 422 && errors.length > 0) {
    throw new FieldErrors(errors.map(([name]) => name), errors.map(([name, messages]) => (name === 'base' ? messages.join(' ') : `${LABELS[name] ?? name}: ${messages.join(', ')}.`)).join(' '));
  }
  throw errorOf(response.status, answer, response.headers);
}

class FieldErrors extends ApiError {
  constructor(readonly fields: readonly string[], message: string) {
    super(message, 422);
  }
}

/**
 * After setup she is logged in: the setup call started her login session at
 * the issuer (its cookie), so the portal's usual login asks nothing and lands
 * her on the operator's home, acting for the operator party.
 */
async function logInAsOperator(operatorPartyId: number): Promise<void> {
  history.replaceState(null, '', '#/');
  await beginLogin({ partyId: operatorPartyId });
}

/** #/setup/<code>: the one-time link a first start (or `npm run operator -- create`) prints, to make an operator person. */
export async function setupView(context: ViewContext, code: string): Promise<void> {
  session.end();
  let link: SetupLinkView;
  try {
    link = await post<SetupLinkView>('/api/v1/setup/link', { code });
  } catch (error) {
    context.page('Set up the operator', h('p', {}, 'This setup link cannot be used. Restart the service for a new link, or ask whoever runs it for one (npm run operator -- create <e-mail>).'), h('p', {}, h('a', { href: '#/login' }, 'Log in instead')));
    context.fail(error);
    return;
  }
  const name = h('input', { name: 'name', autocomplete: 'name', required: true, maxlength: 255 });
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'username', required: true, maxlength: 254, value: link.email ?? undefined, readonly: link.email !== null });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8, maxlength: 1024 });
  const again = h('input', { name: 'again', type: 'password', autocomplete: 'new-password', required: true, maxlength: 1024 });
  const controls: Record<string, HTMLInputElement> = { name, email, password, again };
  const submit = h('button', { type: 'submit' }, 'Create the operator and log in');
  const form = h(
    'form',
    {
      class: 'card',
      method: 'post', // never a GET with the password in the URL, should the script not run
      onsubmit: async (event: Event) => {
        event.preventDefault();
        for (const control of Object.values(controls)) control.removeAttribute('aria-invalid');
        const values = formValues(form);
        const value = (key: string) => values.get(key)?.[0] ?? '';
        if (value('password') !== value('again')) {
          again.setAttribute('aria-invalid', 'true');
          context.fail(new Error('The two passwords differ. Type the same password in both fields.'));
          again.focus();
          return;
        }
        submit.disabled = true;
        try {
          const made = await post<OperatorSetupResponse>('/api/v1/setup/operator', { code, name: value('name'), email: value('email'), password: value('password') });
          await logInAsOperator(made.party_id);
        } catch (error) {
          const fields = error instanceof FieldErrors ? error.fields.filter((key) => key in controls) : [];
          for (const key of fields) controls[key].setAttribute('aria-invalid', 'true');
          context.fail(error);
          (fields.length > 0 ? controls[fields[0]] : submit).focus();
        } finally {
          submit.disabled = false;
        }
      },
    },
    field('Your name', name),
    field('E-mail (your username)', email, link.email === null ? 'You log in with it.' : 'This link was made for this e-mail; you log in with it.'),
    field('Password', password, 'At least 8 characters, and not one of the most common passwords.'),
    field('Password again', again),
    submit,
  );
  const until = new Date(link.expires_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  context.page(
    'Set up the operator',
    h('p', {}, 'The operator manages the entities, parties, people and clients of this service. Choose the name, e-mail and password of its first person: you.'),
    h('p', {}, `This link works once, until ${until}.`),
    form,
  );
}
