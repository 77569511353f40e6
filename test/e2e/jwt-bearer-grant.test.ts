import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { UNVERIFIED_ASSERTION } from '../../src/crypto/jwt-bearer-assertion.js';
import { decodeJwt, JWT_BEARER, PUBLIC_URL, signAssertion, TestApp, TOKEN_AUDIENCE, type TestClient } from '../support/test-app.js';

const GLN_SP = '1111111111116';
const GLN_SHARED = '5790000000005';

describe('POST /auth/token with the JWT-bearer grant', () => {
  let app: TestApp;
  let acme: { id: number; eid: string };
  let other: { id: number };
  let spParty: number;
  let brpParty: number;
  let sharedSp: number;
  let sharedBrp: number;
  let foreignParty: number;
  let memberParty: number;
  let client: TestClient;
  let otherClient: TestClient;

  beforeAll(async () => {
    app = await TestApp.start();
    acme = (await app.adminCreate('/admin/entities', { name: 'Acme AS', type: 'organisation', business_id: '987654321', business_id_type: 'org' })) as never;
    other = (await app.adminCreate('/admin/entities', { name: 'Other AS', type: 'organisation', business_id: '912345678', business_id_type: 'org' })) as never;
    const party = async (entityId: number, type: string, businessId: string, idType = 'gln') =>
      (await app.adminCreate('/admin/parties', { entity_id: entityId, name: `${type} ${businessId}`, type, business_id: businessId, business_id_type: idType })).id as number;
    spParty = await party(acme.id, 'service_provider', GLN_SP);
    brpParty = await party(acme.id, 'balance_responsible_party', '987654321', 'org');
    // The same GLN in two roles: `sub` without a type suffix is ambiguous.
    sharedSp = await party(acme.id, 'service_provider', GLN_SHARED);
    sharedBrp = await party(acme.id, 'balance_responsible_party', GLN_SHARED);
    foreignParty = await party(other.id, 'energy_supplier', '7080000000005');
    memberParty = await party(other.id, 'system_operator', '7080000000012');
    await app.adminCreate('/admin/party-memberships', { entity_id: acme.id, party_id: memberParty, scopes: ['read:data', 'use:auth'] });
    client = await app.createClient(acme.id, ['manage:auth', 'manage:data']);
    otherClient = await app.createClient(other.id, ['manage:data']);
  });
  afterAll(() => app.close());

  const tokenOf = async (response: Response) => {
    const body = (await response.json()) as Record<string, any>;
    expect(response.status).toBe(200);
    return { body, claims: decodeJwt(body.access_token) };
  };

  async function expectError(response: Response, error: string, description?: RegExp) {
    const body = (await response.json()) as Record<string, string>;
    expect({ status: response.status, error: body.error }).toEqual({ status: 400, error });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    if (description) expect(body.error_description).toMatch(description);
  }

  describe('each key type and audience form', () => {
    it.each(['ES256', 'RS256', 'PS256', 'EdDSA'] as const)('accepts an assertion signed with %s', async (alg) => {
      const algClient = await app.createClient(acme.id, ['read:data'], { alg });
      const { claims } = await tokenOf(await app.login(algClient, { sub: `no:party:gln:${GLN_SP}` }));
      expect(claims).toMatchObject({ client_id: algClient.clientId, party_id: spParty, scope: 'read:data' });
    });

    it.each([`${PUBLIC_URL}/auth`, `${PUBLIC_URL}/auth/`, TOKEN_AUDIENCE, `${TOKEN_AUDIENCE}/`])('accepts aud %s', async (aud) => {
      await tokenOf(await app.login(client, { aud }));
    });

    it('accepts aud as an array that contains the token endpoint', async () => {
      await tokenOf(await app.login(client, { aud: ['https://elsewhere.test', TOKEN_AUDIENCE] }));
    });

    it('accepts an assertion without kid when the client has a key for its alg', async () => {
      await tokenOf(await app.login({ ...client, kid: undefined }));
    });
  });

  describe('refuses each broken assertion with invalid_grant', () => {
    const now = () => Math.floor(Date.now() / 1000);

    it('a signature by a key that is not registered', async () => {
      const stranger = { ...client, privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };
      await expectError(await app.login(stranger), 'invalid_grant', /not signed by a registered key/);
    });

    it("another client's key, named by its kid", async () => {
      await expectError(await app.login({ ...otherClient, clientId: client.clientId }), 'invalid_grant', /kid/);
    });

    it("another client's key, without kid", async () => {
      await expectError(await app.login({ ...otherClient, clientId: client.clientId, kid: undefined }), 'invalid_grant', /not signed by a registered key/);
    });

    it('alg none', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ iss: client.clientId, aud: TOKEN_AUDIENCE, jti: randomUUID(), iat: now(), exp: now() + 60 })).toString('base64url');
      await expectError(await app.tokenRequest({ grant_type: JWT_BEARER, assertion: `${header}.${payload}.` }), 'invalid_grant', /none/);
      await expectError(await app.tokenRequest({ grant_type: JWT_BEARER, assertion: `${header}.${payload}.c2ln` }), 'invalid_grant', /none/);
    });

    it("HS256 with the client's public key as the HMAC secret", async () => {
      const publicPem = (await app.query<{ jwk: Record<string, unknown> }>('SELECT jwk FROM entity_client_keys WHERE client_id = $1', [client.clientId]))[0].jwk;
      const secret = JSON.stringify(publicPem);
      const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: client.kid })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ iss: client.clientId, aud: TOKEN_AUDIENCE, jti: randomUUID(), iat: now(), exp: now() + 60 })).toString('base64url');
      const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      await expectError(await app.tokenRequest({ grant_type: JWT_BEARER, assertion: `${header}.${payload}.${signature}` }), 'invalid_grant', /[Ss]ymmetric/);
    });

    it.each([
      ['expired', { iat: now() - 200, exp: now() - 100 }, /expired/],
      ['iat in the future', { iat: now() + 90, exp: now() + 150 }, /future/],
      ['a lifetime over 120 s', { iat: now(), exp: now() + 121 }, /lifetime/],
      ['exp before iat', { iat: now(), exp: now() - 1 }, /after its iat/],
      ['nbf in the future', { nbf: now() + 90 }, /nbf/],
      ['a wrong aud', { aud: 'https://other-issuer.test/auth/token' }, /aud/],
      ['an aud array without this endpoint', { aud: ['https://a.test', 'https://b.test'] }, /aud/],
      ['no aud', { aud: undefined }, /aud/],
      ['no jti', { jti: undefined }, /jti/],
      ['a non-string jti', { jti: 42 }, /jti/],
      ['exp as a string', { exp: String(now() + 60) }, /exp/],
      ['no iat', { iat: undefined }, /iat/],
      ['a malformed sub', { sub: 'party:1111111111116' }, /sub/],
    ])('%s', async (_name, claims, description) => {
      await expectError(await app.login(client, claims as Record<string, unknown>), 'invalid_grant', description);
    });

    it('a replayed jti, and writes the first use once', async () => {
      const assertion = await signAssertion(client);
      await tokenOf(await app.tokenRequest({ grant_type: JWT_BEARER, assertion }));
      await expectError(await app.tokenRequest({ grant_type: JWT_BEARER, assertion }), 'invalid_grant', /used already/);
      const jti = decodeJwt(assertion).jti;
      expect(await app.query('SELECT 1 FROM used_assertions WHERE client_id = $1 AND jti = $2', [client.clientId, jti])).toHaveLength(1);
    });

    it('the same assertion sent many times at once is accepted once (claims are batched: a replay inside one batch loses too)', async () => {
      const assertion = await signAssertion(client);
      const responses = await Promise.all(Array.from({ length: 24 }, () => app.tokenRequest({ grant_type: JWT_BEARER, assertion })));
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([200, ...Array(23).fill(400)]);
      for (const response of responses.filter((candidate) => candidate.status === 400)) expect(await response.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/used already/) });
    });

    it('many distinct assertions at once are all accepted, each jti stored', async () => {
      const assertions = await Promise.all(Array.from({ length: 40 }, () => signAssertion(client)));
      const responses = await Promise.all(assertions.map((assertion) => app.tokenRequest({ grant_type: JWT_BEARER, assertion })));
      expect(responses.map((response) => response.status)).toEqual(Array(40).fill(200));
      const jtis = assertions.map((assertion) => decodeJwt(assertion).jti);
      expect(await app.query('SELECT jti FROM used_assertions WHERE client_id = $1 AND jti = ANY($2)', [client.clientId, jtis])).toHaveLength(40);
    });

    it('a jti whose earlier use has expired may be used again, and the purge removes expired rows', async () => {
      const jti = `expired-${randomUUID()}`;
      await app.query("INSERT INTO used_assertions (client_id, jti, expires_at) VALUES ($1, $2, now() - interval '1 second')", [client.clientId, jti]);
      await tokenOf(await app.login(client, { jti }));
      const [row] = await app.query<{ live: boolean }>('SELECT expires_at > now() AS live FROM used_assertions WHERE jti = $1', [jti]);
      expect(row.live).toBe(true);
      await app.query("INSERT INTO used_assertions (client_id, jti, expires_at) VALUES ($1, $2, now() - interval '1 second')", [client.clientId, `stale-${jti}`]);
      const { ReplayStore } = await import('../../src/oauth/replay-store.js');
      expect(await app.app.get(ReplayStore).purgeExpired()).toBeGreaterThanOrEqual(1);
      expect(await app.query('SELECT 1 FROM used_assertions WHERE jti = $1', [`stale-${jti}`])).toHaveLength(0);
      expect(await app.query('SELECT 1 FROM used_assertions WHERE jti = $1', [jti])).toHaveLength(1);
    });

    it('an unknown client, an inactive one, and a key it does not have, all with one answer before the signature holds', async () => {
      const unverified = async (response: Response) => {
        const body = (await response.json()) as Record<string, string>;
        expect({ status: response.status, body }).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: UNVERIFIED_ASSERTION } });
      };
      const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      await unverified(await app.login({ ...client, clientId: randomUUID() }));
      await unverified(await app.login({ ...client, clientId: 'not-a-uuid' }));
      await unverified(await app.login({ ...client, privateKey: stranger }));
      await unverified(await app.login({ ...client, kid: 'no-such-kid' }));
      await unverified(await app.login({ ...client, alg: 'EdDSA', privateKey: generateKeyPairSync('ed25519').privateKey }));
      // An inactive client's status is told only to whoever signs with its key.
      const inactive = await app.createClient(acme.id, ['read:data']);
      await app.query('UPDATE entity_clients SET active = false WHERE client_id = $1', [inactive.clientId]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await unverified(await app.login({ ...inactive, privateKey: stranger }));
      await expectError(await app.login(inactive), 'invalid_grant', /inactive/);
    });

    it('requires kid once a client has more than one key, and checks one signature, not one per key', async () => {
      const twoKeys = await app.createClient(acme.id, ['read:data']);
      const second = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const operator = await app.accessToken(app.operator);
      const added = await app.api('POST', `/admin/entity-clients/${twoKeys.clientId}/keys`, operator, { public_key: second.publicKey.export({ type: 'spki', format: 'pem' }) });
      expect(added.status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const response = await app.login({ ...twoKeys, kid: undefined });
      expect(await response.json()).toEqual({ error: 'invalid_grant', error_description: UNVERIFIED_ASSERTION });
      await tokenOf(await app.login(twoKeys));
      await tokenOf(await app.login({ ...twoKeys, privateKey: second.privateKey, kid: added.body.kid }));
    });

    it('keeps a used jti a margin past the assertion, for clock skew between the service and Postgres', async () => {
      const jti = `skew-${randomUUID()}`;
      const exp = Math.floor(Date.now() / 1000) + 60;
      await tokenOf(await app.login(client, { jti, exp }));
      const [row] = await app.query<{ kept: number }>('SELECT extract(epoch FROM expires_at)::int AS kept FROM used_assertions WHERE jti = $1', [jti]);
      expect(row.kept).toBeGreaterThanOrEqual(exp + 30 + 60);
    });

    it('an inactive client, even when deactivated by hand in the database (within 1 s)', async () => {
      const inactive = await app.createClient(acme.id, ['read:data']);
      await tokenOf(await app.login(inactive));
      await app.query('UPDATE entity_clients SET active = false WHERE client_id = $1', [inactive.clientId]);
      // Cached clients are dropped when the change's NOTIFY arrives: the contract allows up to a second.
      const changed = Date.now();
      let response = await app.login(inactive);
      while (response.status === 200 && Date.now() - changed < 1000) response = await app.login(inactive);
      await expectError(response, 'invalid_grant', /inactive/);
    });

    it('an unknown party', async () => {
      await expectError(await app.login(client, { sub: 'no:party:gln:4000000000006' }), 'invalid_grant', /may not act/);
    });

    it('a party of another entity', async () => {
      await expectError(await app.login(client, { sub: 'no:party:gln:7080000000005' }), 'invalid_grant', /may not act/);
      expect(foreignParty).toBeGreaterThan(0);
    });

    it('an ambiguous party without the type suffix, and resolves it with one', async () => {
      await expectError(await app.login(client, { sub: `no:party:gln:${GLN_SHARED}` }), 'invalid_grant', /ambiguous.*balance_responsible_party, service_provider/);
      const sp = await tokenOf(await app.login(client, { sub: `no:party:gln:${GLN_SHARED}:service_provider` }));
      expect(sp.claims).toMatchObject({ party_id: sharedSp, role: 'flex_service_provider' });
      const brp = await tokenOf(await app.login(client, { sub: `no:party:gln:${GLN_SHARED}:balance_responsible_party` }));
      expect(brp.claims).toMatchObject({ party_id: sharedBrp, role: 'flex_balance_responsible_party' });
    });

    it('refused logins consume no jti', async () => {
      const jti = `refused-${randomUUID()}`;
      await expectError(await app.login(client, { jti, sub: 'no:party:gln:4000000000006' }), 'invalid_grant');
      expect(await app.query('SELECT 1 FROM used_assertions WHERE jti = $1', [jti])).toHaveLength(0);
    });
  });

  describe('parties, roles and scopes', () => {
    it('gives an entity-level token when sub is absent', async () => {
      const { body, claims } = await tokenOf(await app.login(client));
      expect(claims).toMatchObject({ entity_id: acme.id, eid: acme.eid, sub: acme.eid, role: 'flex_entity', scope: 'manage:auth manage:data' });
      expect(claims).not.toHaveProperty('party_id');
      const userinfo = await app.api('GET', '/auth/userinfo', body.access_token);
      expect(userinfo.body).toEqual({ sub: acme.eid, current_role: 'flex_entity', entity_id: acme.id, entity_name: 'Acme AS' });
    });

    it('acts for an owned party with the owner scopes intersected with the client scopes', async () => {
      const narrow = await app.createClient(acme.id, ['read:data:party', 'manage:registrant']);
      const { claims } = await tokenOf(await app.login(narrow, { sub: 'no:party:org:987654321' }));
      expect(claims).toMatchObject({ party_id: brpParty, role: 'flex_balance_responsible_party', scope: 'read:data:party' });
    });

    it("acts for a member party with the membership's scopes", async () => {
      const { claims } = await tokenOf(await app.login(client, { sub: 'no:party:gln:7080000000012' }));
      expect(claims).toMatchObject({ party_id: memberParty, role: 'flex_system_operator', scope: 'read:data use:auth' });
    });

    it('down-scopes to the requested scope', async () => {
      const { body, claims } = await tokenOf(await app.login(client, { sub: `no:party:gln:${GLN_SP}` }, { scope: 'read:data:party use:auth' }));
      expect(claims.scope).toBe('read:data:party use:auth');
      expect(body.scope).toBe('read:data:party use:auth');
    });

    it('refuses a requested scope beyond what the client holds for the party', async () => {
      await expectError(await app.login(client, { sub: 'no:party:gln:7080000000012' }, { scope: 'manage:data' }), 'invalid_scope');
      await expectError(await app.login(client, {}, { scope: 'manage:registrant' }), 'invalid_scope');
    });

    it('refuses a malformed scope', async () => {
      await expectError(await app.login(client, {}, { scope: 'write:data' }), 'invalid_scope', /malformed/);
      await expectError(await app.login(client, {}, { scope: 'read:data  use:auth' }), 'invalid_scope', /malformed/);
    });

    it('refuses a party where the client and the entity share no scope', async () => {
      const registrantOnly = await app.createClient(acme.id, ['manage:registrant']);
      await expectError(await app.login(registrantOnly, { sub: `no:party:gln:${GLN_SP}` }), 'invalid_scope', /no scope/);
    });

    it('a fixed-party client acts for its party without sub, and only for it', async () => {
      const fixed = await app.createClient(acme.id, ['read:data'], { partyId: spParty });
      expect((await tokenOf(await app.login(fixed))).claims).toMatchObject({ party_id: spParty, role: 'flex_service_provider' });
      expect((await tokenOf(await app.login(fixed, { sub: `no:party:gln:${GLN_SP}` }))).claims.party_id).toBe(spParty);
      await expectError(await app.login(fixed, { sub: 'no:party:org:987654321' }), 'invalid_grant', /fixed party/);
    });
  });

  describe('request rules', () => {
    it('requires grant_type', async () => {
      await expectError(await app.tokenRequest({ assertion: 'x' }), 'invalid_request', /grant_type/);
    });

    it('refuses an unknown grant_type', async () => {
      await expectError(await app.tokenRequest({ grant_type: 'urn:example:no-such-grant' }), 'unsupported_grant_type');
    });

    it('requires the assertion', async () => {
      await expectError(await app.tokenRequest({ grant_type: JWT_BEARER }), 'invalid_request', /assertion/);
    });

    it('refuses repeated parameters', async () => {
      const assertion = await signAssertion(client);
      const response = await app.fetch('/auth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=${encodeURIComponent(JWT_BEARER)}&assertion=${assertion}&assertion=${assertion}`,
      });
      await expectError(response, 'invalid_request', /repeated/);
    });

    it('refuses JSON where a form is expected', async () => {
      const response = await app.fetch('/auth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: JWT_BEARER, assertion: await signAssertion(client) }),
      });
      await expectError(response, 'invalid_request', /x-www-form-urlencoded/);
    });

    it('refuses a media type it does not read with 415 in the OAuth error shape', async () => {
      const response = await app.fetch('/auth/token', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: 'abc' });
      expect(response.status).toBe(415);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    });

    it('answers a body over the limit with 413 in the OAuth error shape', async () => {
      const response = await app.fetch('/auth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=${encodeURIComponent(JWT_BEARER)}&assertion=${'a'.repeat(70 * 1024)}`,
      });
      const body = (await response.json()) as Record<string, string>;
      expect(response.status).toBe(413);
      expect(body.error).toBe('invalid_request');
    });

    it('refuses an assertion that is not a JWS', async () => {
      await expectError(await app.tokenRequest({ grant_type: JWT_BEARER, assertion: 'not.a.jwt' }), 'invalid_grant');
      await expectError(await app.tokenRequest({ grant_type: JWT_BEARER, assertion: 'a.b.c.d.e' }), 'invalid_grant', /compact/);
    });

    it('refuses an assertion signed with a jwk header', async () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const assertion = await new SignJWT({ iss: client.clientId, aud: TOKEN_AUDIENCE, jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES256', jwk: publicKey.export({ format: 'jwk' }) as never })
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(privateKey);
      await expectError(await app.tokenRequest({ grant_type: JWT_BEARER, assertion }), 'invalid_grant', /"jwk"/);
    });
  });
});
