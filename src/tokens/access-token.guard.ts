import { type CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BearerTokenError } from '../common/protocol-errors.js';
import { BearerTokenAuthenticator, RegistrantTokenAuthenticator } from './bearer-token-authenticator.js';
import { Principal } from './principal.js';
import { PrincipalStanding } from './principal-standing.service.js';
import { SenderBinding } from './sender-constraint/sender-binding.service.js';

const REQUIRED_SCOPE = 'token-issuer:required-scope';
const CLAIMS_SUFFICE = 'token-issuer:claims-suffice';

/** The scope a route needs; the token's scope must cover it (scope grammar, not string equality). */
export const RequireScope = (scope: string) => SetMetadata(REQUIRED_SCOPE, scope);

/**
 * For routes that must answer from the token alone, without the directory
 * (userinfo and introspection keep answering during a database outage):
 * they grant no power, they only describe the token.
 */
export const TokenClaimsSuffice = () => SetMetadata(CLAIMS_SUFFICE, true);

/** The request a guard has authenticated: `user` is its principal. */
type Authenticated = FastifyRequest & { user: Principal };

/**
 * Authenticates the bearer token (access or registrant), with the proof of
 * its binding if it has one (BearerTokenAuthenticator, SenderBinding), narrows it
 * to what its client, entity and party hold now (PrincipalStanding; a token
 * that no longer stands is invalid_token), then checks RequireScope against
 * that live scope. Called directly, not through passport: its per-request
 * wrapping cost more than the token check itself on userinfo.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly bearer: BearerTokenAuthenticator,
    private readonly standing: PrincipalStanding,
    private readonly binding: SenderBinding,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Authenticated>();
    request.user = await this.bearer.authenticate(request);
    const targets = [context.getHandler(), context.getClass()];
    const dpop = /^DPoP\s/i.test(request.headers.authorization ?? '');
    // RFC 9449 §9: a fresh nonce with each DPoP answer, so the client's next proof has one.
    const nonce = dpop ? this.binding.currentNonce() : undefined;
    if (nonce !== undefined) context.switchToHttp().getResponse<FastifyReply>().header('dpop-nonce', nonce);
    if (!this.reflector.getAllAndOverride<boolean | undefined>(CLAIMS_SUFFICE, targets)) {
      const live = await this.standing.check(request.user);
      if (live === null) throw BearerTokenError.invalid("The token's client, entity or party is no longer active");
      request.user = live;
    }
    const required = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_SCOPE, targets);
    if (required !== undefined && !request.user.scope.covers(required)) throw BearerTokenError.insufficientScope(required, dpop ? this.binding.dpopAlgs : undefined);
    return true;
  }
}

/** Registrant tokens only; scope rules do not apply to a person acting for itself. */
@Injectable()
export class RegistrantTokenGuard implements CanActivate {
  constructor(private readonly registrant: RegistrantTokenAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Authenticated>();
    request.user = await this.registrant.authenticate(request);
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<{ user: Principal }>().user,
);
