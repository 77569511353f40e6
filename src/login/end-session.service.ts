import { Injectable } from '@nestjs/common';
import { Grants } from '../authorization/grants.service.js';
import { LoginSessions } from '../authorization/login-sessions.service.js';
import { SecretDigest } from '../crypto/secret-digest.js';
import { IdTokenIssuer } from '../tokens/id-token-issuer.js';
import { AuthorizationFlow } from './authorization-flow.service.js';
import { clearCookie, SESSION_COOKIE } from './cookies.js';
import { type FlowOutcome, page, redirect, withParameters } from './flow-outcome.js';
import { logoutConfirmPage, messagePage } from './pages.js';

const LOGGED_OUT = 'You are logged out here. Applications you logged in to through this login can no longer use it.';

/**
 * RP-initiated logout 1.0 at end_session_endpoint. With a valid
 * id_token_hint the application speaks for the login it got: that login
 * session ends, with every grant made in it (refresh tokens, and access
 * tokens through their sid), and the person goes back to a
 * post_logout_redirect_uri registered exactly for that client, with `state`.
 * Without one, a page asks her to confirm (a cross-site link cannot log her
 * out), and nothing redirects.
 */
@Injectable()
export class EndSession {
  constructor(
    private readonly flow: AuthorizationFlow,
    private readonly sessions: LoginSessions,
    private readonly grants: Grants,
    private readonly idTokens: IdTokenIssuer,
    private readonly digest: SecretDigest,
  ) {}

  async request(get: (name: string) => string | undefined, sessionCookie: string | undefined): Promise<FlowOutcome> {
    const hintText = get('id_token_hint');
    const hint = hintText === undefined ? null : await this.idTokens.verifyHint(hintText);
    if (hintText !== undefined && hint === null) return page(messagePage('Logout refused', 'The application sent a logout request that is not valid here.', 400));
    const clientId = get('client_id') ?? hint?.clientId;
    if (hint !== null && clientId !== hint.clientId) return page(messagePage('Logout refused', 'The logout request names two different applications.', 400));
    const target = get('post_logout_redirect_uri');
    if (target !== undefined) {
      const credentials = await this.flow.client(clientId);
      // Exactly as registered (OpenID RP-initiated logout §3), and only with a hint: no open redirect through logout.
      if (hint === null || credentials === null || !credentials.client.postLogoutRedirectUris.includes(target)) {
        return page(messagePage('Logout refused', 'The address the application asked to return you to after logging out is not one it registered.', 400));
      }
    }
    const current = await this.sessions.find(sessionCookie);
    if (hint === null) {
      if (current === null) return page(messagePage('Logged out', LOGGED_OUT, 200));
      return page(logoutConfirmPage(this.digest.digest(`logout|${sessionCookie}`)));
    }
    if (hint.loginSessionId !== undefined) await this.end(hint.loginSessionId);
    const cookies = current !== null && current.id === hint.loginSessionId ? [clearCookie(SESSION_COOKIE, this.flow.secureCookies)] : [];
    if (target === undefined) return page(messagePage('Logged out', LOGGED_OUT, 200), cookies);
    return redirect(withParameters(target, { state: get('state') }), cookies);
  }

  /** The confirmation page's form: its token is a keyed digest of this browser's session cookie. */
  async confirm(formToken: string | undefined, sessionCookie: string | undefined): Promise<FlowOutcome> {
    const current = await this.sessions.find(sessionCookie);
    if (current === null) return page(messagePage('Logged out', LOGGED_OUT, 200));
    if (formToken === undefined || this.digest.matches(`logout|${sessionCookie}`, [formToken]) !== 0) {
      return page(messagePage('Logout refused', 'This logout form is not from this browser. Nothing was changed.', 400));
    }
    await this.end(current.id);
    return page(messagePage('Logged out', LOGGED_OUT, 200), [clearCookie(SESSION_COOKIE, this.flow.secureCookies)]);
  }

  private async end(loginSessionId: string): Promise<void> {
    await this.sessions.end(loginSessionId);
    await this.grants.endSession(loginSessionId);
  }
}
