import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import pg from 'pg';
import { changesNoCachedAnswer } from '../../src/directory/directory-reader.js';
import { RegistrantTokenGuard, CurrentPrincipal } from '../../src/tokens/access-token.guard.js';
import type { Principal } from '../../src/tokens/access-token.js';
import { TokensModule } from '../../src/tokens/tokens.module.js';
import { createTestCa, type TestCa } from '../support/eid-ca.js';
import { TestApp } from '../support/test-app.js';

const LOGIN = '/api/v1/registrant/auth/token';
const PASSWORD = 'correct horse battery staple';

/** A route of another module, guarded by the registrant strategy. */
@Controller('test-only')
class PersonOnlyController {
  @Get('me')
  @UseGuards(RegistrantTokenGuard)
  me(@CurrentPrincipal() principal: Principal) {
    return { kind: principal.kind, entity_id: principal.entityId };
  }
}

@Module({ imports: [TokensModule], controllers: [PersonOnlyController] })
class PersonOnlyModule {}

describe('registrant login', () => {
  let app: TestApp;
  let trustedCa: TestCa;
  let operatorToken: string;
  let kari: { id: number; eid: string };
  let partnerToken: string;
  let addressCounter = 0;

  beforeAll(async () => {
    trustedCa = await createTestCa();
    const caFile = join(await mkdtemp(join(tmpdir(), 'eid-ca-')), 'ca.pem');
    await writeFile(caFile, trustedCa.pem);
    app = await TestApp.start({
      // One proxy hop: each test names its client address in X-Forwarded-For. Every key allows 3 failures.
      env: {
        EID_TRUSTED_CA_FILE: caFile, TRUST_PROXY: '1', LOGIN_THROTTLE_MAX_FAILURES: '3', LOGIN_THROTTLE_USER_MAX_FAILURES: '3',
        LOGIN_THROTTLE_ADDRESS_MAX_FAILURES: '3', LOGIN_THROTTLE_LOCKOUT: '60',
      },
      extraModules: [PersonOnlyModule],
    });
    operatorToken = await app.accessToken(app.operator);
    kari = (await app.adminCreate('/admin/entities', { name: 'Kari Nordmann', type: 'person', business_id: 'knor@testkraft.test', business_id_type: 'email' })) as never;
    expect((await app.api('PUT', `/admin/entities/${kari.id}/credentials`, operatorToken, { username: 'knor@testkraft.test', password: PASSWORD })).status).toBe(204);
    const partner = (await app.adminCreate('/admin/entities', { name: 'eID Partner AS', type: 'organisation', business_id: '911111111', business_id_type: 'org' })).id;
    partnerToken = await app.accessToken(await app.createClient(partner, ['use:registrant:eid']));
  });
  afterAll(() => app.close());

  /** Each test logs in from its own address, so address throttling stays within the test. */
  const newAddress = () => `198.51.100.${++addressCounter}`;
  async function login(body: unknown, options: { address?: string; token?: string; raw?: string; contentType?: string } = {}) {
    const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json', 'x-forwarded-for': options.address ?? newAddress() };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const response = await app.fetch(LOGIN, { method: 'POST', headers, body: options.raw ?? JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: text === '' ? undefined : JSON.parse(text) };
  }

  describe('with a username and password', () => {
    it('answers 201 with the contract shape and a token valid 2 hours', async () => {
      const before = Date.now();
      const response = await login({ username: 'knor@testkraft.test', password: PASSWORD });
      expect(response.status).toBe(201);
      expect(Object.keys(response.body).sort()).toEqual(['access_token', 'expires_at', 'type']);
      expect(response.body.type).toBe('Bearer');
      expect(response.body.access_token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(response.body.expires_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
      const expiresAt = Date.parse(response.body.expires_at.replace(' UTC', 'Z').replace(' ', 'T'));
      expect(expiresAt - before).toBeGreaterThan(2 * 3600_000 - 5000);
      expect(expiresAt - before).toBeLessThanOrEqual(2 * 3600_000 + 1000);
    });

    it('gives a token that userinfo describes, and refuses once tampered', async () => {
      const { body } = await login({ username: 'knor@testkraft.test', password: PASSWORD });
      const userinfo = await app.api('GET', '/auth/userinfo', body.access_token);
      expect(userinfo.status).toBe(200);
      expect(userinfo.body).toEqual({ sub: kari.eid, current_role: 'flex_entity', entity_id: kari.id, entity_name: 'Kari Nordmann' });
      const token: string = body.access_token;
      const tampered = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
      const refused = await app.api('GET', '/auth/userinfo', tampered);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    });

    it('lets routes of other modules accept registrant tokens only, and refuses them where a scope is needed', async () => {
      const { body } = await login({ username: 'knor@testkraft.test', password: PASSWORD });
      expect((await app.api('GET', '/test-only/me', body.access_token)).body).toEqual({ kind: 'registrant', entity_id: kari.id });
      expect((await app.api('GET', '/test-only/me', operatorToken)).status).toBe(401);
      expect((await app.api('GET', '/test-only/me')).status).toBe(401);
      const data = await app.api('GET', '/data/party/1', body.access_token);
      expect(data.status).toBe(403);
    });

    it('accepts the username in another case or Unicode form', async () => {
      expect((await login({ username: '  KNOR@Testkraft.TEST ', password: PASSWORD })).status).toBe(201);
      expect((await login({ username: 'ｋｎｏｒ@testkraft.test', password: PASSWORD })).status).toBe(201); // full-width letters, NFKC
    });

    it('answers a wrong password and an unknown user identically', async () => {
      const wrong = await login({ username: 'knor@testkraft.test', password: 'not the password' });
      const unknown = await login({ username: 'nobody@testkraft.test', password: 'not the password' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(unknown.text).toBe(wrong.text);
      expect(wrong.body).toEqual({ errors: [{ base: ['Not authorized'] }] });
    });

    it.each([
      ['no password', { username: 'knor@testkraft.test' }, 'password'],
      ['a password over 1024 characters', { username: 'knor@testkraft.test', password: 'x'.repeat(1025) }, 'password'],
      ['a numeric username', { username: 5, password: 'x' }, 'username'],
      ['an unknown field', { username: 'knor@testkraft.test', password: 'x', admin: true }, 'admin'],
    ])('answers %s with 422 naming the field', async (_name, body, field) => {
      const response = await login(body);
      expect(response.status).toBe(422);
      expect(response.body.errors.some((error: Record<string, unknown>) => field in error)).toBe(true);
    });

    it('answers a body that is not a JSON object with 422', async () => {
      for (const options of [{ raw: '{"username":' }, { raw: '[1,2]' }, { raw: 'username=a', contentType: 'application/x-www-form-urlencoded' }]) {
        const response = await login(undefined, options);
        expect({ status: response.status, shape: Array.isArray(response.body?.errors) }).toEqual({ status: 422, shape: true });
      }
    });

    it('throttles a username after 3 failures (configured), refuses even the right password, and doubles the next lockout', async () => {
      await app.adminCreate('/admin/entities', { name: 'Ola Nordmann', type: 'person', business_id: 'ola@testkraft.test', business_id_type: 'email' }).then((ola) =>
        app.api('PUT', `/admin/entities/${ola.id}/credentials`, operatorToken, { username: 'ola@testkraft.test', password: PASSWORD }));
      for (let i = 0; i < 3; i++) expect((await login({ username: 'ola@testkraft.test', password: `wrong ${i}` })).status).toBe(401);
      const locked = await login({ username: 'ola@testkraft.test', password: PASSWORD });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(55);
      expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(locked.body.errors[0].base).toBeDefined();

      // The lockout ends (moved into the past here); three more failures lock it for twice as long.
      await app.query("UPDATE login_throttles SET locked_until = now() - interval '1 second' WHERE key = 'user:ola@testkraft.test'");
      expect((await login({ username: 'ola@testkraft.test', password: PASSWORD })).status).toBe(201);
      for (let i = 0; i < 3; i++) await login({ username: 'ola@testkraft.test', password: `wrong again ${i}` });
      const lockedAgain = await login({ username: 'ola@testkraft.test', password: PASSWORD });
      expect(lockedAgain.status).toBe(429);
      // A success in between cleared the record, so this is a first lockout again.
      expect(Number(lockedAgain.headers.get('retry-after'))).toBeLessThanOrEqual(60);

      await app.query("UPDATE login_throttles SET locked_until = now() - interval '1 second' WHERE key = 'user:ola@testkraft.test'");
      for (let i = 0; i < 3; i++) await login({ username: 'ola@testkraft.test', password: `third ${i}` });
      const doubled = await login({ username: 'ola@testkraft.test', password: PASSWORD });
      expect(doubled.status).toBe(429);
      expect(Number(doubled.headers.get('retry-after'))).toBeGreaterThan(115);
      expect(Number(doubled.headers.get('retry-after'))).toBeLessThanOrEqual(120);
    });

    it('throttles a client address across usernames', async () => {
      const address = newAddress();
      for (const name of ['a', 'b', 'c']) expect((await login({ username: `${name}@testkraft.test`, password: 'guess' }, { address })).status).toBe(401);
      expect((await login({ username: 'knor@testkraft.test', password: PASSWORD }, { address })).status).toBe(429);
      expect((await login({ username: 'knor@testkraft.test', password: PASSWORD })).status).toBe(201);
    });
  });

  describe('with eID values from a partner', () => {
    const jan = { ident: '30110100103', first_name: 'JAN', last_name: 'TAMM', country_code: 'EE' };

    it('refuses without a partner token, with a token lacking use:registrant:eid, and with a bad token', async () => {
      for (const token of [undefined, operatorToken, 'garbage.token.here']) {
        const response = await login(jan, { token });
        expect({ status: response.status, body: response.body }).toEqual({ status: 401, body: { errors: [{ base: ['Not authorized'] }] } });
      }
      expect(await app.query("SELECT 1 FROM entities WHERE business_id = 'PNOEE-30110100103'")).toHaveLength(0);
    });

    it('creates the person on the first login and reuses it on the second, updating its name', async () => {
      const first = await login(jan, { token: partnerToken });
      expect(first.status).toBe(201);
      const rows = await app.query<{ id: number; name: string; type: string; business_id_type: string }>(
        "SELECT id, name, type, business_id_type FROM entities WHERE business_id = 'PNOEE-30110100103'");
      expect(rows).toEqual([{ id: expect.any(Number), name: 'JAN TAMM', type: 'person', business_id_type: 'pid' }]);
      const userinfo = await app.api('GET', '/auth/userinfo', first.body.access_token);
      expect(userinfo.body).toMatchObject({ entity_id: rows[0].id, entity_name: 'JAN TAMM', current_role: 'flex_entity' });

      const second = await login({ ...jan, first_name: ' Jan ', last_name: 'Tamm-Kask' }, { token: partnerToken });
      expect(second.status).toBe(201);
      expect(await app.query("SELECT id, name FROM entities WHERE business_id = 'PNOEE-30110100103'")).toEqual([{ id: rows[0].id, name: 'Jan Tamm-Kask' }]);
    });

    it('tells the replicas of a new person as a change no cache holds, and of a rename as one that empties them', async () => {
      const listener = new pg.Client({ connectionString: app.databaseUrl });
      await listener.connect();
      const heard: (string | undefined)[] = [];
      listener.on('notification', (message) => { if (message.channel === 'directory_changed') heard.push(message.payload); });
      await listener.query('LISTEN directory_changed');
      const settle = async () => { await listener.query('SELECT 1'); await new Promise((resolve) => setTimeout(resolve, 100)); };
      try {
        const mari = { ident: '49403136526', first_name: 'Mari', last_name: 'Kask', country_code: 'EE' };
        expect((await login(mari, { token: partnerToken })).status).toBe(201);
        await settle();
        expect(heard).toEqual(['entities INSERT']);
        expect(heard.every(changesNoCachedAnswer)).toBe(true);
        heard.length = 0;
        expect((await login(mari, { token: partnerToken })).status).toBe(201);
        expect((await login({ ...mari, last_name: 'Tamm' }, { token: partnerToken })).status).toBe(201);
        await settle();
        expect(heard).toEqual(['entities UPDATE']);
        expect(changesNoCachedAnswer(heard[0])).toBe(false);
        const audit = await app.query<{ action: string }>(
          "SELECT action FROM audit_events WHERE target_type = 'entity' AND target_id = (SELECT id::text FROM entities WHERE business_id = 'PNOEE-49403136526') ORDER BY id");
        expect(audit.map((row) => row.action)).toEqual(['entity.create', 'entity.update']);
      } finally {
        await listener.end();
      }
    });

    it('defaults the country to EE', async () => {
      const response = await login({ ident: '37605030299', first_name: 'Mari', last_name: 'Maasikas' }, { token: partnerToken });
      expect(response.status).toBe(201);
      expect(await app.query("SELECT 1 FROM entities WHERE business_id = 'PNOEE-37605030299'")).toHaveLength(1);
    });

    it.each([
      ['an Estonian ident with a bad check digit', { ...jan, ident: '30110100104' }, 'ident'],
      ['an ident with other characters', { ...jan, ident: "3011' OR 1=1" }, 'ident'],
      ['an empty first name', { ...jan, first_name: '   ' }, 'first_name'],
      ['a last name over 255 characters', { ...jan, last_name: 'T'.repeat(256) }, 'last_name'],
      ['no ident', { first_name: 'JAN', last_name: 'TAMM' }, 'ident'],
      ['a lower-case country code', { ...jan, country_code: 'ee' }, 'country_code'],
    ])('answers %s with 422', async (_name, body, field) => {
      const response = await login(body, { token: partnerToken });
      expect(response.status).toBe(422);
      expect(response.body.errors.some((error: Record<string, unknown>) => field in error)).toBe(true);
    });

    it('takes the values from a certificate of a trusted CA', async () => {
      const certificate = await trustedCa.issue({ serialNumber: 'PNOEE-38001085718', givenName: 'TIIT', surname: 'KASK' });
      const response = await login({ certificate }, { token: partnerToken });
      expect(response.status).toBe(201);
      expect(await app.query("SELECT name FROM entities WHERE business_id = 'PNOEE-38001085718'")).toEqual([{ name: 'TIIT KASK' }]);
      expect((await login({ certificate, ident: '38001085718', first_name: 'Tiit', last_name: 'Kask' }, { token: partnerToken })).status).toBe(201);
    });

    it('refuses a certificate of an untrusted CA, an expired one, and values that contradict it', async () => {
      const stranger = await createTestCa('Untrusted CA');
      const untrusted = await stranger.issue({ serialNumber: 'PNOEE-49403136515', givenName: 'MARI', surname: 'MAGI' });
      expect((await login({ certificate: untrusted }, { token: partnerToken })).status).toBe(401);
      const expired = await trustedCa.issue({ serialNumber: 'PNOEE-49403136515', givenName: 'MARI', surname: 'MAGI' }, { notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
      expect((await login({ certificate: expired }, { token: partnerToken })).status).toBe(401);
      const valid = await trustedCa.issue({ serialNumber: 'PNOEE-49403136515', givenName: 'MARI', surname: 'MAGI' });
      expect((await login({ certificate: valid, ident: '37605030299' }, { token: partnerToken })).status).toBe(401);
      expect((await login({ certificate: valid, last_name: 'OTHER' }, { token: partnerToken })).status).toBe(401);
      expect((await login({ certificate: 'not a certificate' }, { token: partnerToken })).status).toBe(401);
      expect(await app.query("SELECT 1 FROM entities WHERE business_id = 'PNOEE-49403136515'")).toHaveLength(0);
    });
  });

  describe('PUT /admin/entities/{id}/credentials', () => {
    const put = (id: number | string, body: unknown, token = operatorToken) => app.api('PUT', `/admin/entities/${id}/credentials`, token, body);

    it('replaces the password only when asked: the old one stops working, the new one works', async () => {
      const person = await app.adminCreate('/admin/entities', { name: 'Per Hansen', type: 'person', business_id: 'per@testkraft.test', business_id_type: 'email' });
      expect((await put(person.id, { username: 'per@testkraft.test', password: 'first password 123' })).status).toBe(204);
      expect((await put(person.id, { username: 'per@testkraft.test', password: 'second password 456' })).status).toBe(409);
      expect((await login({ username: 'per@testkraft.test', password: 'first password 123' })).status).toBe(201);
      expect((await put(person.id, { username: 'per@testkraft.test', password: 'second password 456', replace: true })).status).toBe(204);
      expect((await login({ username: 'per@testkraft.test', password: 'first password 123' })).status).toBe(401);
      expect((await login({ username: 'per@testkraft.test', password: 'second password 456' })).status).toBe(201);
      const [row] = await app.query<{ password_hash: string }>('SELECT password_hash FROM registrant_credentials WHERE entity_id = $1', [person.id]);
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    it('refuses an organisation, a short password, a username that is no e-mail, a taken username and unknown ids', async () => {
      const org = await app.adminCreate('/admin/entities', { name: 'Org', type: 'organisation', business_id: '922222222', business_id_type: 'org' });
      expect((await put(org.id, { username: 'org@testkraft.test', password: PASSWORD })).status).toBe(422);
      const person = await app.adminCreate('/admin/entities', { name: 'Liv', type: 'person', business_id: 'liv@testkraft.test', business_id_type: 'email' });
      expect((await put(person.id, { username: 'liv@testkraft.test', password: 'short' })).status).toBe(422);
      expect((await put(person.id, { username: 'liv', password: PASSWORD })).status).toBe(422);
      const taken = await put(person.id, { username: 'KNOR@testkraft.test', password: PASSWORD });
      expect(taken.status).toBe(409);
      expect(taken.headers.get('content-type')).toMatch(/problem\+json/);
      expect((await put(999999, { username: 'x@testkraft.test', password: PASSWORD })).status).toBe(404);
      expect((await put('abc', { username: 'x@testkraft.test', password: PASSWORD })).status).toBe(404);
    });

    it('is the operator\'s only', async () => {
      const response = await put(kari.id, { username: 'knor@testkraft.test', password: 'takeover password' }, partnerToken);
      expect(response.status).toBe(403);
      expect((await login({ username: 'knor@testkraft.test', password: PASSWORD })).status).toBe(201);
    });
  });
});
