import { Inject, Injectable } from '@nestjs/common';
import { AuthorizationRequestError, readAuthorizationParameters } from '../authorization/authorization-parameters.js';
import { AuthorizationRequests, type StoredAuthorizationRequest } from '../authorization/authorization-requests.service.js';
import { Consents } from '../authorization/consents.service.js';
import { Grants } from '../authorization/grants.service.js';
import { LoginSessions } from '../authorization/login-sessions.service.js';
import type { AppConfig } from '../config/app-config.js';
import { RateWindow } from '../common/rate-window.js';
import { APP_CONFIG } from '../config/config.module.js';
import { PORTAL_CLIENT_ID } from '../contract/urns.js';
import { type ClientCredentials, ClientLookup, EntityLookup, PartyLookup } from '../directory/lookups.js';
import { isUuid } from '../model/business-id.js';
import { parseCodeFlowScope } from '../model/code-flow-scope.js';
import { ScopeSet } from '../model/scope.js';
import { browserCookie } from './cookies.js';
import { type FlowOutcome, page, redirect, withParameters } from './flow-outcome.js';
import { messagePage, PAGES_PATH } from './pages.js';
import { PortalClient } from './portal-client.service.js';

const EXPIRED = 'This login has expired, was finished already, or was started in another browser. Go back to the application and start again.';

/**
 * GET/POST /auth/authorize and every step after it: the request is checked
 * (or a pushed one taken, once), stored, and bound to the browser; then the
 * person logs in (unless her login session stands), consents (unless she
 * did before, or the client is the portal), and the client gets a code at
 * its redirect URI with `state` and `iss` (RFC 9207). Until the client and
 * redirect URI are established, errors are pages and nothing redirects.
 */
@Injectable()
export class AuthorizationFlow {
  /**
   * Each request stores a row before anyone has logged in: an address may
   * start AUTHORIZATION_REQUESTS_PER_MINUTE a minute (per process), so that
   * no one can fill the table.
   */
  private readonly perAddress: RateWindow;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clients: ClientLookup,
    private readonly entities: EntityLookup,
    private readonly parties: PartyLookup,
    private readonly requests: AuthorizationRequests,
    private readonly sessions: LoginSessions,
    private readonly consents: Consents,
    private readonly grants: Grants,
    private readonly portal: PortalClient,
  ) {
    this.perAddress = new RateWindow(config.codeFlow.requestsPerMinute, 60_000);
  }

  get secureCookies(): boolean {
    return this.sessions.secureCookies;
  }

  /** The authorization request itself; `get` throws a non-redirecting AuthorizationRequestError for a repeated parameter. */
  async authorize(get: (name: string) => string | undefined, cookies: { session?: string; browser?: string }, address: string): Promise<FlowOutcome> {
    const wait = this.perAddress.take(address);
    if (wait > 0) return page(messagePage('Too many logins started', `Too many logins were started from your network in the last minute. Try again in ${wait} seconds.`, 429));
    try {
      const credentials = await this.client(get('client_id'));
      const requestUri = get('request_uri');
      let id: string | null;
      if (requestUri !== undefined) {
        // RFC 9126 §4: only the pushed parameters count; the client must be the one that pushed.
        if (credentials === null) throw new AuthorizationRequestError('invalid_client', 'The application that sent you here is not registered for logins here.', false);
        id = await this.requests.takePushed(requestUri, credentials.client.clientId);
        if (id === null) return page(messagePage('Login link expired', 'This login link has expired or was used already. Go back to the application and try again.', 400));
      } else {
        id = await this.requests.create(readAuthorizationParameters(get, credentials, false));
      }
      const request = (await this.requests.find(id))!;
      const { handle, binding } = await this.requests.bindToBrowser(id, cookies.browser);
      return this.afterBinding(request, handle, cookies.session, [browserCookie(binding, this.secureCookies)]);
    } catch (error) {
      if (error instanceof AuthorizationRequestError) return this.refusal(error);
      throw error;
    }
  }

  /** The page that refuses, or the redirect that tells the client. */
  refusal(error: AuthorizationRequestError): FlowOutcome {
    if (!error.redirect || error.target === undefined) return page(messagePage('This login cannot go on', error.description, 400));
    return redirect(withParameters(error.target.redirectUri, { error: error.code, error_description: error.description, state: error.target.state, iss: this.config.publicUrl }));
  }

  /** The request ends in an error for the client (access_denied, login_required, …). */
  async fail(request: StoredAuthorizationRequest, code: AuthorizationRequestError['code'], description: string): Promise<FlowOutcome> {
    await this.requests.end(request.id);
    return this.refusal(new AuthorizationRequestError(code, description, true, { redirectUri: request.redirectUri, state: request.state ?? undefined }));
  }

  /** The next step of a request in this browser: login, consent or the code. */
  private async afterBinding(request: StoredAuthorizationRequest, handle: string, sessionCookie: string | undefined, cookies: string[]): Promise<FlowOutcome> {
    const session = request.prompt === 'login' ? null : await this.sessions.find(sessionCookie);
    const fresh = session !== null && (request.maxAge === null || Date.now() - session.authTime.getTime() <= request.maxAge * 1000);
    if (session !== null && fresh) {
      await this.requests.attachLogin(request.id, session.entityId, session.id);
      const outcome = await this.afterLogin((await this.requests.find(request.id))!, handle);
      return { ...outcome, cookies: [...cookies, ...(outcome.cookies ?? [])] };
    }
    if (request.prompt === 'none') return { ...(await this.fail(request, 'login_required', 'The person is not logged in here')), cookies };
    return redirect(`${PAGES_PATH}/login?request=${handle}`, cookies);
  }

  /** She is logged in: consent if needed, else the code. */
  async afterLogin(request: StoredAuthorizationRequest, handle: string): Promise<FlowOutcome> {
    const person = request.entityId === null ? null : await this.entities.findEntity(request.entityId);
    const credentials = await this.client(request.clientId);
    if (person === null || person.status !== 'active' || person.type !== 'person' || credentials === null) return page(messagePage('This login cannot go on', EXPIRED, 400));
    const scope = parseCodeFlowScope(request.scope);
    if (scope.party.kind === 'party') {
      const partyId = scope.party.partyId;
      if (!(await this.parties.actingParties(person.id)).some(({ party }) => party.id === partyId)) {
        return this.fail(request, 'access_denied', 'The person may not act for the party asked for');
      }
    }
    const firstParty = credentials.client.clientId === PORTAL_CLIENT_ID;
    const needsConsent = !firstParty && (request.prompt === 'consent' || scope.party.kind === 'pick' || !(await this.consents.covers(person.id, credentials.client.clientId, request.scope.split(' ').filter(Boolean))));
    if (!needsConsent) return this.issueCode(request, credentials, scope.party.kind === 'party' ? scope.party.partyId : null);
    if (request.prompt === 'none') return this.fail(request, 'consent_required', 'The person has not approved this application for this scope');
    return redirect(`${PAGES_PATH}/consent?request=${handle}`);
  }

  /** Ends the request (once: a replayed form gets nothing) and sends the client its code. */
  async issueCode(request: StoredAuthorizationRequest, credentials: ClientCredentials, partyId: number | null): Promise<FlowOutcome> {
    if (!(await this.requests.end(request.id))) return page(messagePage('This login cannot go on', EXPIRED, 400));
    const scope = parseCodeFlowScope(request.scope);
    const clientScopes = ScopeSet.fromArray(credentials.client.scopes);
    let held = scope.scopes ?? (partyId === null ? ScopeSet.EMPTY : clientScopes);
    if (partyId !== null) {
      const acting = (await this.parties.actingParties(request.entityId!)).find(({ party }) => party.id === partyId);
      if (acting === undefined) return this.refusal(new AuthorizationRequestError('access_denied', 'The person may not act for this party', true, { redirectUri: request.redirectUri, state: request.state ?? undefined }));
      held = held.intersect(acting.scopes).intersect(clientScopes);
    }
    const code = await this.grants.createWithCode({
      clientId: credentials.client.clientId,
      entityId: request.entityId!,
      partyId,
      scope: [...scope.openid, ...held.toArray()].join(' '),
      loginSessionId: request.loginSessionId,
      authTime: request.authTime ?? new Date(),
      amr: request.amr ?? ['pwd'],
    }, { redirectUri: request.redirectUri, codeChallenge: request.codeChallenge, nonce: request.nonce });
    return redirect(withParameters(request.redirectUri, { code, state: request.state ?? undefined, iss: this.config.publicUrl }));
  }

  /** An active client that may use this flow, or null; the portal's is registered on first need. */
  async client(clientId: string | undefined): Promise<ClientCredentials | null> {
    if (clientId === undefined || !isUuid(clientId)) return null;
    const found = await this.clients.findClientCredentials(clientId);
    if (found === null && clientId.toLowerCase() === PORTAL_CLIENT_ID && (await this.portal.register())) return this.clients.findClientCredentials(clientId);
    return found;
  }
}
