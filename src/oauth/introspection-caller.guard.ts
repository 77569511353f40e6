import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../common/protocol-errors.js';
import { ScopeSet } from '../model/scope.js';
import { AccessTokenGuard } from '../tokens/access-token.guard.js';
import { presentedCertificate } from '../tokens/sender-constraint/presented-certificate.js';
import { ClientAuthenticator } from './client-authentication/client-authenticator.service.js';
import { presentedClientAuth } from './client-authentication/presented-client-auth.js';
import { type FormParameters, readForm } from './form-body.js';

export const INTROSPECTION_SCOPE = 'use:auth:introspect';

/**
 * Who may introspect (RFC 7662 §2.1): a client that authenticates by its
 * registered method and whose scopes cover use:auth:introspect, or, as
 * before, a caller whose own bearer token covers it (the route's
 * RequireScope, checked by AccessTokenGuard).
 */
@Injectable()
export class IntrospectionCallerGuard implements CanActivate {
  constructor(
    private readonly bearer: AccessTokenGuard,
    private readonly authenticator: ClientAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const presented = presentedClientAuth(request.headers.authorization, formOf(request), presentedCertificate(request));
    // client_id alone is a TLS client only with a certificate and no token of its own.
    const tlsClient = presented?.method === 'none' && presented.certificate !== undefined && request.headers.authorization === undefined;
    if (presented === undefined || (presented.method === 'none' && !tlsClient)) return this.bearer.canActivate(context);
    const { credentials } = await this.authenticator.authenticate(presented, request.ip);
    if (!ScopeSet.fromArray(credentials.client.scopes).covers(INTROSPECTION_SCOPE)) {
      throw new OAuthError('unauthorized_client', `This client may not introspect tokens: its scopes do not cover ${INTROSPECTION_SCOPE}`, 403);
    }
    return true;
  }
}

/** The form, if the body is one; otherwise nothing here (the service answers the malformed request). */
function formOf(request: FastifyRequest): FormParameters {
  try {
    return readForm(request.headers['content-type'], request.body);
  } catch {
    return new Map();
  }
}
