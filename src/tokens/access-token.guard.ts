import { createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyReply } from 'fastify';
import { BearerTokenError } from '../common/protocol-errors.js';
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

/**
 * Authenticates the bearer token (access or registrant) through passport,
 * with the proof of its binding if it has one (SenderBinding), narrows it to
 * what its client, entity and party hold now (PrincipalStanding; a token
 * that no longer stands is invalid_token), then checks RequireScope against
 * that live scope.
 */
@Injectable()
export class AccessTokenGuard extends AuthGuard('bearer') {
  constructor(
    private readonly reflector: Reflector,
    private readonly standing: PrincipalStanding,
    private readonly binding: SenderBinding,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<{ user: Principal; headers: Record<string, string | undefined> }>();
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

  /** Passport's own errors are rethrown as they are: they are already BearerTokenErrors. */
  override handleRequest<T>(error: unknown, user: T): T {
    if (error) throw error;
    if (!user) throw BearerTokenError.invalid();
    return user;
  }
}

/** Registrant tokens only (strategy `registrant`); scope rules do not apply to a person acting for itself. */
@Injectable()
export class RegistrantTokenGuard extends AuthGuard('registrant') {
  override handleRequest<T>(error: unknown, user: T): T {
    if (error) throw error;
    if (!user) throw BearerTokenError.invalid();
    return user;
  }
}

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<{ user: Principal }>().user,
);
