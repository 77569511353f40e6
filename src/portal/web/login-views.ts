import { api, type ActingParty } from './api.js';
import type { ViewContext } from './view-context.js';
import { field, formValues, h } from './dom.js';
import { session } from './session.js';

export function loginView(context: ViewContext): void {
  session.end();
  const username = h('input', { name: 'username', type: 'email', autocomplete: 'username', required: true, maxlength: 254 });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 1024 });
  const submit = h('button', { type: 'submit' }, 'Log in');
  const form = h(
    'form',
    {
      class: 'card',
      method: 'post', // never a GET with the password in the URL, should the script not run (the CSP's form-action stops it too)
      onsubmit: async (event: Event) => {
        event.preventDefault();
        submit.disabled = true;
        try {
          const values = formValues(form);
          const login = await api.login(values.get('username')![0], values.get('password')![0]);
          session.person = { username: values.get('username')![0], token: login.token };
          const next = session.afterLogin ?? '#/parties';
          session.afterLogin = undefined;
          context.navigate(next);
        } catch (error) {
          password.value = '';
          context.fail(error);
          password.focus();
        } finally {
          submit.disabled = false;
        }
      },
    },
    field('Username (e-mail)', username),
    field('Password', password),
    submit,
  );
  context.page('Log in', h('p', {}, 'Log in with the username and password you got from the operator.'), form);
}

function describe(party: ActingParty): string {
  return `${party.party_name} — ${party.type.replaceAll('_', ' ')} of ${party.entity_name}`;
}

export async function partiesView(context: ViewContext): Promise<void> {
  session.acting = undefined;
  const parties = await api.parties(session.person!.token);
  context.page(
    'Choose a party',
    h('p', {}, 'Choose the party to act for. What you may do depends on the scopes you hold for it.'),
    parties.length === 0
      ? h('p', {}, 'You may not act for any party. Ask the operator or your company admin for a membership.')
      : h(
          'ul',
          { class: 'choices' },
          parties.map((party) =>
            h(
              'li',
              {},
              h('a', { href: `#/assume/${party.party_id}`, class: 'choice' }, h('span', { class: 'choice-name' }, describe(party)), h('span', { class: 'choice-detail' }, `${party.owned ? 'Owner' : 'Member'} · ${party.scope || 'no scopes'}`)),
            ),
          ),
        ),
  );
}

/** Exchanges her token for one acting for the party, then shows that party's home. */
export async function assumeView(context: ViewContext, partyId: string): Promise<void> {
  const person = session.person!;
  try {
    const [exchanged, parties] = await Promise.all([api.assume(person.token, Number(partyId)), api.parties(person.token)]);
    const party = parties.find((candidate) => candidate.party_id === Number(partyId));
    if (party === undefined) throw new Error('You may not act for this party.');
    session.acting = { token: exchanged.token, party, scopes: exchanged.scope.split(' ').filter((scope) => scope !== ''), expiresAt: Date.now() + exchanged.expiresIn * 1000 };
    const next = session.afterLogin ?? session.home;
    session.afterLogin = undefined;
    history.replaceState(null, '', next);
    context.navigate(next);
  } catch (error) {
    history.replaceState(null, '', '#/parties');
    await partiesView(context);
    context.fail(error);
  }
}
