import { Inject, Injectable } from '@nestjs/common';
import { OAuthError } from '../../common/protocol-errors.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { ClientAuthMethod } from '../../contract/urns.js';
import { AssertionError, parseAssertion, verifyAssertion, type AssertionPolicy } from '../../crypto/jwt-bearer-assertion.js';
import { SecretDigest } from '../../crypto/secret-digest.js';
import { isSecretMethod } from '../../model/client-metadata.js';
import { type ClientCredentials, ClientLookup } from '../../directory/lookups.js';
import { DirectoryStore } from '../../directory/directory-store.js';
import { assertionPolicy, CLOCK_LEEWAY_SECONDS } from '../assertion-policy.js';
import { ReplayStore } from '../replay-store.js';
import { provesPkiClient, provesRegisteredKey } from './certificate-proof.js';
import { ClientAuthThrottle } from './client-auth-throttle.js';
import type { PresentedClientAuth } from './presented-client-auth.js';

/** A client that proved who it is, and how. */
export interface AuthenticatedClient {
  readonly credentials: ClientCredentials;
  readonly method: ClientAuthMethod;
}

/** Every failure says this, whatever failed: unknown client, wrong method, wrong secret or key, inactive client. */
const FAILED = 'Client authentication failed';
/** How often a secret's last use is written at most (the admin API shows it to the hour). */
const LAST_USED_EVERY_MS = 60 * 60_000;
const LAST_USED_KEPT = 10_000;

/**
 * Client authentication (RFC 6749 §2.3) for the token, PAR, introspection
 * and revocation endpoints: client_secret_basic, client_secret_post,
 * private_key_jwt (RFC 7523 §2.2, the JWT-bearer grant's checks and jti
 * store), tls_client_auth and self_signed_tls_client_auth (RFC 8705 §2:
 * client_id and the TLS certificate) and none; the client must use the
 * method it is registered with.
 * A secret is compared by its keyed digest in constant time, and an unknown
 * client costs what a wrong secret does. Failures are counted per client
 * (from each address) and per address, and lock out like password logins.
 */
@Injectable()
export class ClientAuthenticator {
  private readonly policy: AssertionPolicy;
  private readonly lastUsedMarked = new Map<string, number>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clients: ClientLookup,
    private readonly store: DirectoryStore,
    private readonly digest: SecretDigest,
    private readonly replays: ReplayStore,
    private readonly throttle: ClientAuthThrottle,
  ) {
    // At the mTLS alias too (RFC 8705 §5): a client there names the endpoint it called.
    this.policy = assertionPolicy([config.publicUrl, config.tls.mtlsPublicUrl].flatMap((base) => base === undefined ? [] : [base, `${base}/auth`, `${base}/auth/token`, `${base}/auth/par`, `${base}/auth/introspect`, `${base}/auth/revoke`]));
  }

  /**
   * The client, or OAuthError invalid_client (401; 429 while locked out).
   * `anySecretMethod`: a secret proves a client registered with either secret
   * method (finAPI's process API takes it in its JSON body).
   */
  async authenticate(presented: PresentedClientAuth, address: string, options: { anySecretMethod?: boolean } = {}): Promise<AuthenticatedClient> {
    const basic = presented.method === 'client_secret_basic';
    const claimedId = presented.clientId ?? this.assertionIssuer(presented);
    const keys = this.throttle.keysFor(claimedId, address);
    const lockedFor = await this.throttle.lockedFor(keys);
    if (lockedFor > 0) throw OAuthError.throttled('invalid_client', lockedFor);

    const credentials = await this.clients.findClientCredentials(claimedId);
    const proven = await this.prove(presented, claimedId, credentials);
    const registered = credentials?.client.tokenEndpointAuthMethod;
    const methodFits = registered === presented.method || (presented.method === 'none' && isTlsMethod(registered))
      || (options.anySecretMethod === true && 'secret' in presented && registered !== undefined && isSecretMethod(registered));
    if (credentials === null || proven === false || !methodFits || !credentials.client.active || credentials.entity.status !== 'active') {
      await this.throttle.recordFailure(keys);
      throw OAuthError.invalidClient(FAILED, basic);
    }
    if (typeof proven === 'number' && 'secret' in presented) this.markUsed(credentials, proven, presented.secret);
    return { credentials, method: registered as ClientAuthMethod };
  }

  /**
   * Whether the presented proof holds for the client: for a secret, the index
   * of the secret that matched (false if none); a MAC is computed even for an
   * unknown client. A client assertion's jti is claimed only once it verifies.
   */
  private async prove(presented: PresentedClientAuth, clientId: string, credentials: ClientCredentials | null): Promise<number | boolean> {
    switch (presented.method) {
      case 'client_secret_basic':
      case 'client_secret_post': {
        const index = this.digest.matches(presented.secret, credentials?.secrets.map((secret) => secret.digest) ?? []);
        return index >= 0 ? index : false;
      }
      case 'private_key_jwt':
        return this.proveAssertion(presented.assertion, clientId, credentials);
      case 'none':
        // client_id alone: its registered method says whether the TLS certificate beside it must prove it.
        if (credentials?.client.tokenEndpointAuthMethod === 'tls_client_auth') return provesPkiClient(presented.certificate, credentials.client.tlsClientAuthSubjectDn, this.config.tls.clientCas);
        if (credentials?.client.tokenEndpointAuthMethod === 'self_signed_tls_client_auth') return provesRegisteredKey(presented.certificate, credentials.keys);
        return credentials !== null;
    }
  }

  private async proveAssertion(text: string, clientId: string, credentials: ClientCredentials | null): Promise<boolean> {
    try {
      const verified = await verifyAssertion(parseAssertion(text), credentials?.keys ?? null, this.policy);
      // RFC 7523 §3: a client assertion speaks for its issuer only.
      if (verified.issuer !== clientId || verified.subject !== clientId) return false;
      return this.replays.claim(clientId, verified.jti, new Date((verified.expiresAt + CLOCK_LEEWAY_SECONDS) * 1000));
    } catch (error) {
      if (error instanceof AssertionError) return false;
      throw error;
    }
  }

  private assertionIssuer(presented: PresentedClientAuth): string {
    if (presented.method !== 'private_key_jwt') return presented.clientId;
    try {
      return parseAssertion(presented.assertion).issuer;
    } catch {
      throw OAuthError.invalidClient(FAILED, false);
    }
  }

  /** Marks a secret used at most hourly, and digests it anew once the token secret has rotated. */
  private markUsed(credentials: ClientCredentials, index: number, value: string): void {
    const secret = credentials.secrets[index];
    const now = Date.now();
    const stale = !this.digest.isCurrent(secret.digest);
    if (!stale && now - (this.lastUsedMarked.get(secret.secretId) ?? 0) < LAST_USED_EVERY_MS) return;
    this.lastUsedMarked.set(secret.secretId, now);
    if (this.lastUsedMarked.size > LAST_USED_KEPT) this.lastUsedMarked.delete(this.lastUsedMarked.keys().next().value!);
    // Not on the login's path: a failure here costs only the date shown to the admin.
    void this.store.markSecretUsed(secret.secretId, stale ? this.digest.digest(value) : undefined).catch(() => {});
  }
}

function isTlsMethod(method: string | undefined): boolean {
  return method === 'tls_client_auth' || method === 'self_signed_tls_client_auth';
}
