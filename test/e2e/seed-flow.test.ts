import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { decodeJwtHeader, PUBLIC_URL, TestApp, type TestClient } from '../support/test-app.js';

// The seed 000 story: the operator registers Testkraft AS, its parties and
// the client "PC #1"; the machine logs in for Testkraft SP and uses the token.
describe('the API user flow of the seed', () => {
  let app: TestApp;
  let operatorToken: string;

  beforeAll(async () => {
    app = await TestApp.start();
    operatorToken = await app.accessToken(app.operator);
  });
  afterAll(() => app.close());

  it('registers, logs in with RS256 and reads userinfo and the party', async () => {
    const entity = await app.api('POST', '/admin/entities', operatorToken, { name: 'Testkraft AS', type: 'organisation', business_id: '123456789', business_id_type: 'org' });
    expect(entity.status).toBe(201);
    expect(entity.body).toMatchObject({ name: 'Testkraft AS', type: 'organisation', business_id: '123456789', business_id_type: 'org', status: 'active' });
    const entityId: number = entity.body.id;

    const org = await app.api('POST', '/admin/parties', operatorToken, { entity_id: entityId, name: 'Testkraft ORG', type: 'organisation', business_id: '123456789', business_id_type: 'org' });
    expect(org.status).toBe(201);
    expect(org.body.role).toBe('flex_organisation');
    const sp = await app.api('POST', '/admin/parties', operatorToken, { entity_id: entityId, name: 'Testkraft SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' });
    expect(sp.status).toBe(201);
    expect(sp.body).toMatchObject({ role: 'flex_service_provider', status: 'active', entity_id: entityId });

    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const created = await app.api('POST', '/admin/entity-clients', operatorToken, {
      entity_id: entityId,
      name: 'PC #1',
      scopes: ['manage:auth', 'manage:data'],
      party_id: sp.body.id,
      public_key: publicKey.export({ type: 'spki', format: 'pem' }),
    });
    expect(created.status).toBe(201);
    expect(created.body.client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.keys).toHaveLength(1);
    const pc1: TestClient = { clientId: created.body.client_id, privateKey, alg: 'RS256' };

    // The seed's Python script: aud is the auth API URL, sub the GLN of Testkraft SP.
    const response = await app.login(pc1, { aud: `${PUBLIC_URL}/auth`, sub: 'no:party:gln:1111111111116', exp: Math.floor(Date.now() / 1000) + 120 });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, any>;
    expect(body).toMatchObject({ expires_in: 3600, issued_token_type: 'urn:ietf:params:oauth:token-type:jwt', token_type: 'Bearer' });

    // The token verifies against the published JWKS, with every contract claim.
    const jwks = (await (await app.fetch('/auth/jwks')).json()) as { keys: Record<string, unknown>[] };
    const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet(jwks as never), { issuer: PUBLIC_URL, typ: 'at+jwt' });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(jwks.keys.map((key) => key.kid)).toContain(decodeJwtHeader(body.access_token).kid);
    expect(payload).toMatchObject({
      iss: PUBLIC_URL,
      aud: PUBLIC_URL,
      client_id: pc1.clientId,
      eid: entity.body.eid,
      sub: entity.body.eid,
      entity_id: entityId,
      party_id: sp.body.id,
      role: 'flex_service_provider',
      scope: 'manage:auth manage:data',
    });
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(typeof payload.jti).toBe('string');

    const userinfo = await app.api('GET', '/auth/userinfo', body.access_token);
    expect(userinfo.status).toBe(200);
    expect(userinfo.body).toEqual({
      sub: entity.body.eid,
      current_role: 'flex_service_provider',
      entity_id: entityId,
      entity_name: 'Testkraft AS',
      party_id: sp.body.id,
      party_name: 'Testkraft SP',
    });

    const party = await app.api('GET', `/data/party/${sp.body.id}`, body.access_token);
    expect(party.status).toBe(200);
    expect(party.body).toEqual({
      id: sp.body.id,
      name: 'Testkraft SP',
      business_id: '1111111111116',
      business_id_type: 'gln',
      entity_id: entityId,
      type: 'service_provider',
      role: 'flex_service_provider',
      status: 'active',
      recorded_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/),
      recorded_by: expect.any(Number),
    });
  });
});
