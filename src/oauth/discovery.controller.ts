import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ASSERTION_ALGORITHMS } from '../crypto/jwt-bearer-assertion.js';
import { MODULE_SCOPES } from '../model/scope.js';
import { SigningKeys } from '../tokens/signing-keys.service.js';
import { GrantRegistry } from './grants/grant-registry.js';

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
      introspection_endpoint_auth_methods_supported: ['bearer'],
      revocation_endpoint: `${base}/auth/revoke`,
      // Holding the token is the authority to revoke it; no other authentication.
      revocation_endpoint_auth_methods_supported: ['none'],
      grant_types_supported: this.grants.types,
      response_types_supported: [],
      // The JWT-bearer grant authenticates the client through the assertion itself (RFC 7523 §3.1);
      // token exchange has no client: the subject token is the credential.
      token_endpoint_auth_methods_supported: ['none'],
      jwt_bearer_assertion_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
      access_token_signing_alg_values_supported: ['ES256'],
      scopes_supported: MODULE_SCOPES,
    };
  }
}
