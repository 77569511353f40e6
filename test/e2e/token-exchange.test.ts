import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { AesTokenCodec, type RegistrantTokenPayload } from '../../src/crypto/aes-token-codec.js';
import { decodeJwt, decodeJwtHeader, PUBLIC_URL, TEST_PASSWORDS, TEST_TOKEN_SECRET, TestApp } from '../support/test-app.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const PASSWORD = TEST_PASSWORDS[0];
const INVALID_SUBJECT = 'The subject_token is not a valid registrant token';
const NOT_ACTING = 'The subject may not act for this party';
const ASSUME_FORM = 'The scope must contain exactly one assume:party:<party_id>';

type Answer = { status: number; headers: Headers; body: any };

describe('token exchange (RFC 8693) and GET /auth/parties', () => {
  let app: TestApp;
  let operatorToken: string;
  let introspector: string;
  const codec = new AesTokenCodec(TEST_TOKEN_SECRET);
  /** Testkraft AS and its parties, the other companies, the people. */
  let testkraft: number;
  let org: number;
  let sp: number;
  let retired: number;
  let agder: number;
  let agderSp: number;
  let otherOrg: number;
  let operatorParty: number;
  let kari: { id: number; eid: string };
  let kariToken: string;

  beforeAll(async () => {
    app = await TestApp.start();
    operatorToken = await app.accessToken(app.operator);
    operatorParty = decodeJwt(operatorToken).party_id;

    testkraft = (await app.adminCreate('/admin/entities', { name: 'Testkraft AS', type: 'organisation', business_id: '123456789', business_id_type: 'org' })).id;
    org = (await app.adminCreate('/admin/parties', { entity_id: testkraft, name: 'Testkraft ORG', type: 'organisation', business_id: '123456789', business_id_type: 'org' })).id;
    sp = (await app.adminCreate('/admin/parties', { entity_id: testkraft, name: 'Testkraft SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' })).id;
    retired = (await app.adminCreate('/admin/parties', { entity_id: testkraft, name: 'Testkraft BRP', type: 'balance_responsible_party', business_id: '5790000000005', business_id_type: 'gln' })).id;
    agder = (await app.adminCreate('/admin/entities', { name: 'Agder Energi AS', type: 'organisation', business_id: '944444444', business_id_type: 'org' })).id;
    agderSp = (await app.adminCreate('/admin/parties', { entity_id: agder, name: 'Agder SP', type: 'service_provider', business_id: '7080000000005', business_id_type: 'gln' })).id;
    const other = (await app.adminCreate('/admin/entities', { name: 'Annen Kraft AS', type: 'organisation', business_id: '987654321', business_id_type: 'org' })).id;
    otherOrg = (await app.adminCreate('/admin/parties', { entity_id: other, name: 'Annen Kraft ORG', type: 'organisation', business_id: '987654321', business_id_type: 'org' })).id;

    kari = (await app.adminCreate('/admin/entities', { name: 'Kari Nordmann', type: 'person', business_id: 'knor@testkraft.test', business_id_type: 'email' })) as never;
    expect((await app.api('PUT', `/admin/entities/${kari.id}/credentials`, operatorToken, { username: 'knor@testkraft.test', password: PASSWORD })).status).toBe(204);
    await app.adminCreate('/admin/party-memberships', { entity_id: kari.id, party_id: org, scopes: ['manage:auth', 'manage:data'] });
    await app.adminCreate('/admin/party-memberships', { entity_id: kari.id, party_id: sp, scopes: ['read:data'] });
    await app.adminCreate('/admin/party-memberships', { entity_id: kari.id, party_id: retired, scopes: ['read:data'] });
    await app.adminCreate('/admin/party-memberships', { entity_id: kari.id, party_id: agderSp, scopes: ['use:data'] });
    expect((await app.api('POST', `/admin/parties/${retired}/deactivate`, operatorToken)).status).toBe(200);

    const service = (await app.adminCreate('/admin/entities', { name: 'Resource Server AS', type: 'organisation', business_id: '988888888', business_id_type: 'org' })).id;
    introspector = await app.accessToken(await app.createClient(service, ['use:auth:introspect']));
    kariToken = await registrantLogin('knor@testkraft.test');
  });
  afterAll(() => app.close());

  async function registrantLogin(username: string): Promise<string> {
    const response = await app.api('POST', '/api/v1/registrant/auth/token', undefined, { username, password: PASSWORD });
    if (response.status !== 201) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.access_token;
  }

  /** A person with a password, ready to log in. */
  async function person(name: string, email: string): Promise<{ id: number; eid: string }> {
    const created = (await app.adminCreate('/admin/entities', { name, type: 'person', business_id: email, business_id_type: 'email' })) as { id: number; eid: string };
    expect((await app.api('PUT', `/admin/entities/${created.id}/credentials`, operatorToken, { username: email, password: PASSWORD })).status).toBe(204);
    return created;
  }

  /** A registrant token minted with the test secret, as the service would, with chosen times. */
  function mint(who: { id: number; eid: string }, exp: number, iat = Math.floor(Date.now() / 1000) - 10): string {
    const payload: RegistrantTokenPayload = { typ: 'registrant', eid: who.eid, entity_id: who.id, name: 'Kari Nordmann', iat, exp, jti: randomUUID() };
    return codec.encode(payload);
  }

  /** POST /auth/token with a token-exchange form; `form` values of undefined drop the parameter. */
  async function exchange(form: Record<string, string | undefined>): Promise<Answer> {
    const full: Record<string, string | undefined> = { grant_type: TOKEN_EXCHANGE, subject_token: kariToken, subject_token_type: ACCESS_TOKEN_TYPE, ...form };
    const response = await app.tokenRequest(Object.fromEntries(Object.entries(full).filter((entry): entry is [string, string] => entry[1] !== undefined)));
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  async function exchanged(form: Record<string, string | undefined>): Promise<string> {
    const response = await exchange(form);
    if (response.status !== 200) throw new Error(`exchange failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.access_token;
  }

  async function introspect(token: string): Promise<Record<string, any>> {
    const response = await app.fetch('/auth/introspect', {
      method: 'POST',
      headers: { authorization: `Bearer ${introspector}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    return (await response.json()) as Record<string, any>;
  }

  const revoke = (token: string) =>
    app.fetch('/auth/revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });

  function expectOAuthError(response: Answer, status: number, error: string, description?: string): void {
    expect({ status: response.status, error: response.body.error, ...(description === undefined ? {} : { description: response.body.error_description }) })
      .toEqual({ status, error, ...(description === undefined ? {} : { description }) });
    expect(Object.keys(response.body).sort()).toEqual(['error', 'error_description']);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
  }

  describe('success', () => {
    it('answers 200 with the token response and an access token acting for the party', async () => {
      const response = await exchange({ scope: `assume:party:${org}` });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.body).toEqual({
        access_token: expect.any(String),
        expires_in: 3600,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: 'Bearer',
        scope: 'manage:auth manage:data',
      });
      const token: string = response.body.access_token;
      expect(decodeJwtHeader(token)).toEqual({ typ: 'at+jwt', alg: 'ES256', kid: expect.any(String) });
      const claims = decodeJwt(token);
      expect(claims).toEqual({
        iss: PUBLIC_URL,
        aud: PUBLIC_URL,
        sub: kari.eid,
        eid: kari.eid,
        client_id: 'token-exchange',
        iat: expect.any(Number),
        exp: expect.any(Number),
        jti: expect.any(String),
        entity_id: kari.id,
        party_id: org,
        role: 'flex_organisation',
        scope: 'manage:auth manage:data',
        sid: codec.decode(kariToken)!.jti,
      });
      expect(claims.exp - claims.iat).toBe(3600);
      expect(claims.jti).not.toBe(claims.sid);
    });

    it('gives a token that userinfo, the data API and introspection accept', async () => {
      const token = await exchanged({ scope: `assume:party:${org}` });
      const userinfo = await app.api('GET', '/auth/userinfo', token);
      expect(userinfo).toMatchObject({ status: 200, body: { sub: kari.eid, current_role: 'flex_organisation', entity_id: kari.id, entity_name: 'Kari Nordmann', party_id: org, party_name: 'Testkraft ORG' } });
      const party = await app.api('GET', `/data/party/${org}`, token);
      expect(party).toMatchObject({ status: 200, body: { id: org, name: 'Testkraft ORG', entity_id: testkraft, role: 'flex_organisation' } });
      expect((await app.api('GET', `/data/party/${otherOrg}`, token)).status).toBe(404);
      expect(await introspect(token)).toMatchObject({ active: true, client_id: 'token-exchange', sub: kari.eid, entity_id: kari.id, party_id: org, role: 'flex_organisation', scope: 'manage:auth manage:data' });
    });

    it("lets Kari manage Testkraft AS's clients, audited as Kari acting for ORG with no client", async () => {
      const token = await exchanged({ scope: `assume:party:${org}` });
      const publicKey = createPublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey).export({ type: 'spki', format: 'pem' });
      const created = await app.api('POST', '/admin/entity-clients', token, { entity_id: testkraft, name: 'Portal-made client', scopes: ['read:data'], public_key: publicKey });
      expect(created.status).toBe(201);
      const rows = await app.query('SELECT actor_entity_id, actor_party_id, actor_client_id, action, entity_id FROM audit_events WHERE target_id = $1', [created.body.client_id]);
      expect(rows).toEqual([{ actor_entity_id: kari.id, actor_party_id: org, actor_client_id: null, action: 'entity_client.create', entity_id: testkraft }]);
      const trail = await app.api('GET', '/admin/audit-events', token);
      expect(trail.status).toBe(200);
      expect(trail.body.items[0]).toMatchObject({ actor: { entity_id: kari.id, party_id: org, client_id: null }, action: 'entity_client.create' });

      // Only Testkraft's: another company's clients and operator work stay out of reach.
      const other = await app.api('POST', '/admin/entity-clients', token, { entity_id: agder, name: 'Not hers', scopes: ['read:data'], public_key: publicKey });
      expect(other.status).toBe(403);
      expect((await app.api('POST', '/admin/entities', token, { name: 'New AS', type: 'organisation', business_id: '933333333', business_id_type: 'org' })).status).toBe(403);
    });

    it('makes a member of the FIS operator party the operator', async () => {
      const nora = await person('Nora Operatør', 'nora@fis.test');
      await app.adminCreate('/admin/party-memberships', { entity_id: nora.id, party_id: operatorParty, scopes: ['manage:auth'] });
      const response = await exchange({ subject_token: await registrantLogin('nora@fis.test'), scope: `assume:party:${operatorParty}` });
      expect(response.body).toMatchObject({ scope: 'manage:auth' });
      expect(decodeJwt(response.body.access_token)).toMatchObject({ role: 'flex_flexibility_information_system_operator', party_id: operatorParty, entity_id: nora.id });
      const created = await app.api('POST', '/admin/entities', response.body.access_token, { name: 'Made by Nora AS', type: 'organisation', business_id: '955555555', business_id_type: 'org' });
      expect(created.status).toBe(201);
      const [row] = await app.query('SELECT actor_entity_id, actor_party_id, actor_client_id FROM audit_events WHERE target_id = $1', [String(created.body.id)]);
      expect(row).toEqual({ actor_entity_id: nora.id, actor_party_id: operatorParty, actor_client_id: null });
    });

    it.each([
      ['read:data', 'read:data'],
      ['read:data:party', 'read:data:party'],
      ['manage:auth', 'manage:auth'],
      ['manage:data use:data read:auth', 'manage:data read:auth'],
    ])('narrows to the requested scope %j', async (narrowing, granted) => {
      for (const scope of [`assume:party:${org} ${narrowing}`, `${narrowing} assume:party:${org}`]) {
        const response = await exchange({ scope });
        expect({ status: response.status, scope: response.body.scope }).toEqual({ status: 200, scope: granted });
        expect(decodeJwt(response.body.access_token).scope).toBe(granted);
      }
    });

    it("grants a membership's own scopes at another party", async () => {
      const response = await exchange({ scope: `assume:party:${sp}` });
      expect(response.body.scope).toBe('read:data');
      expect(decodeJwt(response.body.access_token)).toMatchObject({ role: 'flex_service_provider', party_id: sp, scope: 'read:data' });
      // read:data does not cover manage:auth: this token is no company admin.
      expect((await app.api('GET', '/admin/entity-clients', response.body.access_token)).status).toBe(403);
    });

    it.each(['assume:party:SP manage:data', 'assume:party:ORG manage:registrant', 'assume:party:ORG read:data use:registrant:eid'])(
      'refuses %s, more than she holds, with invalid_scope',
      async (template) => {
        const scope = template.replace('SP', String(sp)).replace('ORG', String(org));
        expectOAuthError(await exchange({ scope }), 400, 'invalid_scope', 'The requested scope exceeds what the subject holds for this party');
      },
    );

    it('echoes requested_token_type, and accepts the issuer as audience and resource', async () => {
      const jwt = await exchange({ scope: `assume:party:${org}`, requested_token_type: JWT_TOKEN_TYPE, audience: PUBLIC_URL, resource: PUBLIC_URL });
      expect({ status: jwt.status, type: jwt.body.issued_token_type }).toEqual({ status: 200, type: JWT_TOKEN_TYPE });
      const access = await exchange({ scope: `assume:party:${org}`, requested_token_type: ACCESS_TOKEN_TYPE });
      expect({ status: access.status, type: access.body.issued_token_type }).toEqual({ status: 200, type: ACCESS_TOKEN_TYPE });
    });

    it('is listed in the metadata and counted in the metrics', async () => {
      const metadata = await app.api('GET', '/.well-known/oauth-authorization-server');
      expect(metadata.body.grant_types_supported).toEqual(expect.arrayContaining(['urn:ietf:params:oauth:grant-type:jwt-bearer', TOKEN_EXCHANGE]));
      const metrics = await (await app.fetch('/metrics')).text();
      expect(metrics).toMatch(/token_issuer_logins_total\{grant="token-exchange",outcome="success"\} [1-9]/);
      expect(metrics).toMatch(/token_issuer_logins_total\{grant="token-exchange",outcome="invalid_scope"\} [1-9]/);
    });
  });

  describe('lifetime', () => {
    it('never outlives the subject token', async () => {
      const subjectExp = Math.floor(Date.now() / 1000) + 60;
      const response = await exchange({ subject_token: mint(kari, subjectExp), scope: `assume:party:${org}` });
      expect(response.status).toBe(200);
      expect(response.body.expires_in).toBeLessThanOrEqual(60);
      expect(response.body.expires_in).toBeGreaterThan(55);
      const claims = decodeJwt(response.body.access_token);
      expect(claims.exp).toBeLessThanOrEqual(subjectExp);
      expect(claims.exp - claims.iat).toBe(response.body.expires_in);
    });

    it('gives the full access-token lifetime when the subject lasts longer', async () => {
      const response = await exchange({ subject_token: mint(kari, Math.floor(Date.now() / 1000) + 7200), scope: `assume:party:${org}` });
      expect(response.body.expires_in).toBe(3600);
    });

    it.each([
      ['just expired (within the codec leeway)', -1],
      ['expiring this second', 0],
      ['long expired', -3600],
    ])('refuses a subject token %s with invalid_request', async (_name, offset) => {
      const response = await exchange({ subject_token: mint(kari, Math.floor(Date.now() / 1000) + offset), scope: `assume:party:${org}` });
      expectOAuthError(response, 400, 'invalid_request', INVALID_SUBJECT);
    });
  });

  describe('refusals', () => {
    // Each builds its form when run, when the ids and tokens exist.
    const cases: [string, () => Record<string, string | undefined> | Promise<Record<string, string | undefined>>, number, string, string][] = [
      ["another company's party", () => ({ scope: `assume:party:${otherOrg}` }), 400, 'invalid_target', NOT_ACTING],
      ['a party that does not exist', () => ({ scope: 'assume:party:99999999' }), 400, 'invalid_target', NOT_ACTING],
      ['the largest safe integer as party id', () => ({ scope: `assume:party:${Number.MAX_SAFE_INTEGER}` }), 400, 'invalid_target', NOT_ACTING],
      ['an inactive party she is a member of', () => ({ scope: `assume:party:${retired}` }), 400, 'invalid_target', NOT_ACTING],
      ['no scope', () => ({ scope: undefined }), 400, 'invalid_scope', ASSUME_FORM],
      ['an empty scope', () => ({ scope: '' }), 400, 'invalid_scope', ASSUME_FORM],
      ['a scope without assume:party', () => ({ scope: 'manage:auth manage:data' }), 400, 'invalid_scope', ASSUME_FORM],
      ['a party id with a leading zero', () => ({ scope: `assume:party:0${org}` }), 400, 'invalid_scope', ASSUME_FORM],
      ['a party id that is not a number', () => ({ scope: 'assume:party:testkraft' }), 400, 'invalid_scope', ASSUME_FORM],
      ['a party id beyond the safe integers', () => ({ scope: 'assume:party:9007199254740993' }), 400, 'invalid_scope', ASSUME_FORM],
      ['a business id instead of the party id', () => ({ scope: 'assume:party:no:party:org:123456789' }), 400, 'invalid_scope', ASSUME_FORM],
      ['two assume:party scopes', () => ({ scope: `assume:party:${org} assume:party:${sp}` }), 400, 'invalid_scope', ASSUME_FORM],
      ['the same assume:party twice', () => ({ scope: `assume:party:${org} assume:party:${org}` }), 400, 'invalid_scope', ASSUME_FORM],
      ['a malformed narrowing scope', () => ({ scope: `assume:party:${org} write:data` }), 400, 'invalid_scope', 'The scope parameter is malformed'],
      ['doubled spaces in the scope', () => ({ scope: `assume:party:${org}  read:data` }), 400, 'invalid_scope', 'The scope parameter is malformed'],
      ['no subject_token', () => ({ subject_token: undefined, scope: `assume:party:${org}` }), 400, 'invalid_request', 'The subject_token parameter is required'],
      ['an empty subject_token', () => ({ subject_token: '', scope: `assume:party:${org}` }), 400, 'invalid_request', 'The subject_token parameter is required'],
      ['no subject_token_type', () => ({ subject_token_type: undefined, scope: `assume:party:${org}` }), 400, 'invalid_request', 'The subject_token_type parameter is required'],
      ['subject_token_type jwt', () => ({ subject_token_type: JWT_TOKEN_TYPE, scope: `assume:party:${org}` }), 400, 'invalid_request', `The subject_token_type is not supported: use ${ACCESS_TOKEN_TYPE}`],
      ['subject_token_type id_token', () => ({ subject_token_type: 'urn:ietf:params:oauth:token-type:id_token', scope: `assume:party:${org}` }), 400, 'invalid_request', `The subject_token_type is not supported: use ${ACCESS_TOKEN_TYPE}`],
      ["the operator's JWT access token as subject", () => ({ subject_token: operatorToken, scope: `assume:party:${operatorParty}` }), 400, 'invalid_request', INVALID_SUBJECT],
      ['an exchanged access token as subject', async () => ({ subject_token: await exchanged({ scope: `assume:party:${org}` }), scope: `assume:party:${org}` }), 400, 'invalid_request', INVALID_SUBJECT],
      ['a tampered registrant token', () => ({ subject_token: kariToken.slice(0, 30) + (kariToken[30] === 'A' ? 'B' : 'A') + kariToken.slice(31), scope: `assume:party:${org}` }), 400, 'invalid_request', INVALID_SUBJECT],
      ['garbage as subject', () => ({ subject_token: 'not a token at all', scope: `assume:party:${org}` }), 400, 'invalid_request', INVALID_SUBJECT],
      ['a registrant token of another secret', () => ({ subject_token: new AesTokenCodec('another secret of at least thirty-two bytes!!').encode({ ...codec.decode(kariToken)!, jti: randomUUID() }), scope: `assume:party:${org}` }), 400, 'invalid_request', INVALID_SUBJECT],
      ['an actor_token', () => ({ actor_token: kariToken, actor_token_type: ACCESS_TOKEN_TYPE, scope: `assume:party:${org}` }), 400, 'invalid_request', 'Delegation is not supported: actor_token must not be sent'],
      ['an actor_token_type alone', () => ({ actor_token_type: ACCESS_TOKEN_TYPE, scope: `assume:party:${org}` }), 400, 'invalid_request', 'Delegation is not supported: actor_token must not be sent'],
      ['a refresh token requested', () => ({ requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token', scope: `assume:party:${org}` }), 400, 'invalid_request', `The requested_token_type is not supported: use ${ACCESS_TOKEN_TYPE} or ${JWT_TOKEN_TYPE}`],
      ['another audience', () => ({ audience: 'https://other.test', scope: `assume:party:${org}` }), 400, 'invalid_target', `The audience must be ${PUBLIC_URL}, the only audience of the tokens issued here`],
      ['another resource', () => ({ resource: `${PUBLIC_URL}/data`, scope: `assume:party:${org}` }), 400, 'invalid_target', `The resource must be ${PUBLIC_URL}, the only audience of the tokens issued here`],
    ];

    it.each(cases)('refuses %s', async (_name, form, status, error, description) => {
      expectOAuthError(await exchange(await form()), status, error, description);
    });

    it('refuses a repeated parameter and writes nothing for any refusal', async () => {
      const before = await app.query('SELECT count(*)::int AS n FROM audit_events');
      const body = new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token: kariToken, subject_token_type: ACCESS_TOKEN_TYPE, scope: `assume:party:${org}` });
      body.append('audience', PUBLIC_URL);
      body.append('audience', PUBLIC_URL);
      const response = await app.fetch('/auth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
      expectOAuthError({ status: response.status, headers: response.headers, body: await response.json() }, 400, 'invalid_request', 'The parameter audience is repeated');
      expect(await app.query('SELECT count(*)::int AS n FROM audit_events')).toEqual(before);
    });

    it('refuses the token of a person whose entity was deactivated', async () => {
      await person('Ola Nordmann', 'ola@testkraft.test');
      const ola = (await app.query<{ id: number }>("SELECT id FROM entities WHERE business_id = 'ola@testkraft.test'"))[0].id;
      await app.adminCreate('/admin/party-memberships', { entity_id: ola, party_id: org, scopes: ['manage:auth'] });
      const olaToken = await registrantLogin('ola@testkraft.test');
      expect((await exchange({ subject_token: olaToken, scope: `assume:party:${org}` })).status).toBe(200);
      expect((await app.api('POST', `/admin/entities/${ola}/deactivate`, operatorToken)).status).toBe(200);
      expectOAuthError(await exchange({ subject_token: olaToken, scope: `assume:party:${org}` }), 400, 'invalid_request', "The subject_token's entity is unknown or inactive");
    });

    it('refuses a forged token whose entity id and eid disagree', async () => {
      const forged = mint({ id: kari.id, eid: randomUUID() }, Math.floor(Date.now() / 1000) + 600);
      expectOAuthError(await exchange({ subject_token: forged, scope: `assume:party:${org}` }), 400, 'invalid_request', "The subject_token's entity is unknown or inactive");
      const unknown = mint({ id: 2_000_000_000, eid: randomUUID() }, Math.floor(Date.now() / 1000) + 600);
      expectOAuthError(await exchange({ subject_token: unknown, scope: `assume:party:${org}` }), 400, 'invalid_request', "The subject_token's entity is unknown or inactive");
    });
  });

  describe('revocation', () => {
    it('ends every token exchanged from a registrant token when that is revoked (logout)', async () => {
      const registrant = await registrantLogin('knor@testkraft.test');
      const first = await exchange({ subject_token: registrant, scope: `assume:party:${org}` });
      const second = await exchange({ subject_token: registrant, scope: `assume:party:${sp}` });
      for (const token of [first.body.access_token, second.body.access_token]) {
        expect((await app.api('GET', '/auth/userinfo', token)).status).toBe(200);
        expect((await introspect(token)).active).toBe(true);
      }

      expect((await revoke(registrant)).status).toBe(200);
      for (const token of [first.body.access_token, second.body.access_token]) {
        const userinfo = await app.api('GET', '/auth/userinfo', token);
        expect(userinfo.status).toBe(401);
        expect(userinfo.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
        expect(await introspect(token)).toEqual({ active: false });
        expect((await app.api('GET', '/admin/entity-clients', token)).status).toBe(401);
      }
      expectOAuthError(await exchange({ subject_token: registrant, scope: `assume:party:${org}` }), 400, 'invalid_request', INVALID_SUBJECT);
      // Other sessions of the same person are untouched.
      expect((await app.api('GET', '/auth/userinfo', await exchanged({ scope: `assume:party:${org}` }))).status).toBe(200);
    });

    it('revoking an exchanged token leaves its registrant token and siblings alive', async () => {
      const registrant = await registrantLogin('knor@testkraft.test');
      const one = await exchanged({ subject_token: registrant, scope: `assume:party:${org}` });
      const sibling = await exchanged({ subject_token: registrant, scope: `assume:party:${org}` });
      await revoke(one);
      expect((await app.api('GET', '/auth/userinfo', one)).status).toBe(401);
      expect((await app.api('GET', '/auth/userinfo', sibling)).status).toBe(200);
      expect((await app.api('GET', '/auth/userinfo', registrant)).status).toBe(200);
    });
  });

  describe('GET /auth/parties', () => {
    it("lists the parties Kari may act for, owned by others, with her scopes, sorted by owner then name", async () => {
      const response = await app.api('GET', '/auth/parties', kariToken);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.body).toEqual({
        parties: [
          { party_id: agderSp, party_name: 'Agder SP', type: 'service_provider', role: 'flex_service_provider', business_id: '7080000000005', business_id_type: 'gln', entity_id: agder, entity_name: 'Agder Energi AS', scope: 'use:data', owned: false },
          { party_id: org, party_name: 'Testkraft ORG', type: 'organisation', role: 'flex_organisation', business_id: '123456789', business_id_type: 'org', entity_id: testkraft, entity_name: 'Testkraft AS', scope: 'manage:auth manage:data', owned: false },
          { party_id: sp, party_name: 'Testkraft SP', type: 'service_provider', role: 'flex_service_provider', business_id: '1111111111116', business_id_type: 'gln', entity_id: testkraft, entity_name: 'Testkraft AS', scope: 'read:data', owned: false },
        ],
      });
      // Every listed party can be assumed with the scope listed.
      for (const party of response.body.parties) expect((await exchange({ scope: `assume:party:${party.party_id}` })).body.scope).toBe(party.scope);
    });

    it('answers the same to a token exchanged by her', async () => {
      const token = await exchanged({ scope: `assume:party:${sp}` });
      const [fromRegistrant, fromExchanged] = await Promise.all([app.api('GET', '/auth/parties', kariToken), app.api('GET', '/auth/parties', token)]);
      expect(fromExchanged.body).toEqual(fromRegistrant.body);
    });

    it("lists an org client's own active parties as owned, with the owner scopes", async () => {
      const token = await app.accessToken(await app.createClient(testkraft, ['read:data']));
      const response = await app.api('GET', '/auth/parties', token);
      expect(response.status).toBe(200);
      expect(response.body.parties.map((party: Record<string, unknown>) => [party.party_name, party.entity_name, party.scope, party.owned])).toEqual([
        ['Testkraft ORG', 'Testkraft AS', 'manage:auth manage:data', true],
        ['Testkraft SP', 'Testkraft AS', 'manage:auth manage:data', true],
      ]);
    });

    it('answers an empty list to a person with no parties', async () => {
      const lone = (await app.adminCreate('/admin/entities', { name: 'Per Alene', type: 'person', business_id: 'per@alene.test', business_id_type: 'email' })) as { id: number; eid: string };
      const response = await app.api('GET', '/auth/parties', mint(lone, Math.floor(Date.now() / 1000) + 600));
      expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: { parties: [] } });
    });

    it('answers 401 with the RFC 6750 challenge without a valid token', async () => {
      const none = await app.api('GET', '/auth/parties');
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="token-issuer"');
      const bad = await app.api('GET', '/auth/parties', 'not-a-token');
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer realm="token-issuer", error="invalid_token"/);
      const expired = await app.api('GET', '/auth/parties', mint(kari, Math.floor(Date.now() / 1000) - 60));
      expect(expired.status).toBe(401);
    });

    it('is documented in the OpenAPI document', async () => {
      const document = (await app.api('GET', '/docs/openapi.json')).body;
      expect(document.paths['/auth/parties'].get).toMatchObject({ security: [{ bearer: [] }], responses: { 200: expect.any(Object), 401: expect.any(Object) } });
    });
  });
});
