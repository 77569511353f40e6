import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { NoControlCharacters } from '../common/text-rules.js';
import { MAX_PASSWORD_LENGTH } from '../crypto/password-hasher.js';

export class PasswordLoginDto {
  @ApiProperty({ example: 'knor@testkraft.test' })
  @IsString() @Length(1, 254) @NoControlCharacters()
  username: string;

  // Refused before hashing: argon2 of a huge input is a denial of service.
  @ApiProperty({ maxLength: MAX_PASSWORD_LENGTH })
  @IsString() @Length(1, MAX_PASSWORD_LENGTH)
  password: string;
}

/** Values from the eID certificate, passed on by a trusted partner; or the certificate itself. */
export class EidLoginDto {
  @ApiPropertyOptional({ example: '30110100103', description: 'serialNumber of the certificate' })
  @IsOptional() @IsString() @Matches(/^[0-9A-Za-z]{1,64}$/, { message: 'is invalid' })
  ident?: string;

  @ApiPropertyOptional({ example: 'JAN', description: 'GN of the certificate' })
  @IsOptional() @IsString() @MaxLength(1024) @NoControlCharacters()
  first_name?: string;

  @ApiPropertyOptional({ example: 'TAMM', description: 'SN of the certificate' })
  @IsOptional() @IsString() @MaxLength(1024) @NoControlCharacters()
  last_name?: string;

  @ApiPropertyOptional({ example: 'EE', default: 'EE' })
  @IsOptional() @IsString() @Matches(/^[A-Z]{2}$/, { message: 'must be two capital letters' })
  country_code?: string;

  @ApiPropertyOptional({ description: 'The eID authentication certificate (PEM), instead of or beside the values' })
  @IsOptional() @IsString() @MaxLength(16384)
  certificate?: string;
}
