import { createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { request } from 'node:http';
import { SignJWT } from 'jose';
import { AesTokenCodec } from '../../src/crypto/aes-token-codec.js';
import { UNVERIFIED_ASSERTION } from '../../src/crypto/jwt-bearer-assertion.js';
import { JWT_BEARER, PUBLIC_URL, signAssertion, TestApp, TEST_TOKEN_SECRET, TOKEN_AUDIENCE, type TestClient } from '../support/test-app.js';

const PASSWORD = 'hostile suite passphrase';

/** What no answer may contain, whatever was sent. */
function expectSafe(status: number, text: string, secrets: readonly string[]) {
  expect(status).toBeLessThan(500);
  expect(text).not.toMatch(/\n\s+at \S+ \(|\.ts:\d+|\.js:\d+|"stack"/);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('hostile input', () => {
  let app: TestApp;
  let client: TestClient;
  let other: TestClient;
  let clientPem: string;
  let partnerToken: string;
  const secrets: string[] = [TEST_TOKEN_SECRET, PASSWORD];
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    // Every hostile authorization request must be parsed, not turned away by the per-address rate.
    app = await TestApp.start({ env: { AUTHORIZATION_REQUESTS_PER_MINUTE: '100000' } });
    const entity = (await app.adminCreate('/admin/entities', { name: 'Target AS', type: 'organisation', business_id: '944444444', business_id_type: 'org' })).id;
    client = await app.createClient(entity, ['manage:data']);
    other = await app.createClient(entity, ['manage:data']);
    clientPem = (await app.query<{ jwk: Record<string, unknown> }>('SELECT jwk FROM entity_client_keys WHERE client_id = $1', [client.clientId]))[0].jwk as never;
    const person = await app.adminCreate('/admin/entities', { name: 'Hostile Person', type: 'person', business_id: 'hostile@test.test', business_id_type: 'email' });
    await app.api('PUT', `/admin/entities/${person.id}/credentials`, await app.accessToken(app.operator), { username: 'hostile@test.test', password: PASSWORD });
    const partner = (await app.adminCreate('/admin/entities', { name: 'Partner', type: 'organisation', business_id: '955555555', business_id_type: 'org' })).id;
    partnerToken = await app.accessToken(await app.createClient(partner, ['use:registrant:eid']));
    secrets.push(client.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().split('\n')[1]);
  });
  afterAll(() => app.close());

  async function token(form: Record<string, string> | string | Buffer, contentType = 'application/x-www-form-urlencoded') {
    const body = typeof form === 'string' || Buffer.isBuffer(form) ? form : new URLSearchParams(form).toString();
    const response = await app.fetch('/auth/token', { method: 'POST', headers: { 'content-type': contentType }, body });
    const text = await response.text();
    expectSafe(response.status, text, secrets);
    return { status: response.status, body: JSON.parse(text) as { error: string; error_description: string } };
  }
  const assertionGrant = (assertion: string) => token({ grant_type: JWT_BEARER, assertion });
  const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  const claims = (extra: Record<string, unknown> = {}) => ({ iss: client.clientId, aud: TOKEN_AUDIENCE, jti: randomUUID(), iat: now(), exp: now() + 60, ...extra });

  describe('JWT attacks on the assertion (RFC 8725)', () => {
    it.each([
      ['alg none, empty signature', () => `${b64({ alg: 'none' })}.${b64(claims())}.`],
      ['alg none, with a signature', () => `${b64({ alg: 'none' })}.${b64(claims())}.c2ln`],
      ['alg nOnE', () => `${b64({ alg: 'nOnE' })}.${b64(claims())}.`],
    ])('%s → 400 invalid_grant', async (_name, make) => {
      expect(await assertionGrant(make())).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Unsigned assertions (alg none) are refused' } });
    });

    it.each(['HS256', 'HS384', 'HS512'])("%s with the client's public key as the secret → 400 invalid_grant", async (alg) => {
      for (const secret of [JSON.stringify(clientPem), clientPem as unknown as string]) {
        const input = `${b64({ alg, kid: client.kid })}.${b64(claims())}`;
        const signature = createHmac(`sha${alg.slice(2)}`, String(secret)).update(input).digest('base64url');
        const response = await assertionGrant(`${input}.${signature}`);
        expect(response).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Symmetric algorithms are refused; sign with a registered private key' } });
      }
    });

    it("a kid naming another client's key → 400 invalid_grant", async () => {
      const response = await assertionGrant(await signAssertion({ ...other, clientId: client.clientId }));
      expect(response).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: UNVERIFIED_ASSERTION } });
    });

    it.each(['../../../etc/passwd', "x' OR '1'='1", 'a/b', '%2e%2e', 'k\u0000id', ''])('a kid of %j → 400 invalid_grant', async (kid) => {
      const response = await assertionGrant(await signAssertion(client, {}, { kid }));
      expect(response).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'The assertion header kid is malformed' } });
    });

    it.each([
      ['jku', { jku: 'https://attacker.test/jwks.json' }],
      ['x5u', { x5u: 'https://attacker.test/cert.pem' }],
      ['jwk', { jwk: { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' } }],
      ['x5c', { x5c: ['MIIBszCCAVmgAwIBAgIUHnV'] }],
    ])('a %s header → 400 invalid_grant', async (name, header) => {
      const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const assertion = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', ...header }).sign(attacker);
      expect(await assertionGrant(assertion)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: `The assertion header parameter "${name}" is refused` } });
    });

    it('a critical header it does not understand → 400 invalid_grant', async () => {
      const input = `${b64({ alg: 'ES256', kid: client.kid, crit: ['exp'], exp: now() })}.${b64(claims())}`;
      const signature = sign('sha256', Buffer.from(input), { key: client.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
      expect(await assertionGrant(`${input}.${signature}`)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'The assertion header parameter "crit" is refused' } });
    });

    it('a JWS in JSON serialization → 400 invalid_grant', async () => {
      const [protectedHeader, payload, signature] = (await signAssertion(client)).split('.');
      const response = await assertionGrant(JSON.stringify({ payload, signatures: [{ protected: protectedHeader, signature }] }));
      expect(response).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'The assertion must be a JWS in compact serialization' } });
    });

    it('an encrypted (JWE, five parts) and a nested token → 400 invalid_grant', async () => {
      expect((await assertionGrant(`${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a.b.c.d`)).body.error).toBe('invalid_grant');
      const inner = await signAssertion(client);
      const outer = `${b64({ alg: 'ES256', kid: client.kid, cty: 'JWT' })}.${b64(inner)}`;
      const signature = sign('sha256', Buffer.from(outer), { key: client.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
      expect(await assertionGrant(`${outer}.${signature}`)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'The assertion payload is not JSON' } });
    });

    it('duplicate claim names, even when correctly signed → 400 invalid_grant', async () => {
      const payload = `{"iss":"${other.clientId}","aud":"${TOKEN_AUDIENCE}","jti":"${randomUUID()}","iat":${now()},"exp":${now() + 60},"iss":"${client.clientId}"}`;
      const input = `${b64({ alg: 'ES256', kid: client.kid })}.${b64(payload)}`;
      const signature = sign('sha256', Buffer.from(input), { key: client.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
      expect(await assertionGrant(`${input}.${signature}`)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'The assertion payload repeats a member name' } });
    });

    it.each([
      ['a numeric iss', { iss: 42 }, 'The assertion has no valid iss (the client_id)'],
      ['an array iss', { iss: ['7a9016dc-ac40-4908-9462-ffb0809726ce'] }, 'The assertion has no valid iss (the client_id)'],
      ['a numeric sub', { sub: 1482 }, 'The assertion sub must be a non-empty string'],
      ['an object sub', { sub: { party: 1 } }, 'The assertion sub must be a non-empty string'],
      ['aud as an array without this endpoint', { aud: [`${PUBLIC_URL}/other`, 'https://attacker.test'] }, 'The assertion aud does not name this token endpoint'],
      ['exp as a string', { exp: String(now() + 60) }, 'The assertion exp must be a NumericDate'],
      ['exp far beyond 64 bits', { exp: 1e300 }, 'The assertion exp must be a NumericDate'],
      ['exp as Infinity-like text', { exp: 'Infinity' }, 'The assertion exp must be a NumericDate'],
      ['a negative iat', { iat: -5 }, 'The assertion iat must be a NumericDate'],
    ])('%s → 400 invalid_grant', async (_name, extra, description) => {
      expect(await assertionGrant(await signAssertion(client, extra))).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: description } });
    });

    it('exp as a fraction of a second is a valid NumericDate (RFC 7519 §2) → 200', async () => {
      expect((await assertionGrant(await signAssertion(client, { exp: now() + 59.5 }))).status).toBe(200);
    });

    it.each([
      ['a DER-encoded ECDSA signature', (input: string) => sign('sha256', Buffer.from(input), client.privateKey).toString('base64url')],
      ['r and s zero', () => Buffer.alloc(64).toString('base64url')],
      ['a signature one byte short', (input: string) => sign('sha256', Buffer.from(input), { key: client.privateKey, dsaEncoding: 'ieee-p1363' }).subarray(1).toString('base64url')],
      ['r = s = n (the group order)', () => Buffer.from('FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551'.repeat(2), 'hex').toString('base64url')],
    ])('%s → 400 invalid_grant', async (_name, makeSignature) => {
      const input = `${b64({ alg: 'ES256', kid: client.kid })}.${b64(claims())}`;
      expect(await assertionGrant(`${input}.${makeSignature(input)}`)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: UNVERIFIED_ASSERTION } });
    });

    it('an assertion of 1 MB → 413 invalid_request', async () => {
      const response = await token({ grant_type: JWT_BEARER, assertion: 'a'.repeat(1024 * 1024) });
      expect(response.status).toBe(413);
      expect(response.body.error).toBe('invalid_request');
    });

    it('an assertion just over 8 KiB, under the body limit → 400 invalid_grant', async () => {
      const assertion = await signAssertion(client, { pad: 'x'.repeat(9000) });
      expect(await assertionGrant(assertion)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'The assertion is too large' } });
    });
  });

  describe('protocol abuse at the token endpoint', () => {
    it.each([
      ['repeated parameters', () => `grant_type=${encodeURIComponent(JWT_BEARER)}&grant_type=${encodeURIComponent(JWT_BEARER)}&assertion=x`, 'application/x-www-form-urlencoded', 400, 'invalid_request'],
      ['no grant_type', () => 'assertion=x', 'application/x-www-form-urlencoded', 400, 'invalid_request'],
      ['an empty body', () => '', 'application/x-www-form-urlencoded', 400, 'invalid_request'],
      ['an unknown grant_type', () => 'grant_type=urn%3Aexample%3Anope&username=a&password=b', 'application/x-www-form-urlencoded', 400, 'unsupported_grant_type'],
      ['JSON where a form is expected', () => JSON.stringify({ grant_type: JWT_BEARER, assertion: 'x' }), 'application/json', 400, 'invalid_request'],
      ['malformed JSON', () => '{"grant_type":', 'application/json', 400, 'invalid_request'],
      ['a UTF-16 charset', () => `grant_type=${encodeURIComponent(JWT_BEARER)}&assertion=x`, 'application/x-www-form-urlencoded; charset=utf-16', 400, 'invalid_request'],
      ['a Latin-1 charset', () => `grant_type=${encodeURIComponent(JWT_BEARER)}&assertion=x`, 'application/x-www-form-urlencoded;charset=ISO-8859-1', 400, 'invalid_request'],
      ['bytes that are not UTF-8', () => Buffer.concat([Buffer.from(`grant_type=${encodeURIComponent(JWT_BEARER)}&assertion=`), Buffer.from([0xff, 0xfe, 0xc0, 0x80])]), 'application/x-www-form-urlencoded', 400, 'invalid_request'],
      ['plain text', () => 'grant_type=x', 'text/plain', 400, 'invalid_request'],
      ['an unknown media type', () => 'x', 'application/octet-stream', 415, 'invalid_request'],
      ['a NUL in the assertion', () => `grant_type=${encodeURIComponent(JWT_BEARER)}&assertion=a%00b`, 'application/x-www-form-urlencoded', 400, 'invalid_grant'],
      ['a body over 64 KiB', () => `grant_type=${encodeURIComponent(JWT_BEARER)}&assertion=${'a'.repeat(65 * 1024)}`, 'application/x-www-form-urlencoded', 413, 'invalid_request'],
    ])('%s → %s %s', async (_name, body, contentType, status, error) => {
      const response = await token(body(), contentType);
      expect({ status: response.status, error: response.body.error }).toEqual({ status, error });
    });

    it('headers over the limit → 431 problem details', async () => {
      const response = await rawRequest('GET', '/auth/jwks', { 'x-padding': 'a'.repeat(20_000) });
      expect(response.status).toBe(431);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(response.body)).toEqual({ type: 'about:blank', title: 'Request Header Fields Too Large', status: 431 });
    });

    it('a path parameter over the router limit → 414 problem details', async () => {
      const response = await app.fetch(`/data/party/${'9'.repeat(200)}`, { headers: { authorization: 'Bearer x' } });
      const text = await response.text();
      expectSafe(response.status, text, secrets);
      expect(response.status).toBe(414);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('a long query string on a normal route is ignored', async () => {
      const response = await app.fetch(`/auth/jwks?${'a'.repeat(8000)}`);
      expect(response.status).toBe(200);
    });

    async function rawRequest(method: string, path: string, headers: Record<string, string>) {
      const { port } = new URL(app.baseUrl);
      return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
        const outgoing = request({ host: '127.0.0.1', port: Number(port), method, path, headers }, (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () => resolve({ status: incoming.statusCode!, headers: incoming.headers, body: Buffer.concat(chunks).toString() }));
        });
        outgoing.on('error', reject);
        outgoing.end();
      });
    }
  });

  describe('registrant tokens and login', () => {
    async function registrantToken(): Promise<string> {
      const response = await app.fetch('/api/v1/registrant/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'hostile@test.test', password: PASSWORD }) });
      expect(response.status).toBe(201);
      return ((await response.json()) as { access_token: string }).access_token;
    }

    it('refuses every single-character change and every truncation of a token at userinfo', async () => {
      const valid = await registrantToken();
      secrets.push(valid);
      expect((await app.api('GET', '/auth/userinfo', valid)).status).toBe(200);
      const variants = new Set<string>();
      for (let i = 0; i < valid.length; i++) {
        variants.add(valid.slice(0, i) + (valid[i] === 'A' ? 'B' : 'A') + valid.slice(i + 1));
        if (i > 0) variants.add(valid.slice(0, i));
      }
      for (const variant of variants) {
        const response = await app.fetch('/auth/userinfo', { headers: { authorization: `Bearer ${variant}` } });
        const text = await response.text();
        expectSafe(response.status, text, secrets);
        expect({ variant, status: response.status }).toEqual({ variant, status: 401 });
      }
    });

    it('refuses a token made under another TOKEN_SECRET', async () => {
      const forged = new AesTokenCodec('another secret of at least thirty-two bytes!!').encode({
        typ: 'registrant', eid: randomUUID(), entity_id: 1, name: 'Forged', iat: now(), exp: now() + 3600, jti: randomUUID(),
      });
      const response = await app.api('GET', '/auth/userinfo', forged);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    });

    const payloads = ["' OR '1'='1' --", "'; DROP TABLE entities; --", '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '${7*7}', '{{7*7}}', '\u0000', '../../../../etc/passwd', '%00'];

    it.each(payloads)('answers %j in every password-login field with 401 or 422, never more', async (payload) => {
      for (const body of [{ username: payload, password: 'x' }, { username: 'hostile@test.test', password: payload }]) {
        const response = await app.fetch('/api/v1/registrant/auth/token', { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' }, body: JSON.stringify(body) });
        const text = await response.text();
        expectSafe(response.status, text, secrets);
        expect([401, 422, 429]).toContain(response.status);
      }
    });

    it.each(payloads)('answers %j in every eID field with 401 or 422, and stores names as text', async (payload) => {
      const base = { ident: '37605030299', first_name: 'Mari', last_name: 'Maasikas', country_code: 'EE' };
      for (const field of ['ident', 'first_name', 'last_name', 'country_code', 'certificate'] as const) {
        const response = await app.fetch('/api/v1/registrant/auth/token', {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${partnerToken}` }, body: JSON.stringify({ ...base, [field]: payload }),
        });
        const text = await response.text();
        expectSafe(response.status, text, secrets);
        const nameField = (field === 'first_name' || field === 'last_name') && payload !== '\u0000';
        expect({ field, status: response.status }).toEqual({ field, status: nameField ? 201 : field === 'certificate' ? 401 : 422 });
      }
      expect(await app.query('SELECT count(*)::int AS n FROM entities WHERE business_id = $1', ['PNOEE-37605030299'])).toEqual([{ n: 1 }]);
    });

    it.each(payloads)('answers %j in admin fields with 400, 404 or 422, never more', async (payload) => {
      const operator = await app.accessToken(app.operator);
      const attempts: [string, string, unknown][] = [
        ['POST', '/admin/entities', { name: payload, type: 'organisation', business_id: payload, business_id_type: 'org' }],
        ['POST', '/admin/entities', { name: payload, type: payload, business_id: '966666666', business_id_type: 'org' }],
        ['POST', '/admin/parties', { entity_id: 1, name: payload, type: 'service_provider', business_id: payload, business_id_type: 'gln' }],
        ['POST', '/admin/entity-clients', { entity_id: 1, name: payload, scopes: [payload], public_key: payload }],
        ['GET', `/admin/entities/${encodeURIComponent(payload)}`, undefined],
        ['GET', `/admin/entity-clients/${encodeURIComponent(payload)}`, undefined],
        ['GET', `/data/party/${encodeURIComponent(payload)}`, undefined],
      ];
      for (const [method, path, body] of attempts) {
        const response = await app.fetch(path, { method, headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await response.text();
        expectSafe(response.status, text, secrets);
        expect({ path, ok: [400, 404, 422].includes(response.status), status: response.status }).toMatchObject({ path, ok: true });
      }
    });

    it('refuses a 1 MB password before hashing: 413', async () => {
      const response = await app.fetch('/api/v1/registrant/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'hostile@test.test', password: 'p'.repeat(1024 * 1024) }) });
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ errors: [{ base: [expect.stringMatching(/too large/)] }] });
    });
  });

  describe('the authorization endpoint and its pages', () => {
    const payloads = ["' OR '1'='1' --", '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '\u0000', '%00', '%FF%FE', 'a'.repeat(5000), 'javascript:alert(1)', '//evil.example/'];
    /** Never a server error, never a stack, never a redirect off the issuer for a client it does not know, and never our page with markup from the input. */
    async function probe(path: string, init: RequestInit = {}): Promise<number> {
      const response = await app.fetch(path, { ...init, redirect: 'manual' });
      const text = await response.text();
      expectSafe(response.status, text, secrets);
      expect(text).not.toContain('<script>alert');
      expect(text).not.toContain('<img src=x');
      const location = response.headers.get('location');
      if (location !== null) expect(location.startsWith('/') && !location.startsWith('//')).toBe(true);
      return response.status;
    }

    it.each(payloads.map((payload) => [payload.length > 40 ? `${payload.length} characters` : JSON.stringify(payload), payload]))('answers %s in every authorization parameter, and every page form field, in words', async (_name, payload) => {
      for (const name of ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'request_uri', 'response_mode']) {
        const query = new URLSearchParams({ client_id: client.clientId, response_type: 'code', redirect_uri: 'https://app.example/cb', [name]: payload });
        expect(await probe(`/auth/authorize?${query}`)).toBeLessThan(500);
        expect(await probe('/auth/authorize', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query.toString() })).toBeLessThan(500);
      }
      for (const page of ['login', 'consent', 'logout']) {
        const form = new URLSearchParams({ request: payload, form_token: payload, username: payload, password: payload, action: payload, party_id: payload, id_token_hint: payload, post_logout_redirect_uri: payload });
        expect(await probe(`/auth/authorize/${page}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `ti_browser=${encodeURIComponent(payload)}; ti_session=${encodeURIComponent(payload)}` }, body: form.toString() })).toBeLessThan(500);
        expect(await probe(`/auth/authorize/${page}?request=${encodeURIComponent(payload)}&id_token_hint=${encodeURIComponent(payload)}`)).toBeLessThan(500);
      }
      const par = new URLSearchParams({ client_id: payload, response_type: payload, redirect_uri: payload, code_challenge: payload, scope: payload });
      expect(await probe('/auth/par', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: par.toString() })).toBeLessThan(500);
    });

    it('answers bodies that are no form, and raw bytes that are no UTF-8, at the pages', async () => {
      for (const [contentType, body] of [['application/json', '{"request":1}'], ['application/x-www-form-urlencoded', '%FF%FE=%C0%AF'], ['text/plain', 'x'], ['application/x-www-form-urlencoded', 'a=1&a=2&a=3']] as const) {
        for (const path of ['/auth/authorize', '/auth/authorize/login', '/auth/authorize/consent', '/auth/authorize/logout', '/auth/par']) {
          expect(await probe(path, { method: 'POST', headers: { 'content-type': contentType }, body })).toBeLessThan(500);
        }
      }
    });
  });
});
