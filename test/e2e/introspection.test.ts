import { randomUUID } from 'node:crypto';
import { AesTokenCodec } from '../../src/crypto/aes-token-codec.js';
import { SigningKeys } from '../../src/tokens/signing-keys.service.js';
import { decodeJwt, PUBLIC_URL, TestApp, TEST_TOKEN_SECRET } from '../support/test-app.js';

const PASSWORD = 'correct horse battery staple';

describe('POST /auth/introspect (RFC 7662)', () => {
  let app: TestApp;
  let caller: string;
  let accessToken: string;
  let registrantToken: string;
  let person: { id: number; eid: string };

  beforeAll(async () => {
    app = await TestApp.start();
    const service = (await app.adminCreate('/admin/entities', { name: 'Resource Server AS', type: 'organisation', business_id: '988888888', business_id_type: 'org' })).id;
    caller = await app.accessToken(await app.createClient(service, ['use:auth:introspect']));
    const company = (await app.adminCreate('/admin/entities', { name: 'Company AS', type: 'organisation', business_id: '999999999', business_id_type: 'org' })).id;
    await app.adminCreate('/admin/parties', { entity_id: company, name: 'Company SP', type: 'service_provider', business_id: '5790000000005', business_id_type: 'gln' });
    accessToken = await app.accessToken(await app.createClient(company, ['manage:data']), { sub: 'no:party:gln:5790000000005' });
    person = (await app.adminCreate('/admin/entities', { name: 'Kari Nordmann', type: 'person', business_id: 'kari@company.test', business_id_type: 'email' })) as never;
    await app.api('PUT', `/admin/entities/${person.id}/credentials`, await app.accessToken(app.operator), { username: 'kari@company.test', password: PASSWORD });
    const login = await app.fetch('/api/v1/registrant/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'kari@company.test', password: PASSWORD }) });
    registrantToken = ((await login.json()) as { access_token: string }).access_token;
  });
  afterAll(() => app.close());

  async function introspect(form: Record<string, string> | string, token: string | null = caller, contentType = 'application/x-www-form-urlencoded') {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const response = await app.fetch('/auth/introspect', { method: 'POST', headers, body: typeof form === 'string' ? form : new URLSearchParams(form).toString() });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  }

  it('describes a valid access token with its claims', async () => {
    const response = await introspect({ token: accessToken, token_type_hint: 'access_token' });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const claims = decodeJwt(accessToken);
    expect(response.body).toEqual({
      active: true, token_type: 'Bearer', scope: 'manage:data', client_id: claims.client_id, sub: claims.sub, aud: PUBLIC_URL, iss: PUBLIC_URL,
      iat: claims.iat, exp: claims.exp, jti: claims.jti, eid: claims.eid, entity_id: claims.entity_id, party_id: claims.party_id, role: 'flex_service_provider',
    });
  });

  it('describes a valid registrant token', async () => {
    const response = await introspect({ token: registrantToken });
    expect(response.body).toEqual({
      active: true, token_type: 'Bearer', scope: '', sub: person.eid, iss: PUBLIC_URL, iat: expect.any(Number), exp: expect.any(Number),
      jti: expect.any(String), eid: person.eid, entity_id: person.id, role: 'flex_entity',
    });
    expect((response.body.exp as number) - (response.body.iat as number)).toBe(7200);
  });

  it('answers {"active": false} for expired, tampered, foreign and garbage tokens of both kinds', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expiredJwt = app.app.get(SigningKeys).ring.signJwt({ typ: 'at+jwt' }, { ...decodeJwt(accessToken), iat: now - 7200, exp: now - 3600 });
    const expiredRegistrant = new AesTokenCodec(TEST_TOKEN_SECRET).encode({ typ: 'registrant', eid: person.eid, entity_id: person.id, name: 'Kari', iat: now - 9000, exp: now - 1800, jti: randomUUID() });
    const foreignRegistrant = new AesTokenCodec('some other secret that is long enough!!').encode({ typ: 'registrant', eid: person.eid, entity_id: person.id, name: 'Kari', iat: now, exp: now + 60, jti: randomUUID() });
    const tamper = (token: string) => token.slice(0, 30) + (token[30] === 'A' ? 'B' : 'A') + token.slice(31);
    for (const token of [expiredJwt, expiredRegistrant, foreignRegistrant, tamper(accessToken), tamper(registrantToken), 'garbage', 'a.b.c']) {
      const response = await introspect({ token });
      expect({ token: token.slice(0, 12), status: response.status, body: response.body }).toEqual({ token: token.slice(0, 12), status: 200, body: { active: false } });
    }
  });

  it('requires the caller to authenticate with a token covering use:auth:introspect', async () => {
    const anonymous = await introspect({ token: accessToken }, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="token-issuer"');
    const unscoped = await introspect({ token: accessToken }, accessToken);
    expect(unscoped.status).toBe(403);
    expect(unscoped.headers.get('www-authenticate')).toMatch(/error="insufficient_scope", error_description="[^"]*", scope="use:auth:introspect"/);
    expect((await introspect({ token: accessToken }, registrantToken)).status).toBe(403);
  });

  it('refuses a request without the token, with it twice, or as JSON: 400 invalid_request', async () => {
    expect((await introspect({})).body).toMatchObject({ error: 'invalid_request' });
    expect((await introspect(`token=${accessToken}&token=${accessToken}`)).body).toMatchObject({ error: 'invalid_request' });
    const json = await introspect(JSON.stringify({ token: accessToken }), caller, 'application/json');
    expect({ status: json.status, error: json.body.error }).toEqual({ status: 400, error: 'invalid_request' });
  });

  it('is advertised in the metadata', async () => {
    expect((await app.api('GET', '/.well-known/oauth-authorization-server')).body.introspection_endpoint).toBe(`${PUBLIC_URL}/auth/introspect`);
  });
});
