import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../common/protocol-errors.js';
import { Metrics } from '../health/metrics.service.js';
import { GrantRegistry } from './grants/grant-registry.js';
import type { TokenResponse } from './grants/grant.js';
import { ClientAuthenticator } from './client-authentication/client-authenticator.service.js';
import { CLIENT_AUTH_PARAMETERS, presentedClientAuth } from './client-authentication/presented-client-auth.js';
import { readForm } from './form-body.js';
import { SenderConfirmations } from './sender-constraint/sender-confirmation.js';

/** The form rules shared by every grant (readForm), client authentication, then dispatch by grant_type. */
@Injectable()
export class TokenEndpointService {
  constructor(
    private readonly registry: GrantRegistry,
    private readonly clients: ClientAuthenticator,
    private readonly metrics: Metrics,
    private readonly senders: SenderConfirmations,
  ) {}

  /** Counts every request by grant and outcome, then answers it. */
  async exchange(request: TokenRequest): Promise<TokenResponse> {
    let grant = 'unknown';
    try {
      const response = await this.dispatch(request, (type) => (grant = type));
      this.metrics.login(grant, 'success');
      return response;
    } catch (error) {
      this.metrics.login(grant, error instanceof OAuthError ? error.code : 'error');
      throw error;
    }
  }

  private async dispatch(request: TokenRequest, named: (grant: string) => void): Promise<TokenResponse> {
    const form = readForm(request.contentType, request.body);
    const type = form.get('grant_type');
    if (type === undefined || type === '') throw new OAuthError('invalid_request', 'The grant_type parameter is required');
    const grant = this.registry.get(type);
    if (grant === undefined) throw new OAuthError('unsupported_grant_type', 'This grant_type is not supported');
    named(grant.metricName);
    // Its DPoP proof first (a nonce retry then costs nothing else), then the client, if it names one, proves itself before the grant reads anything.
    const confirmation = await this.senders.of(request.http);
    const presented = presentedClientAuth(request.authorization, form, confirmation.certificate);
    const client = presented === undefined ? undefined : await this.clients.authenticate(presented, request.address);
    if (client === undefined && grant.clientAuthentication === 'required') throw OAuthError.invalidClient('This grant needs client authentication', false);
    if (client !== undefined && !client.credentials.client.grantTypes.includes(grant.type)) {
      throw new OAuthError('unauthorized_client', 'This client is not registered for this grant_type');
    }
    const parameters = new Map([...form].filter(([name]) => Object.hasOwn(grant.parameters, name) && !CLIENT_AUTH_PARAMETERS.has(name)));
    return grant.exchange(parameters, { client, address: request.address, confirmation });
  }
}

/** A token request as it arrived. */
export interface TokenRequest {
  readonly contentType: string | undefined;
  readonly body: unknown;
  readonly authorization: string | undefined;
  readonly address: string;
  /** The request itself: its DPoP header, method and URL, and TLS client certificate (SenderConfirmations). */
  readonly http: FastifyRequest;
}
