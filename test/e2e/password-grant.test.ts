import { decodeJwt, TEST_PASSWORDS, TestApp } from '../support/test-app.js';

const PASSWORD = TEST_PASSWORDS[0];

/** grant_type=password: legacy, for a client's own people only, with the registrant login's check and throttle. */
describe('grant_type=password', () => {
  let app: TestApp;
  let operator: string;
  let company: number;
  let sp: number;
  let client: { id: string; secret: string };
  let kari: { id: number; eid: string };

  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  async function passwordGrant(username: string, password: string, options: { as?: { id: string; secret: string }; address?: string; scope?: string } = {}) {
    const as = options.as ?? client;
    const form: Record<string, string> = { grant_type: 'password', username, password, ...(options.scope === undefined ? {} : { scope: options.scope }) };
    const response = await app.fetch('/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(as.id, as.secret), 'x-forwarded-for': options.address ?? '192.0.2.10' },
      body: new URLSearchParams(form).toString(),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
  }
  async function person(name: string, email: string, partyId: number): Promise<{ id: number; eid: string }> {
    const created = await app.adminCreate('/admin/entities', { name, type: 'person', business_id: email, business_id_type: 'email' });
    await app.adminCreate('/admin/party-memberships', { entity_id: created.id, party_id: partyId, scopes: ['read:data'] });
    expect((await app.api('PUT', `/admin/entities/${created.id}/credentials`, operator, { username: email, password: PASSWORD })).status).toBe(204);
    return created as never;
  }

  beforeAll(async () => {
    app = await TestApp.start({ env: { TRUST_PROXY: '1', LOGIN_THROTTLE_MAX_FAILURES: '3' } });
    operator = await app.accessToken(app.operator);
    company = (await app.adminCreate('/admin/entities', { name: 'Legacy AS', type: 'organisation', business_id: '913131313', business_id_type: 'org' })).id;
    sp = (await app.adminCreate('/admin/parties', { entity_id: company, name: 'Legacy SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' })).id;
    const made = await app.adminCreate('/admin/entity-clients', { entity_id: company, name: 'legacy app', scopes: ['read:data'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['password'] });
    client = { id: made.client_id, secret: made.client_secret };
    kari = await person('Kari Legacy', 'kari@legacy.test', sp);
  });
  afterAll(() => app.close());

  it("issues a token acting for one of the client's people, entity-level, with the client's scopes", async () => {
    const answer = await passwordGrant('kari@legacy.test', PASSWORD);
    expect(answer.status).toBe(200);
    expect(decodeJwt(answer.body.access_token)).toMatchObject({ sub: kari.eid, eid: kari.eid, entity_id: kari.id, client_id: client.id, role: 'flex_entity', scope: 'read:data' });
    expect(decodeJwt(answer.body.access_token).party_id).toBeUndefined();
    // The token stands while the client and the person do.
    expect((await app.api('GET', `/data/party/${sp}`, answer.body.access_token)).status).toBe(200);
    expect((await app.api('GET', '/auth/userinfo', answer.body.access_token)).body).toMatchObject({ sub: kari.eid, entity_name: 'Kari Legacy' });
  });

  it('answers a wrong password, an unknown user and a person of another company alike', async () => {
    const elsewhere = (await app.adminCreate('/admin/entities', { name: 'Else AS', type: 'organisation', business_id: '914141414', business_id_type: 'org' })).id;
    const elseSp = (await app.adminCreate('/admin/parties', { entity_id: elsewhere, name: 'Else SP', type: 'service_provider', business_id: '7080000000005', business_id_type: 'gln' })).id;
    await person('Ola Else', 'ola@else.test', elseSp);
    const answers = [
      await passwordGrant('kari@legacy.test', 'not her password', { address: '192.0.2.21' }),
      await passwordGrant('nobody@legacy.test', PASSWORD, { address: '192.0.2.22' }),
      await passwordGrant('ola@else.test', PASSWORD, { address: '192.0.2.23' }),
    ];
    for (const answer of answers) expect({ status: answer.status, body: answer.body }).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'The username or password is wrong' } });
  });

  it('throttles like the registrant login: 429 with Retry-After, even for the right password', async () => {
    for (let i = 0; i < 3; i++) expect((await passwordGrant('kari@legacy.test', 'guess', { address: '192.0.2.30' })).status).toBe(400);
    const locked = await passwordGrant('kari@legacy.test', PASSWORD, { address: '192.0.2.30' });
    expect({ status: locked.status, error: locked.body.error }).toEqual({ status: 429, error: 'invalid_grant' });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await passwordGrant('kari@legacy.test', PASSWORD, { address: '192.0.2.31' })).status).toBe(200);
  });

  it('is off for a client that does not list it, and needs the client to authenticate', async () => {
    const other = await app.adminCreate('/admin/entity-clients', { entity_id: company, name: 'machine', scopes: ['read:data'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
    const refused = await passwordGrant('kari@legacy.test', PASSWORD, { as: { id: other.client_id, secret: other.client_secret } });
    expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 400, error: 'unauthorized_client' });
    const anonymous = await app.tokenRequest({ grant_type: 'password', username: 'kari@legacy.test', password: PASSWORD });
    expect(anonymous.status).toBe(401);
  });

  it("ends the token's power when the client is deactivated", async () => {
    const token = (await passwordGrant('kari@legacy.test', PASSWORD, { address: '192.0.2.40' })).body.access_token;
    await app.api('POST', `/admin/entity-clients/${client.id}/deactivate`, operator);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await app.api('GET', `/data/party/${sp}`, token)).status).toBe(401);
    await app.api('PATCH', `/admin/entity-clients/${client.id}`, operator, { active: true });
  });
});
