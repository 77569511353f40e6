import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { DirectoryModule } from '../directory/directory.module.js';
import { AccessTokenGuard, RegistrantTokenGuard } from './access-token.guard.js';
import { AccessTokenIssuer } from './access-token-issuer.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { BearerTokenStrategy, RegistrantTokenStrategy } from './bearer-token.strategy.js';
import { RegistrantTokens } from './registrant-tokens.service.js';
import { RevocationList } from './revocation-list.service.js';
import { PrincipalStanding } from './principal-standing.service.js';
import { TokenReader } from './token-reader.service.js';
import { RevokedSubjectRecord } from './revoked-subject-record.js';
import { RevokedTokenRecord } from './revoked-token-record.js';
import { SigningKeyRecord } from './signing-key-record.js';
import { SigningKeys } from './signing-keys.service.js';

/** The tables this module owns. */
export const TOKENS_TABLES = [SigningKeyRecord, RevokedTokenRecord, RevokedSubjectRecord];

/** Signing keys, access and registrant tokens, and the guards every resource uses. */
@Module({
  imports: [PassportModule, DirectoryModule],
  providers: [SigningKeys, RevocationList, AccessTokenIssuer, AccessTokenVerifier, RegistrantTokens, TokenReader, BearerTokenStrategy, RegistrantTokenStrategy, AccessTokenGuard, RegistrantTokenGuard, PrincipalStanding],
  exports: [SigningKeys, RevocationList, AccessTokenIssuer, AccessTokenVerifier, RegistrantTokens, TokenReader, AccessTokenGuard, RegistrantTokenGuard, PrincipalStanding],
})
export class TokensModule {}
