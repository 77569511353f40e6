import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { createDpopProof } from '../../src/crypto/dpop-proof.js';
import { DpopNonces } from '../../src/crypto/dpop-nonce.js';
import { decodeJwt, JWT_BEARER, PUBLIC_URL, signAssertion, TEST_PASSWORDS, TEST_TOKEN_SECRET, TestApp } from '../support/test-app.js';

const PASSWORD = TEST_PASSWORDS[0];
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
type Answer = { status: number; headers: Headers; body: any };

function jktOf(key: KeyObject): string {
  const { crv, kty, x, y } = key.export({ format: 'jwk' });
  return createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
}

/** DPoP (RFC 9449): tokens bound to a key the client proves with every request, at the token endpoint and at every resource of ours. */
describe('DPoP-bound tokens', () => {
  let app: TestApp;
  let company: number;
  let sp: number;
  let secretClient: { id: string; secret: string };
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const basic = (client: { id: string; secret: string }) => `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
  const proof = (method: string, path: string, options: { accessToken?: string; now?: number; nonce?: string; key?: KeyObject } = {}) =>
    createDpopProof(options.key ?? key, { method, url: `${PUBLIC_URL}${path}`, ...options });

  async function answer(response: Response): Promise<Answer> {
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  }
  async function tokenRequest(target: TestApp, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    return answer(await target.fetch('/auth/token', { method: 'POST', headers: { ...FORM, ...headers }, body: new URLSearchParams(form).toString() }));
  }
  async function clientCredentials(headers: Record<string, string> = {}, client = secretClient): Promise<Answer> {
    return tokenRequest(app, { grant_type: 'client_credentials' }, { authorization: basic(client), ...headers });
  }
  async function dpopToken(): Promise<string> {
    const issued = await clientCredentials({ dpop: proof('POST', '/auth/token') });
    expect(issued.status).toBe(200);
    return issued.body.access_token;
  }
  async function call(path: string, authorization: string, dpop?: string | string[], method = 'GET', body?: string): Promise<Answer> {
    const headers = new Headers({ authorization });
    for (const value of dpop === undefined ? [] : [dpop].flat()) headers.append('dpop', value);
    if (body !== undefined) headers.set('content-type', FORM['content-type']);
    return answer(await app.fetch(path, { method, headers, body }));
  }

  beforeAll(async () => {
    app = await TestApp.start();
    company = (await app.adminCreate('/admin/entities', { name: 'Dpop AS', type: 'organisation', business_id: '915151515', business_id_type: 'org' })).id;
    sp = (await app.adminCreate('/admin/parties', { entity_id: company, name: 'Dpop SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' })).id;
    const made = await app.adminCreate('/admin/entity-clients', { entity_id: company, name: 'spa', scopes: ['read:data', 'use:auth:introspect'], party_id: sp, token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials', 'password'] });
    secretClient = { id: made.client_id, secret: made.client_secret };
  });
  afterAll(() => app.close());

  it('binds a client_credentials token to the proof key: token_type DPoP and cnf.jkt, described so by introspection', async () => {
    const issued = await clientCredentials({ dpop: proof('POST', '/auth/token') });
    expect(issued.status).toBe(200);
    expect(issued.body.token_type).toBe('DPoP');
    expect(decodeJwt(issued.body.access_token).cnf).toEqual({ jkt: jktOf(key) });
    const described = await answer(await app.fetch('/auth/introspect', { method: 'POST', headers: { ...FORM, authorization: basic(secretClient) }, body: new URLSearchParams({ token: issued.body.access_token }).toString() }));
    expect(described.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: jktOf(key) } });
    // Without a proof the same client gets a bearer token, which introspection says is one.
    const bearer = await clientCredentials();
    expect(bearer.body.token_type).toBe('Bearer');
    expect(decodeJwt(bearer.body.access_token).cnf).toBeUndefined();
  });

  it('binds the JWT-bearer, password and token-exchange grants the same way', async () => {
    const jwtBearer = await tokenRequest(app, { grant_type: JWT_BEARER, assertion: await signAssertion(app.operator) }, { dpop: proof('POST', '/auth/token') });
    expect(jwtBearer.body).toMatchObject({ token_type: 'DPoP' });
    expect(decodeJwt(jwtBearer.body.access_token).cnf).toEqual({ jkt: jktOf(key) });
    // The operator's DPoP-bound token works on the admin API with its proof, and not as a bearer token.
    const operatorToken = jwtBearer.body.access_token;
    expect((await call('/admin/entities', `DPoP ${operatorToken}`, proof('GET', '/admin/entities', { accessToken: operatorToken }))).status).toBe(200);
    expect((await call('/admin/entities', `Bearer ${operatorToken}`)).status).toBe(401);

    const bearerOperator = await app.accessToken(app.operator);
    const person = await app.adminCreate('/admin/entities', { name: 'Kari Dpop', type: 'person', business_id: 'kari@dpop.test', business_id_type: 'email' });
    await app.adminCreate('/admin/party-memberships', { entity_id: person.id, party_id: sp, scopes: ['read:data'] });
    expect((await app.api('PUT', `/admin/entities/${person.id}/credentials`, bearerOperator, { username: 'kari@dpop.test', password: PASSWORD })).status).toBe(204);
    const password = await tokenRequest(app, { grant_type: 'password', username: 'kari@dpop.test', password: PASSWORD }, { authorization: basic(secretClient), dpop: proof('POST', '/auth/token') });
    expect(password.body).toMatchObject({ token_type: 'DPoP' });
    expect(decodeJwt(password.body.access_token).cnf).toEqual({ jkt: jktOf(key) });

    const registrant = await answer(await app.fetch('/api/v1/registrant/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'kari@dpop.test', password: PASSWORD }) }));
    const exchanged = await tokenRequest(app, {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: registrant.body.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', scope: `assume:party:${sp}`,
    }, { dpop: proof('POST', '/auth/token', { key: otherKey }) });
    expect(exchanged.body).toMatchObject({ token_type: 'DPoP' });
    expect(decodeJwt(exchanged.body.access_token).cnf).toEqual({ jkt: jktOf(otherKey) });
    const parties = await call('/auth/parties', `DPoP ${exchanged.body.access_token}`, proof('GET', '/auth/parties', { key: otherKey, accessToken: exchanged.body.access_token }));
    expect(parties.status).toBe(200);
  });

  it('serves userinfo, the data API and an introspecting caller to the key holder with a fresh proof each time', async () => {
    const token = await dpopToken();
    const userinfo = await call('/auth/userinfo', `DPoP ${token}`, proof('GET', '/auth/userinfo', { accessToken: token }));
    expect(userinfo.status).toBe(200);
    expect(userinfo.headers.get('dpop-nonce')).toBeNull(); // nonces are off here
    expect((await call(`/data/party/${sp}`, `DPoP ${token}`, proof('GET', `/data/party/${sp}`, { accessToken: token }))).body).toMatchObject({ id: sp });
    const introspection = await call('/auth/introspect', `DPoP ${token}`, proof('POST', '/auth/introspect', { accessToken: token }), 'POST', new URLSearchParams({ token }).toString());
    expect(introspection.body).toMatchObject({ active: true, cnf: { jkt: jktOf(key) } });
  });

  describe('refusals at the resource (RFC 9449 §7, each 401 with a DPoP challenge)', () => {
    let token: string;
    beforeAll(async () => {
      token = await dpopToken();
    });
    const expectDpopRefusal = (refused: Answer, error: string) => {
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe(error);
      expect(refused.headers.get('www-authenticate')).toMatch(new RegExp(`^DPoP realm="token-issuer", algs="RS256 PS256 ES256 EdDSA", error="${error}"`));
    };

    it('refuses a DPoP-bound token sent as a bearer token: invalid_token', async () => {
      expectDpopRefusal(await call('/auth/userinfo', `Bearer ${token}`), 'invalid_token');
      expectDpopRefusal(await call('/auth/userinfo', `Bearer ${token}`, proof('GET', '/auth/userinfo', { accessToken: token })), 'invalid_token');
    });

    it('refuses the DPoP scheme without a proof, with two proofs, and for a bearer token', async () => {
      expectDpopRefusal(await call('/auth/userinfo', `DPoP ${token}`), 'invalid_dpop_proof');
      const twice = await call('/auth/userinfo', `DPoP ${token}`, [proof('GET', '/auth/userinfo', { accessToken: token }), proof('GET', '/auth/userinfo', { accessToken: token })]);
      expectDpopRefusal(twice, 'invalid_dpop_proof');
      const bearer = (await clientCredentials()).body.access_token;
      expectDpopRefusal(await call('/auth/userinfo', `DPoP ${bearer}`, proof('GET', '/auth/userinfo', { accessToken: bearer })), 'invalid_token');
    });

    it.each([
      ['the wrong htm', () => proof('POST', '/auth/userinfo', { accessToken: token }), /htm/],
      ['the wrong htu', () => proof('GET', '/auth/parties', { accessToken: token }), /htu/],
      ['an old iat', () => proof('GET', '/auth/userinfo', { accessToken: token, now: Math.floor(Date.now() / 1000) - 300 }), /iat/],
      ['a wrong ath', () => proof('GET', '/auth/userinfo', { accessToken: `${token}x` }), /ath/],
      ['no ath', () => proof('GET', '/auth/userinfo'), /ath/],
      ['another key', () => proof('GET', '/auth/userinfo', { accessToken: token, key: otherKey }), /not signed by the key the token is bound to/],
    ])('refuses a proof with %s: invalid_dpop_proof', async (_case, made, description) => {
      const refused = await call('/auth/userinfo', `DPoP ${token}`, made());
      expectDpopRefusal(refused, 'invalid_dpop_proof');
      expect(refused.body.error_description).toMatch(description);
    });

    it('refuses a proof used before (its jti), a private key in jwk, alg none and HS256', async () => {
      const once = proof('GET', '/auth/userinfo', { accessToken: token });
      expect((await call('/auth/userinfo', `DPoP ${token}`, once)).status).toBe(200);
      expectDpopRefusal(await call('/auth/userinfo', `DPoP ${token}`, once), 'invalid_dpop_proof');

      const claims = { jti: 'abuse-1', htm: 'GET', htu: `${PUBLIC_URL}/auth/userinfo`, iat: Math.floor(Date.now() / 1000), ath: createHash('sha256').update(token).digest('base64url') };
      const withPrivate = await new SignJWT(claims).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.export({ format: 'jwk' }) } as never).sign(key);
      expect((await call('/auth/userinfo', `DPoP ${token}`, withPrivate)).body.error_description).toMatch(/private key/);
      const [header, payload] = proof('GET', '/auth/userinfo', { accessToken: token }).split('.');
      const none = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header, 'base64url').toString()), alg: 'none' })).toString('base64url')}.${payload}.`;
      expectDpopRefusal(await call('/auth/userinfo', `DPoP ${token}`, none), 'invalid_dpop_proof');
      const hs = await new SignJWT(claims).setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: 'c2VjcmV0' } } as never).sign(new TextEncoder().encode('secret'));
      expectDpopRefusal(await call('/auth/userinfo', `DPoP ${token}`, hs), 'invalid_dpop_proof');
    });
  });

  describe('refusals at the token endpoint (RFC 9449 §5: 400, nothing issued)', () => {
    it.each([
      ['the wrong htm', () => proof('GET', '/auth/token')],
      ['the wrong htu', () => proof('POST', '/auth/userinfo')],
      ['an old iat', () => proof('POST', '/auth/token', { now: Math.floor(Date.now() / 1000) - 120 })],
      ['garbage', () => 'not-a-proof'],
    ])('refuses a proof with %s: invalid_dpop_proof', async (_case, made) => {
      const refused = await clientCredentials({ dpop: made() });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('invalid_dpop_proof');
      expect(refused.body.access_token).toBeUndefined();
    });

    it('refuses a proof used before, and a DPoP-bound client without a proof: invalid_request', async () => {
      const once = proof('POST', '/auth/token');
      expect((await clientCredentials({ dpop: once })).status).toBe(200);
      expect((await clientCredentials({ dpop: once })).body.error).toBe('invalid_dpop_proof');

      const made = await app.adminCreate('/admin/entity-clients', { entity_id: company, name: 'must bind', scopes: ['read:data'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], dpop_bound_access_tokens: true });
      const bound = { id: made.client_id, secret: made.client_secret };
      const without = await clientCredentials({}, bound);
      expect(without.status).toBe(400);
      expect(without.body).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/DPoP proof/) });
      expect((await clientCredentials({ dpop: proof('POST', '/auth/token') }, bound)).body.token_type).toBe('DPoP');
    });
  });

  it('refuses a DPoP-bound partner token at the eID login, which takes bearer tokens only', async () => {
    const made = await app.adminCreate('/admin/entity-clients', { entity_id: company, name: 'eid partner', scopes: ['use:registrant:eid'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
    const partner = { id: made.client_id, secret: made.client_secret };
    const login = (token: string) => app.fetch('/api/v1/registrant/auth/token', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ ident: '38001085718', first_name: 'Jaan', last_name: 'Tamm' }) }).then(answer);
    const bound = (await clientCredentials({ dpop: proof('POST', '/auth/token') }, partner)).body.access_token;
    expect(await login(bound)).toMatchObject({ status: 401, body: { errors: [{ base: ['Not authorized'] }] } });
    expect((await login((await clientCredentials({}, partner)).body.access_token)).status).toBe(201);
  });

  it('keeps a proof single use across replicas sharing the database', async () => {
    const replica = await TestApp.start({ restartOf: app });
    try {
      const once = proof('POST', '/auth/token');
      expect((await tokenRequest(replica, { grant_type: 'client_credentials' }, { authorization: basic(secretClient), dpop: once })).status).toBe(200);
      const replayed = await clientCredentials({ dpop: once });
      expect(replayed).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof', error_description: expect.stringMatching(/used already/) } });
    } finally {
      await replica.close();
    }
  });

  describe('with server nonces (DPOP_NONCE=true)', () => {
    let nonced: TestApp;
    let client: { id: string; secret: string };
    beforeAll(async () => {
      nonced = await TestApp.start({ env: { DPOP_NONCE: 'true' } });
      const entity = (await nonced.adminCreate('/admin/entities', { name: 'Nonce AS', type: 'organisation', business_id: '916161616', business_id_type: 'org' })).id;
      const made = await nonced.adminCreate('/admin/entity-clients', { entity_id: entity, name: 'nonced', scopes: ['read:data'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
      client = { id: made.client_id, secret: made.client_secret };
    });
    afterAll(() => nonced.close());

    it('asks for a nonce at the token endpoint (400 use_dpop_nonce with DPoP-Nonce), then issues with it', async () => {
      const first = await tokenRequest(nonced, { grant_type: 'client_credentials' }, { authorization: basic(client), dpop: proof('POST', '/auth/token') });
      expect(first.status).toBe(400);
      expect(first.body.error).toBe('use_dpop_nonce');
      const nonce = first.headers.get('dpop-nonce')!;
      expect(nonce).toBe(new DpopNonces(TEST_TOKEN_SECRET).current());
      const stranger = new DpopNonces('x'.repeat(48)).current();
      expect((await tokenRequest(nonced, { grant_type: 'client_credentials' }, { authorization: basic(client), dpop: proof('POST', '/auth/token', { nonce: stranger }) })).body.error).toBe('use_dpop_nonce');
      const second = await tokenRequest(nonced, { grant_type: 'client_credentials' }, { authorization: basic(client), dpop: proof('POST', '/auth/token', { nonce }) });
      expect(second.status).toBe(200);
      expect(second.headers.get('dpop-nonce')).toBe(nonce);

      const token = second.body.access_token;
      const resource = (dpop: string) => nonced.fetch('/auth/userinfo', { headers: { authorization: `DPoP ${token}`, dpop } }).then(answer);
      const refused = await resource(proof('GET', '/auth/userinfo', { accessToken: token }));
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^DPoP .*error="use_dpop_nonce"/);
      expect(refused.headers.get('dpop-nonce')).toBe(nonce);
      const served = await resource(proof('GET', '/auth/userinfo', { accessToken: token, nonce }));
      expect(served.status).toBe(200);
      expect(served.headers.get('dpop-nonce')).toBe(nonce);
    });
  });

  it('publishes the DPoP algorithms', async () => {
    const metadata = (await app.api('GET', '/.well-known/oauth-authorization-server')).body;
    expect(metadata.dpop_signing_alg_values_supported).toEqual(['RS256', 'PS256', 'ES256', 'EdDSA']);
    // Without TLS or trusted proxies no client can present a certificate: the mTLS methods are not offered.
    expect(metadata.token_endpoint_auth_methods_supported).not.toContain('tls_client_auth');
    expect(metadata.tls_client_certificate_bound_access_tokens).toBeUndefined();
  });
});
