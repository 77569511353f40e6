import { api, type ActingParty } from './api.js';
import { beginLogin } from './oauth-login.js';
import type { ViewContext } from './view-context.js';
import { h } from './dom.js';
import { session } from './session.js';

/** Logging in happens at the issuer: this page only offers the way there (and says why she is here). */
export function loginView(context: ViewContext): void {
  session.end();
  const go = h('button', { type: 'button', onclick: () => void beginLogin({ returnTo: takeAfterLogin() }) }, 'Log in');
  context.page('Log in', h('p', {}, 'You log in on the issuer\'s own page, with the e-mail and password you got from the operator; this portal never sees your password.'), go);
}

function takeAfterLogin(): string | undefined {
  const next = session.afterLogin;
  session.afterLogin = undefined;
  return next;
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

/** Acting for a party is a new authorization at the issuer, for that party; with her login session standing it asks nothing. */
export async function assumeView(context: ViewContext, partyId: string): Promise<void> {
  context.page('Switching party', h('p', {}, 'One moment…'));
  await beginLogin({ partyId: Number(partyId), returnTo: takeAfterLogin() });
}
