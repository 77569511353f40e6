import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SecretDigest } from '../crypto/secret-digest.js';
import { DirectoryModule } from '../directory/directory.module.js';
import { AccessTokenGuard, RegistrantTokenGuard } from './access-token.guard.js';
import { AccessTokenIssuer } from './access-token-issuer.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { IdTokenIssuer } from './id-token-issuer.js';
import { BearerTokenAuthenticator, RegistrantTokenAuthenticator } from './bearer-token-authenticator.js';
import { RegistrantTokens } from './registrant-tokens.service.js';
import { RevocationList } from './revocation-list.service.js';
import { PrincipalStanding } from './principal-standing.service.js';
import { TokenReader } from './token-reader.service.js';
import { RevokedSubjectRecord } from './revoked-subject-record.js';
import { RevokedTokenRecord } from './revoked-token-record.js';
import { SigningKeyRecord } from './signing-key-record.js';
import { SigningKeys } from './signing-keys.service.js';
import { DpopProofs } from './sender-constraint/dpop-proofs.service.js';
import { SenderBinding } from './sender-constraint/sender-binding.service.js';

/** The tables this module owns. */
export const TOKENS_TABLES = [SigningKeyRecord, RevokedTokenRecord, RevokedSubjectRecord];

/** Signing keys, access and registrant tokens, secret digests, and the guards every resource uses. */
@Module({
  imports: [DirectoryModule],
  providers: [
    // Client secrets, process and refresh tokens are kept as digests keyed by TOKEN_SECRET (main.ts makes sure it is set).
    { provide: SecretDigest, useFactory: (config: AppConfig) => new SecretDigest(config.tokenSecret!, config.tokenSecretsPrevious), inject: [APP_CONFIG] },
    SigningKeys, RevocationList, AccessTokenIssuer, IdTokenIssuer, AccessTokenVerifier, RegistrantTokens, TokenReader, BearerTokenAuthenticator, RegistrantTokenAuthenticator, AccessTokenGuard, RegistrantTokenGuard, PrincipalStanding, DpopProofs, SenderBinding],
  // The guards' own dependencies too: a guard is made in each module that uses it.
  exports: [SecretDigest, SigningKeys, RevocationList, AccessTokenIssuer, IdTokenIssuer, AccessTokenVerifier, RegistrantTokens, TokenReader, BearerTokenAuthenticator, RegistrantTokenAuthenticator, AccessTokenGuard, RegistrantTokenGuard, PrincipalStanding, DpopProofs, SenderBinding],
})
export class TokensModule {}
