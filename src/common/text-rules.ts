import { Matches } from 'class-validator';

/** C0/C1 control characters (NUL among them, which Postgres cannot store in text). */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** For DTO strings that are stored or looked up: no control characters. */
export const NoControlCharacters = () => Matches(/^[^\u0000-\u001f\u007f-\u009f]*$/, { message: '$property must not contain control characters' });
