import { createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { BearerTokenError } from '../common/protocol-errors.js';
import { Principal } from './access-token.js';

const REQUIRED_SCOPE = 'token-issuer:required-scope';

/** The scope a route needs; the token's scope must cover it (scope grammar, not string equality). */
export const RequireScope = (scope: string) => SetMetadata(REQUIRED_SCOPE, scope);

/** Authenticates the bearer token (access or registrant) through passport, then checks RequireScope. */
@Injectable()
export class AccessTokenGuard extends AuthGuard('bearer') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const required = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_SCOPE, [context.getHandler(), context.getClass()]);
    const principal = context.switchToHttp().getRequest<{ user: Principal }>().user;
    if (required !== undefined && !principal.scope.covers(required)) throw BearerTokenError.insufficientScope(required);
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
