import { createLocalJWKSet, importJWK, jwtVerify, SignJWT } from 'jose';
import { generateSigningJwk } from '../../src/crypto/signing-key-ring.js';
import { decodeJwt, PUBLIC_URL, signAssertion, TestApp } from '../support/test-app.js';

describe('userinfo, the data API and discovery', () => {
  let app: TestApp;
  let ownParty: number;
  let hiddenParty: number;
  let token: string;
  let narrowToken: string;

  beforeAll(async () => {
    app = await TestApp.start();
    const entity = (await app.adminCreate('/admin/entities', { name: 'Flex AS', type: 'organisation', business_id: '967890123', business_id_type: 'org' })).id;
    const stranger = (await app.adminCreate('/admin/entities', { name: 'Stranger AS', type: 'organisation', business_id: '978901234', business_id_type: 'org' })).id;
    ownParty = (await app.adminCreate('/admin/parties', { entity_id: entity, name: 'Flex SP', type: 'service_provider', business_id: '5790000000005', business_id_type: 'gln' })).id;
    hiddenParty = (await app.adminCreate('/admin/parties', { entity_id: stranger, name: 'Stranger SP', type: 'service_provider', business_id: '7080000000005', business_id_type: 'gln' })).id;
    const client = await app.createClient(entity, ['manage:data', 'use:auth']);
    token = await app.accessToken(client, { sub: 'no:party:gln:5790000000005' });
    narrowToken = await app.accessToken(client, { sub: 'no:party:gln:5790000000005' }, { scope: 'use:auth' });
  });
  afterAll(() => app.close());

  describe('bearer token errors (RFC 6750)', () => {
    it('answers a request without credentials with 401 and a challenge without an error code', async () => {
      for (const path of ['/auth/userinfo', `/data/party/${ownParty}`]) {
        const response = await app.api('GET', path);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="token-issuer"');
      }
    });

    it.each([
      ['a random string', 'abc.def.ghi'],
      ['a tampered token', 'TAMPER'],
      ['a token signed by a key this issuer does not have', 'OTHER'],
    ])('answers %s with 401 invalid_token', async (_name, kind) => {
      const bad = kind === 'TAMPER' ? `${token.slice(0, -4)}AAAA` : kind === 'OTHER' ? await otherIssuerToken() : kind;
      const response = await app.api('GET', '/auth/userinfo', bad);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="token-issuer", error="invalid_token"/);
      expect(response.body.error).toBe('invalid_token');
    });

    it('answers a malformed Authorization header with 400 invalid_request', async () => {
      const response = await app.fetch('/auth/userinfo', { headers: { authorization: 'Bearer a b' } });
      expect(response.status).toBe(400);
      expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_request"/);
    });

    it('refuses an assertion-shaped token signed by a client (only our tokens count)', async () => {
      const response = await app.api('GET', '/auth/userinfo', await signAssertion(app.operator));
      expect(response.status).toBe(401);
    });
  });

  describe('GET /data/party/{id}', () => {
    it('returns a party the caller owns', async () => {
      const response = await app.api('GET', `/data/party/${ownParty}`, token);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: ownParty, name: 'Flex SP', role: 'flex_service_provider' });
    });

    it('answers 404 for a party of another entity, an unknown id and a non-numeric id', async () => {
      for (const id of [String(hiddenParty), '987654', 'abc', '1e3', '99999999999']) {
        const response = await app.api('GET', `/data/party/${id}`, token);
        expect({ id, status: response.status }).toEqual({ id, status: 404 });
      }
    });

    it('lets the operator read any party', async () => {
      const operator = await app.accessToken(app.operator);
      expect((await app.api('GET', `/data/party/${hiddenParty}`, operator)).status).toBe(200);
    });

    it('answers 403 insufficient_scope without read:data:party', async () => {
      const response = await app.api('GET', `/data/party/${ownParty}`, narrowToken);
      expect(response.status).toBe(403);
      expect(response.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="read:data:party"/);
    });
  });

  describe('discovery', () => {
    it('publishes the signing keys at /auth/jwks with a max-age, and they verify issued tokens', async () => {
      const response = await app.fetch('/auth/jwks');
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toMatch(/max-age=\d+/);
      const jwks = (await response.json()) as { keys: Record<string, unknown>[] };
      expect(jwks.keys.length).toBeGreaterThan(0);
      for (const key of jwks.keys) {
        expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
        expect(key).not.toHaveProperty('d');
      }
      await expect(jwtVerify(token, createLocalJWKSet(jwks as never))).resolves.toBeDefined();
    });

    it('serves RFC 8414 metadata', async () => {
      const response = await app.api('GET', '/.well-known/oauth-authorization-server');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        issuer: PUBLIC_URL,
        token_endpoint: `${PUBLIC_URL}/auth/token`,
        userinfo_endpoint: `${PUBLIC_URL}/auth/userinfo`,
        jwks_uri: `${PUBLIC_URL}/auth/jwks`,
        authorization_endpoint: `${PUBLIC_URL}/auth/authorize`,
        pushed_authorization_request_endpoint: `${PUBLIC_URL}/auth/par`,
        end_session_endpoint: `${PUBLIC_URL}/auth/authorize/logout`,
        grant_types_supported: ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'urn:ietf:params:oauth:grant-type:token-exchange', 'client_credentials', 'password', 'authorization_code', 'refresh_token'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
      });
      const openid = await app.api('GET', '/.well-known/openid-configuration');
      expect(openid.body).toMatchObject({ ...response.body, subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['ES256'] });
      expect(response.body.jwt_bearer_assertion_signing_alg_values_supported).toEqual(['RS256', 'PS256', 'ES256', 'EdDSA']);
    });

    it('keeps the generated signing key across restarts on the same database', async () => {
      const before = (await app.api('GET', '/auth/jwks')).body.keys.map((key: { kid: string }) => key.kid);
      expect(await app.query('SELECT kid FROM signing_keys')).toEqual([{ kid: before[0] }]);
    });
  });

  /** A token like ours in every claim, signed by a key this issuer never had. */
  async function otherIssuerToken(): Promise<string> {
    const claims = decodeJwt(token);
    const foreign = generateSigningJwk();
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: foreign.kid as string }).sign(await importJWK(foreign, 'ES256'));
  }
});
