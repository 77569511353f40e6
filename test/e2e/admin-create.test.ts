import { generateKeyPairSync } from 'node:crypto';
import { TestApp } from '../support/test-app.js';

describe('the operator POST endpoints of the admin API', () => {
  let app: TestApp;
  let operatorToken: string;
  let entityId: number;
  let partyId: number;

  beforeAll(async () => {
    app = await TestApp.start();
    operatorToken = await app.accessToken(app.operator);
    entityId = (await app.adminCreate('/admin/entities', { name: 'Grid Co', type: 'organisation', business_id: '923456789', business_id_type: 'org' })).id;
    partyId = (await app.adminCreate('/admin/parties', { entity_id: entityId, name: 'Grid SO', type: 'system_operator', business_id: '1111111111116', business_id_type: 'gln' })).id;
  });
  afterAll(() => app.close());

  const post = (path: string, body: unknown, token = operatorToken) => app.api('POST', path, token, body);
  const pem = (key: { export(options: { type: 'spki'; format: 'pem' }): string | Buffer }) => key.export({ type: 'spki', format: 'pem' }).toString();

  function expectProblem(response: { status: number; headers: Headers; body: any }, status: number, field?: string) {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status, title: expect.any(String) });
    if (field !== undefined) expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  }

  describe('entities', () => {
    it('creates a person entity with an e-mail and one with a pid', async () => {
      const person = await post('/admin/entities', { name: 'Kari Nordmann', type: 'person', business_id: 'knor@testkraft.test', business_id_type: 'email' });
      expect(person.status).toBe(201);
      expect(person.body).toMatchObject({ id: expect.any(Number), eid: expect.stringMatching(/^[0-9a-f-]{36}$/), type: 'person' });
      const rows = await app.query('SELECT name, business_id FROM entities WHERE id = $1', [person.body.id]);
      expect(rows).toEqual([{ name: 'Kari Nordmann', business_id: 'knor@testkraft.test' }]);
      expect((await post('/admin/entities', { name: 'Jan Tamm', type: 'person', business_id: 'PNOEE-37605030299', business_id_type: 'pid' })).status).toBe(201);
    });

    it.each([
      ['an org number starting with 0', { type: 'organisation', business_id: '012345678', business_id_type: 'org' }, 'business_id'],
      ['an org number of 8 digits', { type: 'organisation', business_id: '12345678', business_id_type: 'org' }, 'business_id'],
      ['an upper-case e-mail', { type: 'person', business_id: 'Kari@Testkraft.test', business_id_type: 'email' }, 'business_id'],
      ['an Estonian pid with a bad check digit', { type: 'person', business_id: 'PNOEE-37605030290', business_id_type: 'pid' }, 'business_id'],
      ['an e-mail for an organisation', { type: 'organisation', business_id: 'a@b.test', business_id_type: 'email' }, 'business_id'],
      ['a malformed uuid', { type: 'organisation', business_id: 'not-a-uuid', business_id_type: 'uuid' }, 'business_id'],
      ['an unknown entity type', { type: 'robot', business_id: '923456780', business_id_type: 'org' }, 'type'],
      ['an unknown id type', { type: 'organisation', business_id: '923456780', business_id_type: 'vat' }, 'business_id_type'],
    ])('refuses %s with 422', async (_name, fields, field) => {
      expectProblem(await post('/admin/entities', { name: 'X', ...fields }), 422, field);
    });

    it('refuses a missing name, an empty name and an unknown field with 422', async () => {
      expectProblem(await post('/admin/entities', { type: 'organisation', business_id: '923456781', business_id_type: 'org' }), 422, 'name');
      expectProblem(await post('/admin/entities', { name: '', type: 'organisation', business_id: '923456781', business_id_type: 'org' }), 422, 'name');
      expectProblem(await post('/admin/entities', { name: 'X', type: 'organisation', business_id: '923456781', business_id_type: 'org', admin: true }), 422, 'admin');
    });

    it('refuses a duplicate business id with 409 and writes nothing', async () => {
      const before = await app.query('SELECT count(*)::int AS n FROM entities');
      expectProblem(await post('/admin/entities', { name: 'Grid Co again', type: 'organisation', business_id: '923456789', business_id_type: 'org' }), 409);
      expect(await app.query('SELECT count(*)::int AS n FROM entities')).toEqual(before);
    });

    it('answers malformed JSON with a 400 problem', async () => {
      const response = await app.fetch('/admin/entities', { method: 'POST', headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' }, body: '{"name":' });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.text()).not.toMatch(/at .*\.js/);
    });
  });

  describe('parties', () => {
    it.each([
      ['a GLN with a bad check digit (the seeds\' example)', { business_id: '1111111111111', business_id_type: 'gln' }, 'business_id'],
      ['a GLN of 12 digits', { business_id: '111111111116', business_id_type: 'gln' }, 'business_id'],
      ['an EIC code with a bad check character', { business_id: '10X1001A1001A451', business_id_type: 'eic_x' }, 'business_id'],
      ['an unknown party type', { type: 'trader', business_id: '5790000000005', business_id_type: 'gln' }, 'type'],
      ['an id type of entities only', { business_id: 'a@b.test', business_id_type: 'email' }, 'business_id_type'],
    ])('refuses %s with 422', async (_name, fields, field) => {
      expectProblem(await post('/admin/parties', { entity_id: entityId, name: 'P', type: 'energy_supplier', ...fields }), 422, field);
    });

    it('accepts a valid EIC X code', async () => {
      const party = await post('/admin/parties', { entity_id: entityId, name: 'EIC party', type: 'balance_responsible_party', business_id: '10X1001A1001A450', business_id_type: 'eic_x' });
      expect(party.status).toBe(201);
      expect(party.body.role).toBe('flex_balance_responsible_party');
    });

    it('refuses an unknown entity with 422', async () => {
      expectProblem(await post('/admin/parties', { entity_id: 999999, name: 'P', type: 'energy_supplier', business_id: '5790000000005', business_id_type: 'gln' }), 422, 'entity_id');
    });

    it('refuses the same business id and type twice with 409, and allows it in another type', async () => {
      expectProblem(await post('/admin/parties', { entity_id: entityId, name: 'Again', type: 'system_operator', business_id: '1111111111116', business_id_type: 'gln' }), 409);
      expect((await post('/admin/parties', { entity_id: entityId, name: 'As ES', type: 'energy_supplier', business_id: '1111111111116', business_id_type: 'gln' })).status).toBe(201);
    });
  });

  describe('party memberships', () => {
    let memberEntity: number;
    beforeAll(async () => {
      memberEntity = (await app.adminCreate('/admin/entities', { name: 'Member Co', type: 'organisation', business_id: '934567890', business_id_type: 'org' })).id;
    });

    it('creates one, and refuses it again with 409', async () => {
      const created = await post('/admin/party-memberships', { entity_id: memberEntity, party_id: partyId, scopes: ['read:data', 'read:data:party'] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ entity_id: memberEntity, party_id: partyId, scopes: ['read:data'] });
      expectProblem(await post('/admin/party-memberships', { entity_id: memberEntity, party_id: partyId, scopes: ['read:data'] }), 409);
    });

    it('refuses malformed scopes, no scopes, the owner and unknown ids with 422', async () => {
      expectProblem(await post('/admin/party-memberships', { entity_id: memberEntity, party_id: partyId, scopes: ['write:data'] }), 422, 'scopes');
      expectProblem(await post('/admin/party-memberships', { entity_id: memberEntity, party_id: partyId, scopes: [] }), 422, 'scopes');
      expectProblem(await post('/admin/party-memberships', { entity_id: memberEntity, party_id: partyId, scopes: 'read:data' }), 422, 'scopes');
      expectProblem(await post('/admin/party-memberships', { entity_id: entityId, party_id: partyId, scopes: ['read:data'] }), 422, 'party_id');
      expectProblem(await post('/admin/party-memberships', { entity_id: 999999, party_id: 999999, scopes: ['read:data'] }), 422, 'entity_id');
    });
  });

  describe('entity clients', () => {
    const client = (publicKey: unknown, extra: Record<string, unknown> = {}) => ({ entity_id: entityId, name: 'c', scopes: ['read:data'], public_key: publicKey, ...extra });

    it.each([
      ['an RSA 2048 PEM', () => pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey)],
      ['a P-256 JWK object', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })],
      ['an Ed25519 JWK as JSON text', () => JSON.stringify(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }))],
    ])('accepts %s and reports its kid', async (_name, key) => {
      const created = await post('/admin/entity-clients', client(key()));
      expect(created.status).toBe(201);
      expect(created.body.keys[0].kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const stored = await app.query<{ jwk: Record<string, unknown> }>('SELECT jwk FROM entity_client_keys WHERE client_id = $1', [created.body.client_id]);
      expect(stored[0].jwk).not.toHaveProperty('d');
    });

    it.each([
      ['RSA under 2048 bits', () => pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey)],
      ['P-384', () => pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey)],
      ['secp256k1', () => pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey)],
      ['Ed448', () => pem(generateKeyPairSync('ed448').publicKey)],
      ['a private key', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
      ['a private JWK', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })],
      ['a symmetric JWK', () => ({ kty: 'oct', k: 'c2VjcmV0' })],
      ['text that is no key', () => 'hello'],
    ])('refuses %s with 422 on public_key', async (_name, key) => {
      const response = await post('/admin/entity-clients', client(key()));
      expectProblem(response, 422, 'public_key');
      expect(JSON.stringify(response.body)).not.toMatch(/PRIVATE KEY|"d":/);
    });

    it('refuses malformed scopes, a party the entity cannot act for and an unknown entity with 422', async () => {
      const key = pem(generateKeyPairSync('ed25519').publicKey);
      expectProblem(await post('/admin/entity-clients', client(key, { scopes: ['manage:everything'] })), 422, 'scopes');
      const stranger = (await app.adminCreate('/admin/entities', { name: 'Stranger', type: 'organisation', business_id: '945678901', business_id_type: 'org' })).id;
      expectProblem(await post('/admin/entity-clients', client(key, { entity_id: stranger, party_id: partyId })), 422, 'party_id');
      expectProblem(await post('/admin/entity-clients', client(key, { entity_id: 999999 })), 422, 'entity_id');
    });
  });

  describe('authorization', () => {
    const body = { name: 'Nope', type: 'organisation', business_id: '956789012', business_id_type: 'org' };

    it('answers 401 with a Bearer challenge without a token', async () => {
      const response = await app.api('POST', '/admin/entities', undefined, body);
      expectProblem(response, 401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    });

    it('answers 403 for a client that is not the operator, even with manage:auth', async () => {
      const companyClient = await app.createClient(entityId, ['manage:auth']);
      const token = await app.accessToken(companyClient, { sub: 'no:party:gln:1111111111116:system_operator' });
      expectProblem(await post('/admin/entities', body, token), 403);
    });

    it('answers 403 for an operator token down-scoped below manage:auth', async () => {
      const token = await app.accessToken(app.operator, {}, { scope: 'manage:data' });
      expectProblem(await post('/admin/entities', body, token), 403);
      expect(await app.query('SELECT 1 FROM entities WHERE business_id = $1', ['956789012'])).toHaveLength(0);
    });
  });
});
