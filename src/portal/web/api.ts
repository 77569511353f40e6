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

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface ActingParty {
  readonly party_id: number;
  readonly party_name: string;
  readonly type: string;
  readonly role: string;
  readonly business_id: string;
  readonly business_id_type: string;
  readonly entity_id: number;
  readonly entity_name: string;
  readonly scope: string;
  readonly owned: boolean;
}

export interface Entity {
  readonly id: number;
  readonly eid: string;
  readonly name: string;
  readonly type: string;
  readonly business_id: string;
  readonly business_id_type: string;
  readonly status: string;
}

export interface Party {
  readonly id: number;
  readonly name: string;
  readonly business_id: string;
  readonly business_id_type: string;
  readonly entity_id: number;
  readonly type: string;
  readonly role: string;
  readonly status: string;
}

export interface Membership {
  readonly id: number;
  readonly entity_id: number;
  readonly party_id: number;
  readonly scopes: string[];
}

export interface ClientKey {
  readonly kid: string;
  readonly kty: string;
  readonly crv?: string;
  readonly created_at: string;
}

export interface EntityClient {
  readonly client_id: string;
  readonly entity_id: number;
  readonly name: string;
  readonly scopes: string[];
  readonly party_id: number | null;
  readonly active: boolean;
  readonly keys: ClientKey[];
  readonly recorded_at: string;
}

export interface AuditEvent {
  readonly id: number;
  readonly occurred_at: string;
  readonly actor: { entity_id: number; party_id: number | null; client_id: string | null };
  readonly action: string;
  readonly target: { type: string; id: string; entity_id: number | null };
}

export interface Page<T> {
  readonly items: T[];
  readonly page: number;
  readonly per_page: number;
  readonly total: number;
}

type Body = Record<string, unknown> | undefined;

async function request(method: string, path: string, init: { token?: string; json?: unknown; form?: Record<string, string> } = {}): Promise<{ status: number; body: Body; headers: Headers }> {
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
    return { token: String(body!.access_token), expiresAt: String(body!.expires_at) };
  },

  async parties(token: string): Promise<ActingParty[]> {
    const { body } = await request('GET', '/auth/parties', { token });
    return body!.parties as ActingParty[];
  },

  /** RFC 8693: the person's token for an access token acting for the party. */
  async assume(subjectToken: string, partyId: number): Promise<{ token: string; expiresIn: number; scope: string }> {
    const { body } = await request('POST', '/auth/token', {
      form: { grant_type: TOKEN_EXCHANGE, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN_TYPE, scope: `assume:party:${partyId}` },
    });
    return { token: String(body!.access_token), expiresIn: Number(body!.expires_in), scope: String(body!.scope ?? '') };
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
