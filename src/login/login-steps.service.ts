import type { X509Certificate } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuthorizationRequests, type StoredAuthorizationRequest } from '../authorization/authorization-requests.service.js';
import { Consents } from '../authorization/consents.service.js';
import { LoginSessions } from '../authorization/login-sessions.service.js';
import { ThrottledError } from '../common/throttled-error.js';
import { EntityLookup, PartyLookup } from '../directory/lookups.js';
import { MAX_PASSWORD_LENGTH } from '../crypto/password-hasher.js';
import { parseCodeFlowScope } from '../model/code-flow-scope.js';
import { PasswordCheck } from '../registrant/password-check.service.js';
import { AuthorizationFlow } from './authorization-flow.service.js';
import { setCookie, SESSION_COOKIE } from './cookies.js';
import { type FlowOutcome, page } from './flow-outcome.js';
import { ID_CARD_AMR, IdCardLogin } from './id-card-login.service.js';
import { consentPage, loginPage, messagePage, type Page } from './pages.js';
import { scopeWords } from './scope-words.js';

const EXPIRED = 'This login has expired, was finished already, or was started in another browser. Go back to the application and start again.';
const RESENT = 'This form was sent already or has expired. Please try again.';

/** A posted form of ours, as strings (anything else is treated as absent). */
export type PostedForm = (name: string) => string | undefined;

/**
 * The login and consent pages. Each page carries a single-use form token of
 * its request (and the request is bound to this browser by a cookie), so a
 * form can be neither forged from another site nor replayed. Passwords go
 * through the registrant login's check: the same throttle, argon2id and
 * equal answers for unknown users.
 */
@Injectable()
export class LoginSteps {
  constructor(
    private readonly flow: AuthorizationFlow,
    private readonly requests: AuthorizationRequests,
    private readonly sessions: LoginSessions,
    private readonly consents: Consents,
    private readonly passwords: PasswordCheck,
    private readonly entities: EntityLookup,
    private readonly parties: PartyLookup,
    private readonly idCard: IdCardLogin,
  ) {}

  async showLogin(handle: string | undefined, browser: string | undefined): Promise<FlowOutcome> {
    const request = await this.request(handle, browser);
    if (request === null) return page(messagePage('Login expired', EXPIRED, 400));
    return page(await this.login(request, handle!, {}));
  }

  async submitLogin(form: PostedForm, browser: string | undefined, address: string, certificate?: X509Certificate): Promise<FlowOutcome> {
    const handle = form('request');
    const request = await this.request(handle, browser);
    if (request === null) return page(messagePage('Login expired', EXPIRED, 400));
    if (!(await this.requests.useFormToken(request.id, form('form_token')))) return page(await this.login(request, handle!, { problem: RESENT }, 400));
    if (form('action') === 'cancel') return this.flow.fail(request, 'access_denied', 'The person cancelled the login');
    if (form('action') === 'id-card') {
      const found = await this.idCard.person(certificate);
      if ('problem' in found) return page(await this.login(request, handle!, { problem: found.problem }, 401));
      return this.loggedIn(request, handle!, found.entityId, ID_CARD_AMR);
    }
    const username = form('username') ?? '';
    const password = form('password') ?? '';
    if (username === '' || password === '' || username.length > 254 || password.length > MAX_PASSWORD_LENGTH) {
      return page(await this.login(request, handle!, { username, problem: 'Enter your e-mail and your password.' }, 400));
    }
    let person: Awaited<ReturnType<PasswordCheck['check']>>;
    try {
      person = await this.passwords.check(username, password, address);
    } catch (error) {
      if (!(error instanceof ThrottledError)) throw error;
      const minutes = Math.ceil(error.retryAfterSeconds / 60);
      return page(await this.login(request, handle!, { username, problem: `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` }, 429));
    }
    if (person === null) return page(await this.login(request, handle!, { username, problem: 'The e-mail or password is wrong.' }, 401));
    return this.loggedIn(request, handle!, person.id, ['pwd']);
  }

  /** She proved who she is (`amr` says how): her login session starts, and the request carries on. */
  private async loggedIn(request: StoredAuthorizationRequest, handle: string, entityId: number, amr: readonly string[]): Promise<FlowOutcome> {
    const { session, cookie } = await this.sessions.start(entityId, amr);
    await this.requests.attachLogin(request.id, entityId, session.id);
    const outcome = await this.flow.afterLogin((await this.requests.find(request.id))!, handle);
    return { ...outcome, cookies: [setCookie(SESSION_COOKIE, cookie, this.sessions.ttlSeconds, this.flow.secureCookies), ...(outcome.cookies ?? [])] };
  }

  async showConsent(handle: string | undefined, browser: string | undefined): Promise<FlowOutcome> {
    const request = await this.request(handle, browser);
    if (request === null || request.entityId === null) return page(messagePage('Login expired', EXPIRED, 400));
    return page(await this.consent(request, handle!));
  }

  async submitConsent(form: PostedForm, browser: string | undefined): Promise<FlowOutcome> {
    const handle = form('request');
    const request = await this.request(handle, browser);
    if (request === null || request.entityId === null) return page(messagePage('Login expired', EXPIRED, 400));
    if (!(await this.requests.useFormToken(request.id, form('form_token')))) return page(await this.consent(request, handle!, RESENT, 400));
    if (form('action') !== 'allow') return this.flow.fail(request, 'access_denied', 'The person did not allow the application');
    const credentials = await this.flow.client(request.clientId);
    if (credentials === null) return page(messagePage('Login expired', EXPIRED, 400));
    const scope = parseCodeFlowScope(request.scope);
    let partyId = scope.party.kind === 'party' ? scope.party.partyId : null;
    if (scope.party.kind === 'pick') {
      const chosen = Number(form('party_id'));
      const acting = await this.parties.actingParties(request.entityId);
      if (!acting.some(({ party }) => party.id === chosen)) return page(await this.consent(request, handle!, 'Choose one of the parties listed.', 400));
      partyId = chosen;
    }
    const approved = request.scope.split(' ').filter((token) => token !== '' && token !== 'assume:party');
    await this.consents.remember(request.entityId, credentials.client.clientId, partyId === null ? approved : [...approved.filter((token) => !token.startsWith('assume:')), `assume:party:${partyId}`]);
    return this.flow.issueCode(request, credentials, partyId);
  }

  private async request(handle: string | undefined, browser: string | undefined): Promise<StoredAuthorizationRequest | null> {
    return handle === undefined ? null : this.requests.findByHandle(handle, browser);
  }

  private async login(request: StoredAuthorizationRequest, handle: string, input: { username?: string; problem?: string }, status = 200) {
    const credentials = await this.flow.client(request.clientId);
    return withTarget(loginPage({ clientName: credentials?.client.name ?? 'An application', handle, formToken: await this.requests.newFormToken(request.id), idCard: this.idCard.offered, ...input }, status), request);
  }

  private async consent(request: StoredAuthorizationRequest, handle: string, problem?: string, status = 200) {
    const credentials = await this.flow.client(request.clientId);
    const person = await this.entities.findEntity(request.entityId!);
    const scope = parseCodeFlowScope(request.scope);
    const acting = await this.parties.actingParties(request.entityId!);
    const named = scope.party.kind === 'party' ? acting.find(({ party }) => scope.party.kind === 'party' && party.id === scope.party.partyId) : undefined;
    const party = scope.party.kind === 'pick'
      ? { kind: 'pick' as const, choices: acting.map(({ party: choice }) => ({ id: choice.id, name: choice.name })) }
      : named === undefined ? { kind: 'none' as const } : { kind: 'named' as const, name: named.party.name };
    return withTarget(consentPage({
      clientName: credentials?.client.name ?? 'An application',
      companyName: credentials?.entity.name ?? 'an unknown company',
      personName: person?.name ?? 'you',
      handle,
      formToken: await this.requests.newFormToken(request.id),
      asks: scopeWords(scope.openid, scope.scopes, scope.party.kind !== 'none'),
      party,
      ...(problem === undefined ? {} : { problem }),
    }, status), request);
  }
}

/** The form's answer may be a redirect to the application: CSP's form-action must allow its origin. */
function withTarget(page: Page, request: StoredAuthorizationRequest): Page {
  return { ...page, formTargets: [new URL(request.redirectUri).origin] };
}
