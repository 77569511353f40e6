import { api, ApiError } from './api.js';
import { h, replace, type Child } from './dom.js';
import { auditView } from './audit-view.js';
import { clientView } from './client-view.js';
import { entityView } from './entity-view.js';
import { assumeView, loginView, partiesView } from './login-views.js';
import { entitiesView } from './operator-views.js';
import { session } from './session.js';
import type { Messages, ViewContext } from './view-context.js';

type Route = { pattern: RegExp; needs: 'nothing' | 'person' | 'acting'; view: (context: ViewContext, ...parameters: string[]) => Promise<void> | void };

const ROUTES: Route[] = [
  { pattern: /^#\/login$/, needs: 'nothing', view: loginView },
  { pattern: /^#\/parties$/, needs: 'person', view: partiesView },
  { pattern: /^#\/assume\/([1-9][0-9]{0,15})$/, needs: 'person', view: assumeView },
  { pattern: /^#\/entities$/, needs: 'acting', view: entitiesView },
  { pattern: /^#\/entities\/([1-9][0-9]{0,15})$/, needs: 'acting', view: (context, id) => entityView(context, Number(id)) },
  { pattern: /^#\/clients\/([0-9a-fA-F-]{36})$/, needs: 'acting', view: clientView },
  { pattern: /^#\/audit$/, needs: 'acting', view: auditView },
];

const main = document.getElementById('main') as HTMLElement;
const alertRegion = document.getElementById('alert') as HTMLElement;
const statusRegion = document.getElementById('status') as HTMLElement;
const header = document.getElementById('session') as HTMLElement;

/** What the next page shows in its message regions. */
let carried: Messages = {};

const context: ViewContext = {
  page(title, ...content) {
    const heading = h('h1', { tabindex: '-1' }, title);
    replace(main, heading, ...content);
    document.title = `${title} · token-issuer portal`;
    heading.focus();
  },
  navigate(hash, carry = {}) {
    carried = carry;
    if (location.hash === hash) void render();
    else location.hash = hash;
  },
  notify(message) {
    replace(alertRegion);
    replace(statusRegion, message);
  },
  fail(error) {
    replace(statusRegion);
    const message = error instanceof Error ? error.message : 'Something went wrong.';
    if (error instanceof ApiError && error.sessionEnded) {
      const acting = session.acting;
      if (acting !== undefined && acting.expiresAt <= Date.now() && session.person !== undefined) {
        // Only the token for the party has run out: her own may still be good, so she picks the party again.
        session.acting = undefined;
        context.navigate('#/parties', { alert: `Your time acting for ${acting.party.party_name} has ended. Choose the party again.` });
        return;
      }
      session.end();
      context.navigate('#/login', { alert: message });
      return;
    }
    replace(alertRegion, h('p', {}, message));
  },
};

function drawHeader(): void {
  const { person, acting } = session;
  if (person === undefined) {
    replace(header);
    return;
  }
  const links: Child[] = [];
  if (acting !== undefined) {
    if (session.isOperator) links.push(h('li', {}, h('a', { href: '#/entities' }, 'Entities')));
    else links.push(h('li', {}, h('a', { href: `#/entities/${acting.party.entity_id}` }, 'Entity')));
    links.push(h('li', {}, h('a', { href: '#/audit' }, 'Audit trail')));
  }
  links.push(h('li', {}, h('a', { href: '#/parties' }, acting === undefined ? 'Choose a party' : 'Switch party')));
  links.push(h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => void logOut() }, 'Log out')));
  replace(
    header,
    h('p', { class: 'who' }, 'Logged in as ', h('strong', {}, person.username), acting === undefined ? '' : [' acting for ', h('strong', {}, acting.party.party_name), ` (${acting.party.role})`]),
    h('nav', { 'aria-label': 'Portal' }, h('ul', {}, links)),
  );
}

async function logOut(): Promise<void> {
  const tokens = [session.acting?.token, session.person?.token].filter((token): token is string => token !== undefined);
  session.end();
  // Revoking the person's token also ends every token exchanged from it.
  await Promise.allSettled(tokens.map((token) => api.revoke(token)));
  context.navigate('#/login', { status: 'You have logged out.' });
}

async function render(): Promise<void> {
  const messages = carried;
  carried = {};
  const hash = location.hash === '' || location.hash === '#' || location.hash === '#/' ? (session.person === undefined ? '#/login' : '#/parties') : location.hash;
  const route = ROUTES.find((candidate) => candidate.pattern.test(hash));
  if (route === undefined) {
    context.navigate(session.person === undefined ? '#/login' : session.home, messages);
    return;
  }
  if (route.needs !== 'nothing' && session.person === undefined) {
    session.afterLogin = hash;
    context.navigate('#/login', messages);
    return;
  }
  if (route.needs === 'acting' && session.acting === undefined) {
    session.afterLogin = hash;
    context.navigate('#/parties', messages);
    return;
  }
  replace(alertRegion, messages.alert === undefined ? null : h('p', {}, messages.alert));
  replace(statusRegion, messages.status ?? null);
  drawHeader();
  const parameters = route.pattern.exec(hash)!.slice(1);
  try {
    await route.view(context, ...parameters);
  } catch (error) {
    context.fail(error);
  }
  drawHeader();
}

window.addEventListener('hashchange', () => void render());
void render();
