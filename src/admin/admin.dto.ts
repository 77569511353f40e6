import { ArrayMaxSize, IsArray, IsDefined, IsIn, IsInt, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { MAX_PASSWORD_LENGTH } from '../crypto/password-hasher.js';
import { ENTITY_BUSINESS_ID_TYPES, ENTITY_TYPES, PARTY_BUSINESS_ID_TYPES, PARTY_TYPES } from '../crypto/business-id.js';

// Shape checks only; the business rules (check digits, scope grammar, keys) are AdminService's.

const MAX_ID = 2_147_483_647;

export class CreateEntityDto {
  @IsString() @Length(1, 255)
  name: string;

  @IsIn(ENTITY_TYPES)
  type: string;

  @IsString() @Length(1, 254)
  business_id: string;

  @IsIn(ENTITY_BUSINESS_ID_TYPES)
  business_id_type: string;
}

export class CreatePartyDto {
  @IsInt() @Min(1) @Max(MAX_ID)
  entity_id: number;

  @IsString() @Length(1, 255)
  name: string;

  @IsIn(PARTY_TYPES)
  type: string;

  @IsString() @Length(1, 64)
  business_id: string;

  @IsIn(PARTY_BUSINESS_ID_TYPES)
  business_id_type: string;
}

export class CreatePartyMembershipDto {
  @IsInt() @Min(1) @Max(MAX_ID)
  entity_id: number;

  @IsInt() @Min(1) @Max(MAX_ID)
  party_id: number;

  @IsArray() @ArrayMaxSize(64) @IsString({ each: true })
  scopes: string[];
}

export class CreateEntityClientDto {
  @IsInt() @Min(1) @Max(MAX_ID)
  entity_id: number;

  @IsString() @Length(1, 255)
  name: string;

  @IsArray() @ArrayMaxSize(64) @IsString({ each: true })
  scopes: string[];

  @IsOptional() @ValidateIf((_, value) => value !== null) @IsInt() @Min(1) @Max(MAX_ID)
  party_id?: number | null;

  /** PEM text, a JWK object, or a JWK as JSON text; checked by parsePublicKey. */
  @IsDefined()
  public_key: unknown;
}

export class SetCredentialsDto {
  @IsString() @Length(1, 254)
  username: string;

  @IsString() @Length(1, MAX_PASSWORD_LENGTH)
  password: string;
}
