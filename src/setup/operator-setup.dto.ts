import { ApiProperty } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { IsString, Length, validateSync } from 'class-validator';
import { RegistrantError } from '../common/protocol-errors.js';
import { NoControlCharacters } from '../common/text-rules.js';
import { MAX_PASSWORD_LENGTH } from '../crypto/password-hasher.js';
import { isValidEmailId } from '../model/business-id.js';
import { passwordProblems } from '../registrant/password-policy.js';
import { normalizeUsername } from '../registrant/username.js';

/** The code of a setup link, from its fragment: /portal/#/setup/<code>. Never in a URL path, which is logged. */
export class SetupLinkDto {
  @ApiProperty({ description: 'The code of the setup link (the part after #/setup/)' })
  @IsString() @Length(1, 64)
  code: string;
}

export class OperatorSetupDto extends SetupLinkDto {
  @ApiProperty({ example: 'Ola Operatør', maxLength: 255 })
  @IsString() @Length(1, 255) @NoControlCharacters()
  name: string;

  @ApiProperty({ example: 'ola@fiso.test', description: 'Her username; for a link made by `npm run operator -- create`, the e-mail it was made for' })
  @IsString() @Length(1, 254) @NoControlCharacters()
  email: string;

  @ApiProperty({ maxLength: MAX_PASSWORD_LENGTH, description: 'At least 8 characters, not one of the most common passwords' })
  @IsString() @Length(1, MAX_PASSWORD_LENGTH)
  password: string;
}

/** The body as `type`, or a 422 in the registrant shape naming every field at fault. */
export function validated<T extends object>(type: new () => T, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw RegistrantError.invalid({ base: ['The request body must be a JSON object'] });
  const instance = plainToInstance(type, body);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  // class-validator starts its messages with the field's name, which the shape states already.
  const words = (field: string, message: string) =>
    message === `property ${field} should not exist` ? 'is not a known field' : message.startsWith(`${field} `) ? message.slice(field.length + 1) : message;
  const problems: Record<string, string[]> = Object.fromEntries(errors.map((error) => [
    error.property.slice(0, 64),
    error.value === undefined ? ['is required'] : Object.values(error.constraints ?? {}).map((message) => words(error.property, message)),
  ]));
  if (instance instanceof OperatorSetupDto) {
    const { email, password, name } = instance as OperatorSetupDto;
    if (problems.name === undefined && name.trim() === '') problems.name = ['must not be blank'];
    if (problems.email === undefined && !isValidEmailId(normalizeUsername(email))) problems.email = ['must be an e-mail address'];
    if (problems.password === undefined && passwordProblems(password).length > 0) problems.password = passwordProblems(password);
  }
  if (Object.keys(problems).length > 0) throw RegistrantError.invalid(problems);
  return instance;
}
