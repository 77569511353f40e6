import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsDefined, IsIn, IsInt, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { NoControlCharacters } from '../common/text-rules.js';
import { CLIENT_AUTH_METHODS } from '../contract/urns.js';
import { CLIENT_GRANT_TYPES } from '../model/client-metadata.js';

// Shape checks only; what makes metadata coherent is clientMetadataProblems (model/), who may change what is AdminPolicy.

const MAX_ID = 2_147_483_647;
const SCOPES_EXAMPLE = ['manage:auth', 'manage:data'];

/** The client metadata of RFC 7591 that a client may be created or changed with; each unset field keeps its value (or default). */
export class ClientMetadataDto {
  @ApiPropertyOptional({ enum: CLIENT_GRANT_TYPES, isArray: true, description: 'Default: the JWT-bearer grant only' })
  @IsOptional() @IsArray() @ArrayMaxSize(8) @IsString({ each: true })
  grant_types?: string[];

  @ApiPropertyOptional({ enum: CLIENT_AUTH_METHODS, description: 'Default: private_key_jwt (its registered keys)' })
  @IsOptional() @IsIn(CLIENT_AUTH_METHODS)
  token_endpoint_auth_method?: string;

  @ApiPropertyOptional({ type: [String], description: 'Exact-match redirect URIs: https, or http on a loopback host' })
  @IsOptional() @IsArray() @ArrayMaxSize(10) @IsString({ each: true })
  redirect_uris?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional() @IsArray() @ArrayMaxSize(10) @IsString({ each: true })
  post_logout_redirect_uris?: string[];

  @ApiPropertyOptional()
  @IsOptional() @IsBoolean()
  require_pushed_authorization_requests?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'CN=pc1,O=Testkraft AS,C=NO', description: 'RFC 4514 subject of the client certificate, for tls_client_auth' })
  @IsOptional() @ValidateIf((_, value) => value !== null) @IsString() @Length(1, 1024) @NoControlCharacters()
  tls_client_auth_subject_dn?: string | null;

  @ApiPropertyOptional()
  @IsOptional() @IsBoolean()
  dpop_bound_access_tokens?: boolean;

  @ApiPropertyOptional()
  @IsOptional() @IsBoolean()
  tls_client_certificate_bound_access_tokens?: boolean;
}

export class CreateEntityClientDto extends ClientMetadataDto {
  @ApiProperty()
  @IsInt() @Min(1) @Max(MAX_ID)
  entity_id: number;

  @ApiProperty({ example: 'PC #1', maxLength: 255 })
  @IsString() @Length(1, 255) @NoControlCharacters()
  name: string;

  @ApiProperty({ example: SCOPES_EXAMPLE })
  @IsArray() @ArrayMaxSize(64) @IsString({ each: true })
  scopes: string[];

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'A fixed party: the client acts for it only' })
  @IsOptional() @ValidateIf((_, value) => value !== null) @IsInt() @Min(1) @Max(MAX_ID)
  party_id?: number | null;

  /** PEM text, a JWK object, or a JWK as JSON text; checked by parsePublicKey. */
  @ApiPropertyOptional({ description: 'PEM (SPKI or PKCS#1) or JWK: RSA ≥ 2048 bits, EC P-256 or Ed25519. Required for private_key_jwt, self_signed_tls_client_auth and the JWT-bearer grant', oneOf: [{ type: 'string' }, { type: 'object' }] })
  @IsOptional()
  public_key?: unknown;
}

export class UpdateEntityClientDto extends ClientMetadataDto {
  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptional() @IsString() @Length(1, 255) @NoControlCharacters()
  name?: string;

  @ApiPropertyOptional({ example: SCOPES_EXAMPLE })
  @IsOptional() @IsArray() @ArrayMaxSize(64) @IsString({ each: true })
  scopes?: string[];

  @ApiPropertyOptional({ description: 'false: refused at its next login, and its tokens lose their power at once' })
  @IsOptional() @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'A fixed party (null: none): the client acts for it only' })
  @IsOptional() @ValidateIf((_, value) => value !== null) @IsInt() @Min(1) @Max(MAX_ID)
  party_id?: number | null;
}

export class AddClientKeyDto {
  @ApiProperty({ description: 'PEM (SPKI or PKCS#1) or JWK: RSA ≥ 2048 bits, EC P-256 or Ed25519', oneOf: [{ type: 'string' }, { type: 'object' }] })
  @IsDefined()
  public_key: unknown;
}
