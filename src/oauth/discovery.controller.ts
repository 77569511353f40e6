import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { acceptsClientCertificates } from '../config/tls-config.js';
import { DPOP_ALGORITHMS } from '../crypto/dpop-proof.js';
import { ASSERTION_ALGORITHMS } from '../crypto/jwt-bearer-assertion.js';
import { OPENID_SCOPES } from '../model/code-flow-scope.js';
import { MODULE_SCOPES } from '../model/scope.js';
import { SigningKeys } from '../tokens/signing-keys.service.js';
import { GrantRegistry } from './grants/grant-registry.js';

/** The client authentication methods served always; the mTLS ones where clients can present certificates (tls-config.ts). */
const CLIENT_AUTH_METHODS_SERVED = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
const MTLS_AUTH_METHODS = ['tls_client_auth', 'self_signed_tls_client_auth'] as const;

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
    const mtls = acceptsClientCertificates(this.config.tls);
    const methods = [...CLIENT_AUTH_METHODS_SERVED, ...(mtls ? MTLS_AUTH_METHODS : [])];
    const aliasBase = this.config.tls.mtlsPublicUrl;
    return {
      issuer: base,
      token_endpoint: `${base}/auth/token`,
      userinfo_endpoint: `${base}/auth/userinfo`,
      jwks_uri: `${base}/auth/jwks`,
      introspection_endpoint: `${base}/auth/introspect`,
      // A client by its registered method, or a bearer token covering use:auth:introspect.
      introspection_endpoint_auth_methods_supported: [...methods.filter((method) => method !== 'none'), 'bearer'],
      revocation_endpoint: `${base}/auth/revoke`,
      // A client may authenticate (then only its own tokens are its to revoke); holding a token is authority enough otherwise.
      revocation_endpoint_auth_methods_supported: methods,
      authorization_endpoint: `${base}/auth/authorize`,
      pushed_authorization_request_endpoint: `${base}/auth/par`,
      require_pushed_authorization_requests: false,
      end_session_endpoint: `${base}/auth/authorize/logout`,
      grant_types_supported: this.grants.types,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      prompt_values_supported: ['none', 'login', 'consent'],
      token_endpoint_auth_methods_supported: methods,
      token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
      jwt_bearer_assertion_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
      access_token_signing_alg_values_supported: ['ES256'],
      scopes_supported: [...OPENID_SCOPES, ...MODULE_SCOPES],
      dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
      ...(mtls ? { tls_client_certificate_bound_access_tokens: true } : {}),
      // RFC 8705 §5: only where certificate-bearing clients connect elsewhere; one listener asking for certificates needs no aliases.
      ...(mtls && aliasBase !== undefined ? {
        mtls_endpoint_aliases: {
          token_endpoint: `${aliasBase}/auth/token`,
          userinfo_endpoint: `${aliasBase}/auth/userinfo`,
          introspection_endpoint: `${aliasBase}/auth/introspect`,
          revocation_endpoint: `${aliasBase}/auth/revoke`,
        },
      } : {}),
    };
  }

  /** OpenID Connect Discovery 1.0: the same metadata, with what relying parties need of id_tokens. */
  @Get('.well-known/openid-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  openidConfiguration() {
    return {
      ...this.metadata(),
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'amr', 'sid', 'name'],
      frontchannel_logout_supported: false,
      backchannel_logout_supported: false,
    };
  }
}
