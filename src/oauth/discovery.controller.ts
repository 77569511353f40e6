import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ASSERTION_ALGORITHMS } from '../crypto/jwt-bearer-assertion.js';
import { MODULE_SCOPES } from '../model/scope.js';
import { SigningKeys } from '../tokens/signing-keys.service.js';
import { GrantRegistry } from './grants/grant-registry.js';

/** The client authentication methods served so far (the mTLS methods come with the TLS listener). */
const CLIENT_AUTH_METHODS_SERVED = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;

@Controller()
export class DiscoveryController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly signingKeys: SigningKeys,
    private readonly grants: GrantRegistry,
  ) {}

  /** Public keys validators need; cached briefly so a new key is picked up within minutes. */
  @Get('auth/jwks')
  @Header('Cache-Control', 'public, max-age=300')
  @Header('Content-Type', 'application/jwk-set+json')
  jwks() {
    return this.signingKeys.ring.publicJwks();
  }

  /** RFC 8414 authorization server metadata. */
  @Get('.well-known/oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  metadata() {
    const base = this.config.publicUrl;
    return {
      issuer: base,
      token_endpoint: `${base}/auth/token`,
      userinfo_endpoint: `${base}/auth/userinfo`,
      jwks_uri: `${base}/auth/jwks`,
      introspection_endpoint: `${base}/auth/introspect`,
      // A client by its registered method, or a bearer token covering use:auth:introspect.
      introspection_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS_SERVED.filter((method) => method !== 'none'), 'bearer'],
      revocation_endpoint: `${base}/auth/revoke`,
      // A client may authenticate (then only its own tokens are its to revoke); holding a token is authority enough otherwise.
      revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS_SERVED],
      grant_types_supported: this.grants.types,
      response_types_supported: [],
      token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS_SERVED],
      token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
      jwt_bearer_assertion_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
      access_token_signing_alg_values_supported: ['ES256'],
      scopes_supported: MODULE_SCOPES,
    };
  }
}
