import { generateKeyPairSync } from 'node:crypto';
import { TestApp } from '../support/test-app.js';

const pem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' });

/** Client metadata (RFC 7591 names) and client secrets through the admin API. */
describe('client metadata and secrets in the admin API', () => {
  let app: TestApp;
  let operator: string;
  let company: number;
  let org: number;
  let companyAdmin: string;

  const call = (method: string, path: string, body?: unknown, token = operator) => app.api(method, path, token, body);
  const newClient = (body: Record<string, unknown>, token = operator) => call('POST', '/admin/entity-clients', { entity_id: company, name: 'meta', scopes: ['read:data'], ...body }, token);
  const fields = (answer: { body: any }) => answer.body.errors.map((error: { field: string }) => error.field).sort();

  beforeAll(async () => {
    app = await TestApp.start();
    operator = await app.accessToken(app.operator);
    company = (await app.adminCreate('/admin/entities', { name: 'Meta AS', type: 'organisation', business_id: '916161616', business_id_type: 'org' })).id;
    org = (await app.adminCreate('/admin/parties', { entity_id: company, name: 'Meta ORG', type: 'organisation', business_id: '916161616', business_id_type: 'org' })).id;
    companyAdmin = await app.accessToken(await app.createClient(company, ['manage:auth', 'manage:data'], { partyId: org }));
  });
  afterAll(() => app.close());

  it('keeps a client registered as before a JWT-bearer client with private_key_jwt', async () => {
    const created = await newClient({ public_key: pem() });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'], token_endpoint_auth_method: 'private_key_jwt', redirect_uris: [], dpop_bound_access_tokens: false });
    expect(created.body.client_secret).toBeUndefined();
  });

  it('shows a secret client its first secret once, with its id; later only ids and dates', async () => {
    const created = await newClient({ token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ token_endpoint_auth_method: 'client_secret_basic', keys: [], client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), secret_id: expect.any(String) });
    const read = await call('GET', `/admin/entity-clients/${created.body.client_id}`);
    expect(read.body.client_secret).toBeUndefined();
    const listed = await call('GET', `/admin/entity-clients/${created.body.client_id}/secrets`);
    expect(listed.body).toEqual({ secrets: [{ secret_id: created.body.secret_id, created_at: expect.any(String), last_used_at: null }] });
    expect(JSON.stringify(await app.query('SELECT * FROM entity_client_secrets'))).not.toContain(created.body.client_secret);
    expect(JSON.stringify(await app.query('SELECT diff FROM audit_events'))).not.toContain(created.body.client_secret);
  });

  it('refuses incoherent metadata with 422 naming each field', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ token_endpoint_auth_method: 'private_key_jwt' }, ['public_key']],
      [{ token_endpoint_auth_method: 'client_secret_basic' }, ['public_key']], // the JWT-bearer grant (the default) needs a key
      [{ token_endpoint_auth_method: 'none', grant_types: ['client_credentials'] }, ['token_endpoint_auth_method']],
      [{ token_endpoint_auth_method: 'tls_client_auth', grant_types: ['client_credentials'] }, ['tls_client_auth_subject_dn']],
      [{ token_endpoint_auth_method: 'client_secret_post', grant_types: ['authorization_code'] }, ['redirect_uris']],
      [{ token_endpoint_auth_method: 'client_secret_post', grant_types: ['authorization_code'], redirect_uris: ['http://app.example.com/cb'] }, ['redirect_uris']],
      [{ token_endpoint_auth_method: 'client_secret_post', grant_types: ['client_credentials'], dpop_bound_access_tokens: true, tls_client_certificate_bound_access_tokens: true }, ['dpop_bound_access_tokens']],
      [{ token_endpoint_auth_method: 'client_secret_post', grant_types: ['refresh_token'] }, ['grant_types']],
      [{ token_endpoint_auth_method: 'client_secret_post', grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange'] }, ['grant_types']],
    ];
    for (const [body, expected] of cases) {
      const answer = await newClient(body);
      expect({ body, status: answer.status, fields: fields(answer) }).toEqual({ body, status: 422, fields: expected });
    }
    const fine = await newClient({ token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['https://app.example.com/cb', 'http://127.0.0.1/cb', 'http://[::1]:8080/cb'] });
    expect(fine.status).toBe(201);
  });

  it('holds two secrets at a time, and deletes one by its id', async () => {
    const created = await newClient({ token_endpoint_auth_method: 'client_secret_post', grant_types: ['client_credentials'] });
    const path = `/admin/entity-clients/${created.body.client_id}/secrets`;
    const second = await call('POST', path);
    expect(second.status).toBe(201);
    expect(second.body).toEqual({ secret_id: expect.any(String), client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), created_at: expect.any(String) });
    expect((await call('POST', path)).status).toBe(409);
    expect((await call('DELETE', `${path}/${created.body.secret_id}`)).status).toBe(204);
    expect((await call('DELETE', `${path}/${created.body.secret_id}`)).status).toBe(404);
    expect((await call('DELETE', `${path}/not-a-uuid`)).status).toBe(404);
    expect((await call('GET', path)).body.secrets.map((secret: { secret_id: string }) => secret.secret_id)).toEqual([second.body.secret_id]);
    const actions = await app.query<{ action: string }>("SELECT action FROM audit_events WHERE target_id = $1 AND action LIKE 'entity_client_secret.%' ORDER BY id", [created.body.client_id]);
    expect(actions.map((row) => row.action)).toEqual(['entity_client_secret.create', 'entity_client_secret.delete']);
  });

  it("lets a company admin make secrets for its clients within its scopes, not for one beyond them", async () => {
    const own = await newClient({ token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] }, companyAdmin);
    expect(own.status).toBe(201);
    expect((await call('POST', `/admin/entity-clients/${own.body.client_id}/secrets`, undefined, companyAdmin)).status).toBe(201);
    const eid = await newClient({ scopes: ['use:registrant:eid'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
    expect((await call('POST', `/admin/entity-clients/${eid.body.client_id}/secrets`, undefined, companyAdmin)).status).toBe(403);
    expect((await call('PATCH', `/admin/entity-clients/${eid.body.client_id}`, { grant_types: ['client_credentials', 'password'] }, companyAdmin)).status).toBe(403);
    expect((await call('PATCH', `/admin/entity-clients/${eid.body.client_id}`, { name: 'renamed' }, companyAdmin)).status).toBe(200);
  });

  it('changes metadata with PATCH, checked as a whole, and lets a secret client drop its last key', async () => {
    const created = await newClient({ public_key: pem() });
    const id = created.body.client_id;
    expect((await call('PATCH', `/admin/entity-clients/${id}`, { token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] })).body).toMatchObject({ token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
    expect((await call('DELETE', `/admin/entity-clients/${id}/keys/${created.body.keys[0].kid}`)).status).toBe(204);
    expect((await call('PATCH', `/admin/entity-clients/${id}`, { grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'] })).status).toBe(422);
  });
});
