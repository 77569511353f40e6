import { OAuthError } from '../../common/protocol-errors.js';
import { CLIENT_ASSERTION_TYPE } from '../../contract/urns.js';
import type { PresentedCertificate } from '../../tokens/sender-constraint/presented-certificate.js';
import type { FormParameters } from '../form-body.js';

/** How a request says which client it comes from, and proves it (RFC 6749 §2.3, RFC 7523 §2.2, RFC 8705 §2). */
export type PresentedClientAuth =
  | { readonly method: 'client_secret_basic' | 'client_secret_post'; readonly clientId: string; readonly secret: string }
  | { readonly method: 'private_key_jwt'; readonly clientId: string | undefined; readonly assertion: string }
  /** client_id alone: a public client, or one proving itself by the TLS certificate beside it (RFC 8705 §2: its registered method says which). */
  | { readonly method: 'none'; readonly clientId: string; readonly certificate: PresentedCertificate | undefined };

/** The form parameters of client authentication: no grant reads them. */
export const CLIENT_AUTH_PARAMETERS: ReadonlySet<string> = new Set(['client_id', 'client_secret', 'client_assertion_type', 'client_assertion']);

const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i;
const MAX_CLIENT_ID_LENGTH = 255;

/**
 * Which client authentication a request presents, from its Authorization
 * header and form: undefined when it presents none. More than one method is
 * invalid_request (RFC 6749 §2.3: exactly one per request); a malformed
 * Basic credential is invalid_client with the Basic challenge.
 */
export function presentedClientAuth(authorization: string | undefined, form: FormParameters, certificate?: PresentedCertificate): PresentedClientAuth | undefined {
  const basic = authorization !== undefined && /^Basic(\s|$)/i.test(authorization) ? decodeBasic(authorization) : undefined;
  const formId = nonEmpty(form.get('client_id'));
  const secret = form.get('client_secret');
  const assertionType = form.get('client_assertion_type');
  const assertion = form.get('client_assertion');
  const methods = [basic !== undefined, secret !== undefined, assertionType !== undefined || assertion !== undefined].filter(Boolean).length;
  if (methods > 1) throw new OAuthError('invalid_request', 'Use exactly one client authentication method per request');
  if (formId !== undefined && formId.length > MAX_CLIENT_ID_LENGTH) throw new OAuthError('invalid_request', 'The client_id is too long');

  if (basic !== undefined) {
    if (formId !== undefined && formId !== basic.clientId) throw new OAuthError('invalid_request', 'The client_id differs from the one in the Authorization header');
    return { method: 'client_secret_basic', ...basic };
  }
  if (secret !== undefined) {
    if (formId === undefined) throw new OAuthError('invalid_request', 'client_secret needs client_id beside it');
    return { method: 'client_secret_post', clientId: formId, secret };
  }
  if (assertionType !== undefined || assertion !== undefined) {
    if (assertionType !== CLIENT_ASSERTION_TYPE) throw new OAuthError('invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
    if (assertion === undefined || assertion === '') throw new OAuthError('invalid_request', 'The client_assertion parameter is required');
    return { method: 'private_key_jwt', clientId: formId, assertion };
  }
  return formId === undefined ? undefined : { method: 'none', clientId: formId, certificate };
}

/**
 * RFC 6749 §2.3.1: the id and the secret are each form-urlencoded, then
 * joined by ':' and base64-encoded; the first ':' separates them.
 */
function decodeBasic(header: string): { clientId: string; secret: string } {
  const refused = () => OAuthError.invalidClient('The Basic credentials are malformed', true);
  const encoded = BASIC.exec(header)?.[1];
  if (encoded === undefined || encoded.length % 4 !== 0) throw refused();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64'));
  } catch {
    throw refused();
  }
  const colon = text.indexOf(':');
  if (colon <= 0) throw refused();
  try {
    const clientId = formDecode(text.slice(0, colon));
    const secret = formDecode(text.slice(colon + 1));
    if (clientId === '' || clientId.length > MAX_CLIENT_ID_LENGTH) throw refused();
    return { clientId, secret };
  } catch {
    throw refused();
  }
}

/** application/x-www-form-urlencoded decoding of one value: '+' is a space, %XX its byte (UTF-8). */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
