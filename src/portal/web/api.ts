import { GRANT_TYPE, TOKEN_TYPE } from '../../contract/urns.js';
import type { ActingPartiesResponse, ActingPartyItem, RegistrantLoginResponse, TokenResponse } from '../../contract/wire.js';

/**
 * The service's HTTP API as the portal uses it. Every failure becomes an
 * ApiError whose message is words a person can act on, taken from whichever
 * error shape the endpoint speaks (OAuth, registrant, problem details, RFC 6750).
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** The session's token is no longer accepted: log in again. */
    readonly sessionEnded = false,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// The wire shapes are the server's own (src/contract), under the names the views use.
export type {
  ActingPartyItem as ActingParty, AuditEventView as AuditEvent, ClientKeyView as ClientKey, EntityClientView as EntityClient,
  EntityView as Entity, MembershipView as Membership, Page, PartyView as Party,
} from '../../contract/wire.js';

type Body = Record<string, unknown> | undefined;

export async function request(method: string, path: string, init: { token?: string; json?: unknown; form?: Record<string, string> } = {}): Promise<{ status: number; body: Body; headers: Headers }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  let payload: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(init.json);
  } else if (init.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(init.form).toString();
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: payload, cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ApiError('The service could not be reached. Check your connection and try again.', 0);
  }
  const text = await response.text();
  let body: Body;
  try {
    body = text === '' ? undefined : (JSON.parse(text) as Body);
  } catch {
    body = undefined;
  }
  if (!response.ok) throw errorOf(response.status, body, response.headers);
  return { status: response.status, body, headers: response.headers };
}

/** Words for a failed call, whatever shape the endpoint answered in. */
export function errorOf(status: number, body: Body, headers: Headers): ApiError {
  if (status === 401 && (headers.get('www-authenticate') ?? '').startsWith('Bearer')) {
    return new ApiError('Your session has ended. Please log in again.', status, true);
  }
  if (status === 429) {
    const wait = Number(headers.get('retry-after'));
    return new ApiError(`Too many attempts. Try again in ${Number.isFinite(wait) && wait > 0 ? `${wait} seconds` : 'a while'}.`, status);
  }
  if (status === 503) return new ApiError('The service is temporarily unavailable. Try again in a moment.', status);
  if (body !== undefined && typeof body.error === 'string') {
    return new ApiError(oauthMessage(body.error, typeof body.error_description === 'string' ? body.error_description : ''), status);
  }
  if (body !== undefined && Array.isArray(body.errors) && body.title === undefined) {
    // Registrant shape: [{"<field>": ["<message>"]}]
    const entries = (body.errors as Record<string, string[]>[]).flatMap((entry) => Object.entries(entry));
    if (status === 401) return new ApiError('Wrong username or password.', status);
    return new ApiError(entries.map(([name, messages]) => (name === 'base' ? messages.join(' ') : `${name}: ${messages.join(', ')}`)).join(' '), status);
  }
  if (body !== undefined && typeof body.title === 'string') {
    const fields = Array.isArray(body.errors) ? (body.errors as { field: string; messages: string[] }[]).map((entry) => `${entry.field}: ${entry.messages.join(', ')}`) : [];
    const lead = status === 403 ? 'You are not allowed to do this while acting for this party.' : typeof body.detail === 'string' ? body.detail : body.title;
    return new ApiError([lead, ...fields].join(' '), status);
  }
  return new ApiError(`The service answered ${status}.`, status);
}

function oauthMessage(code: string, description: string): string {
  // A party not hers: one plain sentence (the description says the same in protocol terms).
  if (code === 'invalid_target') return 'You may not act for this party.';
  return description === '' ? `The request was refused (${code}).` : `${description.replace(/\.?$/, '.')}`;
}

export const api = {
  async login(username: string, password: string): Promise<{ token: string; expiresAt: string }> {
    const { body } = await request('POST', '/api/v1/registrant/auth/token', { json: { username, password } });
    const response = body as unknown as RegistrantLoginResponse;
    return { token: response.access_token, expiresAt: response.expires_at };
  },

  async parties(token: string): Promise<ActingPartyItem[]> {
    const { body } = await request('GET', '/auth/parties', { token });
    return (body as unknown as ActingPartiesResponse).parties;
  },

  /** RFC 8693: the person's token for an access token acting for the party. */
  async assume(subjectToken: string, partyId: number): Promise<{ token: string; expiresIn: number; scope: string }> {
    const { body } = await request('POST', '/auth/token', {
      form: { grant_type: GRANT_TYPE.tokenExchange, subject_token: subjectToken, subject_token_type: TOKEN_TYPE.accessToken, scope: `assume:party:${partyId}` },
    });
    const response = body as unknown as TokenResponse;
    return { token: response.access_token, expiresIn: response.expires_in, scope: response.scope };
  },

  async revoke(token: string): Promise<void> {
    await request('POST', '/auth/revoke', { form: { token } });
  },

  async get<T>(token: string, path: string): Promise<T> {
    return (await request('GET', path, { token })).body as T;
  },

  async send<T>(token: string, method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, json?: unknown): Promise<T> {
    return (await request(method, path, { token, json })).body as T;
  },
};
