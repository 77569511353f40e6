import { OAuthError } from '../common/protocol-errors.js';

/** Token, introspection and revocation requests: form parameters, each present once, as strings. */
export type FormParameters = ReadonlyMap<string, string>;

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;
const MAX_PARAMETERS = 32;

/**
 * RFC 6749 §3.2 and Appendix B, for every form endpoint: the body is a UTF-8
 * application/x-www-form-urlencoded form and no parameter repeats.
 */
export function readForm(contentType: string | undefined, body: unknown): FormParameters {
  if (contentType === undefined || !FORM_CONTENT_TYPE.test(contentType)) {
    throw new OAuthError('invalid_request', 'The request body must be application/x-www-form-urlencoded');
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1];
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
    throw new OAuthError('invalid_request', 'The form must be encoded in UTF-8');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new OAuthError('invalid_request', 'The request body is empty or not a form');
  }
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.length > MAX_PARAMETERS) throw new OAuthError('invalid_request', 'The request has too many parameters');
  const form = new Map<string, string>();
  for (const [name, value] of entries) {
    if (Array.isArray(value)) throw new OAuthError('invalid_request', `The parameter ${name.slice(0, 40)} is repeated`);
    if (typeof value !== 'string') throw new OAuthError('invalid_request', 'The request body is not a form');
    // The form decoder turns bytes that are not UTF-8 into U+FFFD; no honest parameter contains it.
    if (value.includes('\uFFFD') || name.includes('\uFFFD')) throw new OAuthError('invalid_request', 'The form must be encoded in UTF-8');
    form.set(name, value);
  }
  return form;
}

/** The `token` parameter of introspection and revocation requests. */
export function tokenParameter(form: FormParameters): string {
  const token = form.get('token');
  if (token === undefined || token === '') throw new OAuthError('invalid_request', 'The token parameter is required');
  return token;
}
