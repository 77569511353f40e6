import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { MAX_PASSWORD_LENGTH } from '../crypto/password-hasher.js';

export class PasswordLoginDto {
  @IsString() @Length(1, 254)
  username: string;

  // Refused before hashing: argon2 of a huge input is a denial of service.
  @IsString() @Length(1, MAX_PASSWORD_LENGTH)
  password: string;
}

/** Values from the eID certificate, passed on by a trusted partner; or the certificate itself. */
export class EidLoginDto {
  @IsOptional() @IsString() @Matches(/^[0-9A-Za-z]{1,64}$/, { message: 'is invalid' })
  ident?: string;

  @IsOptional() @IsString() @MaxLength(1024)
  first_name?: string;

  @IsOptional() @IsString() @MaxLength(1024)
  last_name?: string;

  @IsOptional() @IsString() @Matches(/^[A-Z]{2}$/, { message: 'must be two capital letters' })
  country_code?: string;

  @IsOptional() @IsString() @MaxLength(16384)
  certificate?: string;
}
