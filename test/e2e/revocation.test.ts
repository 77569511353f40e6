import { randomUUID } from 'node:crypto';
import { TestApp } from '../support/test-app.js';

const PASSWORD = 'correct horse battery staple';

describe('POST /auth/revoke (RFC 7009) across replicas', () => {
  let a: TestApp;
  let b: TestApp;
  let callerAtB: string;
  let company: number;

  beforeAll(async () => {
    a = await TestApp.start();
    b = await TestApp.start({ restartOf: a }); // a second replica on the same database
    const service = (await a.adminCreate('/admin/entities', { name: 'Resource Server AS', type: 'organisation', business_id: '988888888', business_id_type: 'org' })).id;
    callerAtB = await b.accessToken(await a.createClient(service, ['use:auth:introspect']));
    company = (await a.adminCreate('/admin/entities', { name: 'Company AS', type: 'organisation', business_id: '999999999', business_id_type: 'org' })).id;
    const person = await a.adminCreate('/admin/entities', { name: 'Kari', type: 'person', business_id: 'kari@company.test', business_id_type: 'email' });
    await a.api('PUT', `/admin/entities/${person.id}/credentials`, await a.accessToken(a.operator), { username: 'kari@company.test', password: PASSWORD });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const introspectAt = async (app: TestApp, token: string) => {
    const response = await app.fetch('/auth/introspect', { method: 'POST', headers: { authorization: `Bearer ${callerAtB}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
    return ((await response.json()) as { active: boolean }).active;
  };
  const revokeAt = (app: TestApp, token: string) =>
    app.fetch('/auth/revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
  const registrantToken = async () => {
    const response = await a.fetch('/api/v1/registrant/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'kari@company.test', password: PASSWORD }) });
    return ((await response.json()) as { access_token: string }).access_token;
  };
  /** Milliseconds until `app` reports the token inactive (fails after 3 s). */
  async function msUntilInactive(app: TestApp, token: string, since: number): Promise<number> {
    while (Date.now() - since < 3000) {
      if (!(await introspectAt(app, token))) return Date.now() - since;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('still active after 3 s');
  }

  it.each(['access token', 'registrant token'])('a %s revoked at one replica is refused at the other within 1 s', async (kind) => {
    const token = kind === 'access token' ? await a.accessToken(await a.createClient(company, ['read:data'])) : await registrantToken();
    expect(await introspectAt(b, token)).toBe(true);
    expect((await b.api('GET', '/auth/userinfo', token)).status).toBe(200);
    const started = Date.now();
    const response = await revokeAt(a, token);
    expect(response.status).toBe(200);
    expect(await msUntilInactive(b, token, started)).toBeLessThan(1000);
    expect((await b.api('GET', '/auth/userinfo', token)).status).toBe(401);
    expect(await introspectAt(a, token)).toBe(false);
    expect((await revokeAt(a, token)).status).toBe(200); // again: idempotent
  });

  it('refuses a revoked access token at the data API', async () => {
    await a.adminCreate('/admin/parties', { entity_id: company, name: 'Company SP', type: 'service_provider', business_id: '5790000000005', business_id_type: 'gln' });
    const token = await a.accessToken(await a.createClient(company, ['read:data']), { sub: 'no:party:gln:5790000000005' });
    const party = (await a.api('GET', '/admin/parties?entity_id=' + company, await a.accessToken(a.operator))).body.items[0].id;
    expect((await a.api('GET', `/data/party/${party}`, token)).status).toBe(200);
    await revokeAt(a, token);
    expect((await a.api('GET', `/data/party/${party}`, token)).status).toBe(401);
  });

  it('answers 200 for tokens that are not valid, and 400 without a token', async () => {
    for (const token of ['garbage', 'a.b.c', randomUUID()]) expect((await revokeAt(a, token)).status).toBe(200);
    const missing = await a.fetch('/auth/revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect({ status: missing.status, error: ((await missing.json()) as { error: string }).error }).toEqual({ status: 400, error: 'invalid_request' });
  });

  it('catches up after its listening connection was lost, and a new replica loads the list at start', async () => {
    const token = await a.accessToken(await a.createClient(company, ['read:data']));
    const jti = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).jti as string;
    // Cut every replica's LISTEN connection, then revoke behind their backs (no NOTIFY reaches anyone).
    await a.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'token-issuer notifications'");
    await a.query("INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, now() + interval '1 hour')", [jti]);
    expect(await msUntilInactive(b, token, Date.now())).toBeLessThan(2000);
    const c = await TestApp.start({ restartOf: a });
    try {
      expect(await introspectAt(c, token)).toBe(false);
    } finally {
      await c.close();
    }
  });

  it('is advertised in the metadata', async () => {
    expect((await a.api('GET', '/.well-known/oauth-authorization-server')).body.revocation_endpoint).toBe('https://issuer.test/auth/revoke');
  });
});
