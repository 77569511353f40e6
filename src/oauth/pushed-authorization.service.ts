import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthorizationRequestError, readAuthorizationParameters } from '../authorization/authorization-parameters.js';
import { AuthorizationRequests, PUSHED_REQUEST_SECONDS } from '../authorization/authorization-requests.service.js';
import { OAuthError } from '../common/protocol-errors.js';
import { RateWindow } from '../common/rate-window.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ClientAuthenticator } from './client-authentication/client-authenticator.service.js';
import { presentedClientAuth } from './client-authentication/presented-client-auth.js';
import { readForm } from './form-body.js';
import { SenderConfirmations } from './sender-constraint/sender-confirmation.js';

/** POST /auth/par's answer (RFC 9126 §2.2). */
export interface PushedAuthorizationResponse {
  readonly request_uri: string;
  readonly expires_in: number;
}

/**
 * RFC 9126: the client authenticates (as at the token endpoint; a public
 * client names itself) and pushes its authorization request, which is
 * checked by the same rules as at /auth/authorize and kept for 60 s behind
 * a single-use request_uri. Errors are the token endpoint's JSON, never a redirect.
 */
@Injectable()
export class PushedAuthorizationService {
  /** Each push stores a row for 60 s: a client may push AUTHORIZATION_REQUESTS_PER_MINUTE a minute (per process). */
  private readonly perClient: RateWindow;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clients: ClientAuthenticator,
    private readonly senders: SenderConfirmations,
    private readonly requests: AuthorizationRequests,
  ) {
    this.perClient = new RateWindow(config.codeFlow.requestsPerMinute, 60_000);
  }

  async push(request: { contentType: string | undefined; body: unknown; authorization: string | undefined; address: string; http: FastifyRequest }): Promise<PushedAuthorizationResponse> {
    const form = readForm(request.contentType, request.body);
    const { certificate } = await this.senders.of(request.http);
    const presented = presentedClientAuth(request.authorization, form, certificate);
    if (presented === undefined) throw OAuthError.invalidClient('The pushed request needs client authentication', false);
    const client = await this.clients.authenticate(presented, request.address);
    const wait = this.perClient.take(client.credentials.client.clientId);
    if (wait > 0) throw new OAuthError('invalid_request', 'Too many pushed requests from this client in the last minute', 429, { retryAfterSeconds: wait });
    const clientId = form.get('client_id');
    if (clientId !== undefined && clientId.toLowerCase() !== client.credentials.client.clientId) {
      throw new OAuthError('invalid_request', 'The client_id differs from the client that authenticated');
    }
    try {
      const parameters = readAuthorizationParameters((name) => (name === 'client_id' ? client.credentials.client.clientId : form.get(name)), client.credentials, true);
      return { request_uri: await this.requests.push(parameters), expires_in: PUSHED_REQUEST_SECONDS };
    } catch (error) {
      if (!(error instanceof AuthorizationRequestError)) throw error;
      // Errors about the client itself: it authenticated, so it is known; it may not use this flow, or named a redirect URI it does not have.
      const code = error.code === 'invalid_client' ? 'unauthorized_client' : error.code === 'invalid_scope' || error.code === 'unsupported_response_type' ? error.code : 'invalid_request';
      throw new OAuthError(code, error.description);
    }
  }
}
