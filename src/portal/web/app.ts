import { api, ApiError } from './api.js';
import { h, replace, type Child } from './dom.js';
import { auditView } from './audit-view.js';
import { clientView } from './client-view.js';
import { entityView } from './entity-view.js';
import { assumeView, loginView, partiesView } from './login-views.js';
import { beginLogin, carryAlert, completeLogin, endSession, forgetParty, lastParty, type LoginResult, returnedFromLogout, takeCarriedAlert } from './oauth-login.js';
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
  { pattern: /^#\/setup\/([A-Za-z0-9_-]{1,64})$/, needs: 'nothing', view: (context, code) => import('./setup-view.js').then(({ setupView }) => setupView(context, code)) },
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
        // Only the token has run out: her login at the issuer may still stand, which renews it without a word.
        session.end();
        void beginLogin({ partyId: acting.party.party_id, returnTo: location.hash });
        return;
      }
      forgetParty();
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

/** Revokes her token here, then ends her login at the issuer (which revokes every token of it) and comes back. */
async function logOut(): Promise<void> {
  const idToken = session.person?.idToken;
  const token = session.person?.token;
  session.end();
  if (token !== undefined) await Promise.allSettled([api.revoke(token)]);
  if (idToken !== undefined && idToken !== '') endSession(idToken);
  else context.navigate('#/login', { status: 'You have logged out.' });
}

/** Takes the tokens of a finished login: hers, and the party's when she asked to act for one. */
async function adopt(result: LoginResult): Promise<string> {
  session.person = { username: nameIn(result.idToken), token: result.token, idToken: result.idToken };
  if (result.partyId !== undefined) {
    const party = (await api.parties(result.token)).find((candidate) => candidate.party_id === result.partyId);
    if (party === undefined) throw new Error('You may not act for this party.');
    const scopes = result.scope.split(' ').filter((scope) => scope.includes(':'));
    session.acting = { token: result.token, party, scopes, expiresAt: result.expiresAt };
  }
  return result.returnTo ?? session.home;
}

/** The name in the id_token, to show (the token itself is verified by the issuer that gave it, over TLS, moments ago). */
function nameIn(idToken: string): string {
  try {
    const payload = JSON.parse(atob(idToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { name?: unknown };
    return typeof payload.name === 'string' ? new TextDecoder().decode(Uint8Array.from(payload.name, (c) => c.charCodeAt(0))) : 'you';
  } catch {
    return 'you';
  }
}

async function render(): Promise<void> {
  const messages = carried;
  carried = {};
  // A bare visit goes to her parties: logged in already at the issuer, she is not asked anything.
  const hash = location.hash === '' || location.hash === '#' || location.hash === '#/' ? '#/parties' : location.hash;
  const route = ROUTES.find((candidate) => candidate.pattern.test(hash));
  if (route === undefined) {
    context.navigate(session.person === undefined ? '#/login' : session.home, messages);
    return;
  }
  if (route.needs !== 'nothing' && session.person === undefined) {
    // No tokens in this page (a reload, a first visit): the issuer's login session, if any, renews them without a word.
    context.page('Logging in', h('p', {}, 'One moment…'));
    await beginLogin({ partyId: lastParty(), returnTo: hash });
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

/** A load may be the issuer's answer to a login or a logout: take it before the first page. */
async function start(): Promise<void> {
  try {
    if (returnedFromLogout()) {
      carried = { status: 'You have logged out.' };
      history.replaceState(null, '', '#/login');
    } else {
      const result = await completeLogin();
      if (result !== null && 'error' in result && result.partyId !== undefined) {
        // Refused a party, not the login: back to her parties (silently, through her login session), saying why.
        forgetParty();
        carryAlert('You may not act for this party.');
        await beginLogin({ returnTo: '#/parties' });
        return;
      }
      if (result !== null && 'error' in result) {
        carried = { alert: result.error };
        history.replaceState(null, '', '#/login');
      } else if (result !== null) {
        history.replaceState(null, '', await adopt(result));
        const alert = takeCarriedAlert();
        if (alert !== undefined) carried = { alert };
      }
    }
  } catch (error) {
    carried = { alert: error instanceof Error ? error.message : 'The login did not succeed.' };
    history.replaceState(null, '', '#/login');
  }
  window.addEventListener('hashchange', () => void render());
  await render();
}

void start();
