import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsDefined, IsIn, IsInt, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { NoControlCharacters } from '../common/text-rules.js';
import { ENTITY_BUSINESS_ID_TYPES, ENTITY_TYPES, PARTY_BUSINESS_ID_TYPES, PARTY_TYPES } from '../model/business-id.js';
import { MAX_PASSWORD_LENGTH } from '../crypto/password-hasher.js';

// Shape checks only; the business rules (check digits, scope grammar, keys,
// who may do what) are the admin services' and AdminPolicy's.

const MAX_ID = 2_147_483_647;
const STATUSES = ['active', 'inactive'] as const;
const SCOPES_EXAMPLE = ['manage:auth', 'manage:data'];

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  per_page?: number;

  @ApiPropertyOptional({ description: 'Only objects of this entity' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_ID)
  entity_id?: number;
}

export class MembershipPageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only memberships in this party' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_ID)
  party_id?: number;
}

export class CreateEntityDto {
  @ApiProperty({ example: 'Testkraft AS', maxLength: 255 })
  @IsString() @Length(1, 255) @NoControlCharacters()
  name: string;

  @ApiProperty({ enum: ENTITY_TYPES })
  @IsIn(ENTITY_TYPES)
  type: string;

  @ApiProperty({ example: '123456789', description: 'org: 9 digits; email: lower case; pid: PNO<CC>-<id>; uuid' })
  @IsString() @Length(1, 254) @NoControlCharacters()
  business_id: string;

  @ApiProperty({ enum: ENTITY_BUSINESS_ID_TYPES })
  @IsIn(ENTITY_BUSINESS_ID_TYPES)
  business_id_type: string;
}

export class UpdateEntityDto {
  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptional() @IsString() @Length(1, 255) @NoControlCharacters()
  name?: string;

  @ApiPropertyOptional({ enum: STATUSES, description: 'inactive: its clients and persons can no longer log in' })
  @IsOptional() @IsIn(STATUSES)
  status?: string;
}

export class CreatePartyDto {
  @ApiProperty({ example: 492 })
  @IsInt() @Min(1) @Max(MAX_ID)
  entity_id: number;

  @ApiProperty({ example: 'Testkraft SP', maxLength: 255 })
  @IsString() @Length(1, 255) @NoControlCharacters()
  name: string;

  @ApiProperty({ enum: PARTY_TYPES })
  @IsIn(PARTY_TYPES)
  type: string;

  @ApiProperty({ example: '1111111111116', description: 'gln: 13 digits with a GS1 check digit; org; eic_x; uuid' })
  @IsString() @Length(1, 64) @NoControlCharacters()
  business_id: string;

  @ApiProperty({ enum: PARTY_BUSINESS_ID_TYPES })
  @IsIn(PARTY_BUSINESS_ID_TYPES)
  business_id_type: string;
}

export class UpdatePartyDto extends UpdateEntityDto {}

export class CreatePartyMembershipDto {
  @ApiProperty({ description: 'The member entity' })
  @IsInt() @Min(1) @Max(MAX_ID)
  entity_id: number;

  @ApiProperty()
  @IsInt() @Min(1) @Max(MAX_ID)
  party_id: number;

  @ApiProperty({ example: ['read:data'], description: 'What the member may do for the party' })
  @IsArray() @ArrayMaxSize(64) @IsString({ each: true })
  scopes: string[];
}

export class UpdatePartyMembershipDto {
  @ApiProperty({ example: ['read:data'] })
  @IsArray() @ArrayMaxSize(64) @IsString({ each: true })
  scopes: string[];
}

export class SetCredentialsDto {
  @ApiProperty({ example: 'knor@testkraft.test', description: "The person's e-mail" })
  @IsString() @Length(1, 254) @NoControlCharacters()
  username: string;

  @ApiProperty({ minLength: 8, maxLength: MAX_PASSWORD_LENGTH, description: 'Not one of the 1,000 most common passwords' })
  @IsString() @Length(1, MAX_PASSWORD_LENGTH)
  password: string;

  @ApiPropertyOptional({ description: 'true to replace credentials the person has already (otherwise 409)' })
  @IsOptional() @IsBoolean()
  replace?: boolean;
}
