import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { DirectoryModule } from '../directory/directory.module.js';
import { AccessTokenGuard, RegistrantTokenGuard } from './access-token.guard.js';
import { AccessTokenIssuer, AccessTokenVerifier } from './access-token.js';
import { BearerTokenStrategy, RegistrantTokenStrategy } from './bearer-token.strategy.js';
import { RegistrantTokens } from './registrant-tokens.service.js';
import { RevocationList } from './revocation-list.service.js';
import { PrincipalStanding } from './principal-standing.service.js';
import { TokenReader } from './token-reader.service.js';
import { SigningKeys } from './signing-keys.service.js';

/** Signing keys, access and registrant tokens, and the guards every resource uses. */
@Module({
  imports: [PassportModule, DirectoryModule],
  providers: [SigningKeys, RevocationList, AccessTokenIssuer, AccessTokenVerifier, RegistrantTokens, TokenReader, BearerTokenStrategy, RegistrantTokenStrategy, AccessTokenGuard, RegistrantTokenGuard, PrincipalStanding],
  exports: [SigningKeys, RevocationList, AccessTokenIssuer, AccessTokenVerifier, RegistrantTokens, TokenReader, AccessTokenGuard, RegistrantTokenGuard, PrincipalStanding],
})
export class TokensModule {}
