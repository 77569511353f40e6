import { Inject, Injectable, type Provider } from '@nestjs/common';
import type { Grant } from './grant.js';
import { AuthorizationCodeGrant } from './authorization-code.grant.js';
import { ClientCredentialsGrant } from './client-credentials.grant.js';
import { JwtBearerGrant } from './jwt-bearer.grant.js';
import { PasswordGrant } from './password.grant.js';
import { RefreshTokenGrant } from './refresh-token.grant.js';
import { TokenExchangeGrant } from './token-exchange.grant.js';

/** Every grant the token endpoint serves: adding a grant is its file plus one entry here. */
const GRANT_CLASSES = [JwtBearerGrant, TokenExchangeGrant, ClientCredentialsGrant, PasswordGrant, AuthorizationCodeGrant, RefreshTokenGrant];

const GRANTS = Symbol('GRANTS');

/** Providers for the grants and the registry, for the OAuth module. */
export const GRANT_PROVIDERS: Provider[] = [
  ...GRANT_CLASSES,
  { provide: GRANTS, useFactory: (...grants: Grant[]) => grants, inject: GRANT_CLASSES },
];

/** grant_type → grant. */
@Injectable()
export class GrantRegistry {
  private readonly grants: ReadonlyMap<string, Grant>;

  constructor(@Inject(GRANTS) grants: Grant[]) {
    this.grants = new Map(grants.map((grant) => [grant.type, grant]));
  }

  get(type: string): Grant | undefined {
    return this.grants.get(type);
  }

  get types(): string[] {
    return [...this.grants.keys()];
  }

  /** The token request as an OpenAPI schema: every grant_type and every parameter a grant declares. */
  requestSchema(): Record<string, unknown> {
    const properties: Record<string, { type: 'string'; description?: string; enum?: string[] }> = { grant_type: { type: 'string', enum: this.types } };
    for (const grant of this.grants.values()) {
      for (const [name, meaning] of Object.entries(grant.parameters)) {
        const description = `${grant.metricName}: ${meaning}`;
        properties[name] = { type: 'string', description: properties[name]?.description === undefined ? description : `${properties[name].description}; ${description}` };
      }
    }
    return { type: 'object', required: ['grant_type'], properties };
  }
}
