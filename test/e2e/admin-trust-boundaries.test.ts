import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeJwt, TEST_PASSWORDS, TestApp, type TestClient } from '../support/test-app.js';

const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }) as string;
const newKey = () => spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
const PASSWORD = TEST_PASSWORDS[0];
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * Admin power between companies: what one company's admin can reach, and how
 * fast power follows the directory. Two replicas share one database.
 */
describe('trust boundaries of the admin API', () => {
  let a: TestApp;
  let b: TestApp;
  let operator: string;
  let alpha: { id: number; org: number; sp: number };
  let beta: { id: number; org: number; sp: number };
  let betaAdminClient: TestClient;
  let betaAdmin: string;
  let seq = 0;

  async function company(name: string, orgNumber: string, gln: string) {
    const id = (await a.adminCreate('/admin/entities', { name, type: 'organisation', business_id: orgNumber, business_id_type: 'org' })).id;
    const org = (await a.adminCreate('/admin/parties', { entity_id: id, name: `${name} ORG`, type: 'organisation', business_id: orgNumber, business_id_type: 'org' })).id;
    const sp = (await a.adminCreate('/admin/parties', { entity_id: id, name: `${name} SP`, type: 'service_provider', business_id: gln, business_id_type: 'gln' })).id;
    return { id, org, sp };
  }
  async function person(name: string): Promise<number> {
    seq += 1;
    return (await a.adminCreate('/admin/entities', { name, type: 'person', business_id: `person${seq}@example.test`, business_id_type: 'email' })).id;
  }
  const call = (app: TestApp, method: string, path: string, token: string | undefined, body?: unknown) => app.api(method, path, token, body);
  const credentials = (token: string, id: number, username: string, extra: Record<string, unknown> = {}) =>
    call(a, 'PUT', `/admin/entities/${id}/credentials`, token, { username, password: PASSWORD, ...extra });
  /** Polls until `probe` answers `status` at the given app; milliseconds it took (fails after 2 s). */
  async function msUntil(probe: () => Promise<number>, status: number): Promise<number> {
    const started = Date.now();
    let last = 0;
    while (Date.now() - started < 2000) {
      last = await probe();
      if (last === status) return Date.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`still ${last}, not ${status}, after 2 s`);
  }
  async function passwordLogin(username: string): Promise<string> {
    const response = await a.api('POST', '/api/v1/registrant/auth/token', undefined, { username, password: PASSWORD });
    if (response.status !== 201) throw new Error(`login ${response.status}`);
    return response.body.access_token;
  }
  async function exchange(registrantToken: string, partyId: number): Promise<{ status: number; body: any }> {
    const response = await a.tokenRequest({ grant_type: TOKEN_EXCHANGE, subject_token: registrantToken, subject_token_type: ACCESS_TOKEN_TYPE, scope: `assume:party:${partyId}` });
    return { status: response.status, body: await response.json() };
  }

  beforeAll(async () => {
    a = await TestApp.start();
    b = await TestApp.start({ restartOf: a });
    operator = await a.accessToken(a.operator);
    alpha = await company('Alpha AS', '911111111', '1111111111116');
    beta = await company('Beta AS', '922222222', '7080000000005');
    betaAdminClient = await a.createClient(beta.id, ['manage:auth', 'manage:data'], { partyId: beta.org, name: 'Beta admin' });
    betaAdmin = await a.accessToken(betaAdminClient);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  describe('credentials across companies', () => {
    it("refuses a company admin the login of a person who also holds rights in another company", async () => {
      const both = await person('Both Companies');
      await a.adminCreate('/admin/party-memberships', { entity_id: both, party_id: alpha.org, scopes: ['manage:auth'] });
      await a.adminCreate('/admin/party-memberships', { entity_id: both, party_id: beta.sp, scopes: ['read:data'] });
      expect((await credentials(betaAdmin, both, 'both@example.test')).status).toBe(403);
      expect(await a.query('SELECT 1 FROM registrant_credentials WHERE entity_id = $1', [both])).toEqual([]);
      // A person who owns a party of her own has rights beyond the company too.
      const owner = await person('Owner Herself');
      await a.adminCreate('/admin/parties', { entity_id: owner, name: 'Own end user', type: 'end_user', business_id: '5790000000005', business_id_type: 'gln' });
      await a.adminCreate('/admin/party-memberships', { entity_id: owner, party_id: beta.sp, scopes: ['read:data'] });
      expect((await credentials(betaAdmin, owner, 'owner@example.test')).status).toBe(403);
    });

    it('keeps a login set by a company admin from ever reaching another company', async () => {
      const employee = await person('Beta Employee');
      await a.adminCreate('/admin/party-memberships', { entity_id: employee, party_id: beta.org, scopes: ['manage:auth'] });
      expect((await credentials(betaAdmin, employee, 'employee@beta.test')).status).toBe(204);
      expect(await a.query('SELECT managed_by_entity_id FROM registrant_credentials WHERE entity_id = $1', [employee])).toEqual([{ managed_by_entity_id: beta.id }]);

      // The operator cannot give her rights in Alpha while Beta's admin knows her password.
      const membership = await call(a, 'POST', '/admin/party-memberships', operator, { entity_id: employee, party_id: alpha.org, scopes: ['manage:auth'] });
      expect(membership.status).toBe(409);
      expect(membership.body.detail).toMatch(/replace her credentials as the operator/);
      const party = await call(a, 'POST', '/admin/parties', operator, { entity_id: employee, name: 'Her own', type: 'end_user', business_id: '4000000000006', business_id_type: 'gln' });
      expect(party.status).toBe(409);
      // Memberships in Beta's own parties stay possible.
      expect((await call(a, 'POST', '/admin/party-memberships', operator, { entity_id: employee, party_id: beta.sp, scopes: ['read:data'] })).status).toBe(201);

      // Once the operator has replaced her login, the membership in Alpha may be given.
      expect((await credentials(operator, employee, 'employee@beta.test', { replace: true })).status).toBe(204);
      expect((await call(a, 'POST', '/admin/party-memberships', operator, { entity_id: employee, party_id: alpha.org, scopes: ['manage:auth'] })).status).toBe(201);
      // And from then on Beta's admin may not touch her login.
      expect((await credentials(betaAdmin, employee, 'employee@beta.test', { replace: true })).status).toBe(403);
    });

    it('replaces existing credentials only when asked, and audits the replacement', async () => {
      const worker = await person('Beta Worker');
      await a.adminCreate('/admin/party-memberships', { entity_id: worker, party_id: beta.sp, scopes: ['read:data'] });
      expect((await credentials(operator, worker, 'worker@beta.test')).status).toBe(204);
      const again = await credentials(operator, worker, 'worker2@beta.test');
      expect(again.status).toBe(409);
      expect(again.body.detail).toMatch(/"replace": true/);
      expect(await passwordLogin('worker@beta.test')).toBeTruthy();
      // Within her company, the company admin may replace it; the login is then in Beta's custody.
      expect((await credentials(betaAdmin, worker, 'worker2@beta.test', { replace: true })).status).toBe(204);
      const [row] = await a.query<{ action: string; diff: unknown; actor_party_id: number }>(
        "SELECT action, diff, actor_party_id FROM audit_events WHERE target_type = 'entity' AND target_id = $1 AND action LIKE 'credentials.%' ORDER BY id DESC LIMIT 1", [String(worker)]);
      expect(row).toEqual({
        action: 'credentials.replace',
        actor_party_id: beta.org,
        diff: { before: { username: 'worker@beta.test', managed_by_entity_id: null }, after: { username: 'worker2@beta.test', managed_by_entity_id: beta.id } },
      });
      expect((await a.api('POST', '/api/v1/registrant/auth/token', undefined, { username: 'worker@beta.test', password: PASSWORD })).status).toBe(401);
    });

    it('never leaves a company-set login and a foreign membership side by side, however the two race', async () => {
      for (let round = 0; round < 6; round++) {
        const racer = await person(`Racer ${round}`);
        await a.adminCreate('/admin/party-memberships', { entity_id: racer, party_id: beta.sp, scopes: ['read:data'] });
        const [set, joined] = await Promise.all([
          credentials(betaAdmin, racer, `racer${round}@beta.test`),
          call(b, 'POST', '/admin/party-memberships', operator, { entity_id: racer, party_id: alpha.sp, scopes: ['read:data'] }),
        ]);
        expect([set.status, joined.status].sort()).toEqual(set.status === 204 ? [204, 409] : [201, 403]);
        const [state] = await a.query<{ custody: number | null; foreign: boolean }>(
          `SELECT (SELECT managed_by_entity_id FROM registrant_credentials WHERE entity_id = $1) AS custody,
                  EXISTS (SELECT 1 FROM party_memberships WHERE entity_id = $1 AND party_id = $2) AS foreign`, [racer, alpha.sp]);
        expect(state.custody !== null && state.foreign).toBe(false);
      }
    });
  });

  describe("a company admin's scopes", () => {
    let eidClient: TestClient;

    beforeAll(async () => {
      eidClient = await a.createClient(beta.id, ['use:registrant:eid'], { name: 'Beta eID partner' });
    });

    it("may not key, reactivate or move a client holding scopes beyond its own token", async () => {
      const added = await call(a, 'POST', `/admin/entity-clients/${eidClient.clientId}/keys`, betaAdmin, { public_key: newKey() });
      expect(added.status).toBe(403);
      expect(added.body.detail).toMatch(/scopes beyond your own token/);
      expect((await call(a, 'PATCH', `/admin/entity-clients/${eidClient.clientId}`, betaAdmin, { party_id: beta.sp })).status).toBe(403);
      expect((await call(a, 'POST', `/admin/entity-clients/${eidClient.clientId}/deactivate`, operator)).status).toBe(200);
      expect((await call(a, 'PATCH', `/admin/entity-clients/${eidClient.clientId}`, betaAdmin, { active: true })).status).toBe(403);
      const [client] = await a.query<{ active: boolean; keys: number }>('SELECT active, (SELECT count(*)::int FROM entity_client_keys k WHERE k.client_id = c.client_id) AS keys FROM entity_clients c WHERE client_id = $1', [eidClient.clientId]);
      expect(client).toEqual({ active: false, keys: 1 });
      // The operator may; and a company admin may for a client within its own scopes.
      expect((await call(a, 'PATCH', `/admin/entity-clients/${eidClient.clientId}`, operator, { active: true })).status).toBe(200);
      const own = await a.createClient(beta.id, ['read:data']);
      expect((await call(a, 'POST', `/admin/entity-clients/${own.clientId}/keys`, betaAdmin, { public_key: newKey() })).status).toBe(201);
      expect((await call(a, 'PATCH', `/admin/entity-clients/${own.clientId}`, betaAdmin, { party_id: beta.sp })).status).toBe(200);
      expect(decodeJwt(await a.accessToken(own)).party_id).toBe(beta.sp);
    });

    it('holds at most 10 keys per client', async () => {
      const client = await a.createClient(beta.id, ['read:data']);
      for (let i = 1; i < 10; i++) expect((await call(a, 'POST', `/admin/entity-clients/${client.clientId}/keys`, operator, { public_key: newKey() })).status).toBe(201);
      const eleventh = await call(a, 'POST', `/admin/entity-clients/${client.clientId}/keys`, operator, { public_key: newKey() });
      expect(eleventh.status).toBe(409);
      expect(eleventh.body.detail).toMatch(/at most 10 keys/);
    });
  });

  describe('admin power from live state', () => {
    const adminCall = (app: TestApp, token: string) => () => call(app, 'GET', `/admin/entities/${beta.id}`, token).then((response) => response.status);

    it('ends, within a second on every replica, when the admin client is deactivated', async () => {
      const client = await a.createClient(beta.id, ['manage:auth'], { partyId: beta.org });
      const token = await a.accessToken(client);
      expect(await adminCall(b, token)()).toBe(200);
      await call(a, 'POST', `/admin/entity-clients/${client.clientId}/deactivate`, operator);
      expect(await msUntil(adminCall(b, token), 401)).toBeLessThan(1000);
      expect(await adminCall(a, token)()).toBe(401);
    });

    it("narrows to the client's scopes as they are now", async () => {
      const client = await a.createClient(beta.id, ['manage:auth', 'read:data'], { partyId: beta.org });
      const token = await a.accessToken(client);
      expect(await adminCall(b, token)()).toBe(200);
      await call(a, 'PATCH', `/admin/entity-clients/${client.clientId}`, operator, { scopes: ['read:data'] });
      expect(await msUntil(adminCall(b, token), 403)).toBeLessThan(1000);
    });

    it('ends when the organisation party or the entity is deactivated', async () => {
      const gamma = await company('Gamma AS', '933333333', '4000000000006');
      const token = await a.accessToken(await a.createClient(gamma.id, ['manage:auth'], { partyId: gamma.org }));
      const probe = () => call(b, 'GET', `/admin/entities/${gamma.id}`, token).then((response) => response.status);
      expect(await probe()).toBe(200);
      await call(a, 'POST', `/admin/parties/${gamma.org}/deactivate`, operator);
      expect(await msUntil(probe, 401)).toBeLessThan(1000);
      await call(a, 'PATCH', `/admin/parties/${gamma.org}`, operator, { status: 'active' });
      expect(await msUntil(probe, 200)).toBeLessThan(1000);
      await call(a, 'POST', `/admin/entities/${gamma.id}/deactivate`, operator);
      expect(await msUntil(probe, 401)).toBeLessThan(1000);
    });

    it("ends when the person's membership in the organisation party is deleted", async () => {
      const admin = await person('Beta Admin Person');
      const membership = (await a.adminCreate('/admin/party-memberships', { entity_id: admin, party_id: beta.org, scopes: ['manage:auth'] })).id;
      expect((await credentials(operator, admin, 'admin.person@beta.test')).status).toBe(204);
      const exchanged = await exchange(await passwordLogin('admin.person@beta.test'), beta.org);
      expect(exchanged.status).toBe(200);
      const probe = adminCall(b, exchanged.body.access_token);
      expect(await probe()).toBe(200);
      expect((await call(a, 'DELETE', `/admin/party-memberships/${membership}`, operator)).status).toBe(204);
      expect(await msUntil(probe, 401)).toBeLessThan(1000);
    });

    it('makes only the bootstrap operator party the operator, not any party of its type', async () => {
      const pretender = await company('Pretender AS', '944444444', '5790000000005');
      const fiso = (await a.adminCreate('/admin/parties', { entity_id: pretender.id, name: 'Pretender FISO', type: 'flexibility_information_system_operator', business_id: '944444444', business_id_type: 'org' })).id;
      const token = await a.accessToken(await a.createClient(pretender.id, ['manage:auth', 'manage:data'], { partyId: fiso }));
      expect(decodeJwt(token).role).toBe('flex_flexibility_information_system_operator');
      expect((await call(a, 'POST', '/admin/entities', token, { name: 'Sneaky AS', type: 'organisation', business_id: '955555555', business_id_type: 'org' })).status).toBe(403);
      expect((await call(a, 'GET', '/admin/entities', token)).status).toBe(403);
      expect((await call(a, 'GET', `/data/party/${alpha.sp}`, token)).status).toBe(404);
      expect((await call(a, 'GET', `/data/party/${alpha.sp}`, operator)).status).toBe(200);
    });

    it('revokes every token of a client, on every replica, and later logins work', async () => {
      const client = await a.createClient(beta.id, ['read:data:party'], { partyId: beta.sp });
      const tokens = await Promise.all([1, 2, 3].map(() => a.accessToken(client)));
      const revoked = await call(a, 'POST', `/admin/entity-clients/${client.clientId}/revoke-tokens`, betaAdmin);
      expect(revoked.status).toBe(200);
      expect(revoked.body).toEqual({ client_id: client.clientId, revoked_before: expect.any(String) });
      for (const token of tokens) {
        expect(await msUntil(() => call(b, 'GET', `/data/party/${beta.sp}`, token).then((response) => response.status), 401)).toBeLessThan(1000);
      }
      await new Promise((resolve) => setTimeout(resolve, 1100)); // tokens of the cut-off second itself are refused too (a timer may fire a little early by the wall clock)
      expect((await call(b, 'GET', `/data/party/${beta.sp}`, await a.accessToken(client))).status).toBe(200);
      const [row] = await a.query<{ actor_party_id: number }>("SELECT actor_party_id FROM audit_events WHERE action = 'entity_client.revoke_tokens' AND target_id = $1", [client.clientId]);
      expect(row.actor_party_id).toBe(beta.org);
    });

    it("revokes every token of an entity: its clients' and its person's; the operator only", async () => {
      const delta = await company('Delta AS', '966666666', '7080000000012');
      const client = await a.createClient(delta.id, ['read:data:party'], { partyId: delta.sp });
      const token = await a.accessToken(client);
      const someone = await person('Delta Person');
      await a.adminCreate('/admin/party-memberships', { entity_id: someone, party_id: delta.sp, scopes: ['read:data'] });
      expect((await credentials(operator, someone, 'someone@delta.test')).status).toBe(204);
      const registrant = await passwordLogin('someone@delta.test');
      expect((await call(a, 'POST', `/admin/entities/${delta.id}/revoke-tokens`, betaAdmin)).status).toBe(403);
      expect((await call(a, 'POST', `/admin/entities/${delta.id}/revoke-tokens`, operator)).status).toBe(200);
      expect((await call(a, 'POST', `/admin/entities/${someone}/revoke-tokens`, operator)).status).toBe(200);
      expect(await msUntil(() => call(b, 'GET', `/data/party/${delta.sp}`, token).then((response) => response.status), 401)).toBeLessThan(1000);
      expect(await msUntil(() => call(b, 'GET', '/auth/userinfo', registrant).then((response) => response.status), 401)).toBeLessThan(1000);
    });
  });

  describe('deactivating a company', () => {
    it("ends other entities' rights to act for its parties", async () => {
      const epsilon = await company('Epsilon AS', '977777777', '7080000000029');
      const member = await person('Epsilon Member');
      await a.adminCreate('/admin/party-memberships', { entity_id: member, party_id: epsilon.sp, scopes: ['read:data'] });
      expect((await credentials(operator, member, 'member@epsilon.test')).status).toBe(204);
      const partner = await company('Partner AS', '988888888', '7080000000036');
      await a.adminCreate('/admin/party-memberships', { entity_id: partner.id, party_id: epsilon.sp, scopes: ['read:data'] });
      const partnerClient = await a.createClient(partner.id, ['read:data'], { partyId: epsilon.sp });
      const registrant = await passwordLogin('member@epsilon.test');
      expect((await exchange(registrant, epsilon.sp)).status).toBe(200);
      const partnerToken = await a.accessToken(partnerClient);

      await call(a, 'POST', `/admin/entities/${epsilon.id}/deactivate`, operator);
      expect(await msUntil(async () => (await exchange(registrant, epsilon.sp)).status, 400)).toBeLessThan(1000);
      expect((await exchange(registrant, epsilon.sp)).body.error).toBe('invalid_target');
      expect((await b.login(partnerClient)).status).toBe(400);
      expect((await call(b, 'GET', '/auth/parties', registrant)).body.parties).toEqual([]);
      expect((await call(b, 'GET', `/data/party/${epsilon.sp}`, partnerToken)).status).toBe(401);
    });
  });

  describe('eID logins', () => {
    it('write a person they create or rename to the audit trail, with the partner client that vouched', async () => {
      const partner = await a.createClient(beta.id, ['use:registrant:eid'], { name: 'Beta eID gateway' });
      const token = await a.accessToken(partner);
      const eid = (body: Record<string, string>) => call(a, 'POST', '/api/v1/registrant/auth/token', token, body);
      const rows = () => a.query<{ action: string; actor_client_id: string; actor_entity_id: number; target_id: string; diff: any }>(
        "SELECT action, actor_client_id, actor_entity_id, target_id, diff FROM audit_events WHERE actor_client_id = $1 ORDER BY id", [partner.clientId]);

      expect((await eid({ ident: '30110100103', first_name: 'JAN', last_name: 'TAMM' })).status).toBe(201);
      const [person] = await a.query<{ id: number }>("SELECT id FROM entities WHERE business_id = 'PNOEE-30110100103'");
      expect(await rows()).toEqual([{
        action: 'entity.create', actor_client_id: partner.clientId, actor_entity_id: beta.id, target_id: String(person.id),
        diff: { after: { name: 'JAN TAMM', business_id: 'PNOEE-30110100103', business_id_type: 'pid', type: 'person' }, via: 'eid_login', certificate: false },
      }]);
      expect((await eid({ ident: '30110100103', first_name: 'JAN', last_name: 'TAMM' })).status).toBe(201);
      expect(await rows()).toHaveLength(1); // unchanged: nothing written
      expect((await eid({ ident: '30110100103', first_name: 'JAAN', last_name: 'TAMM' })).status).toBe(201);
      expect((await rows())[1]).toMatchObject({ action: 'entity.update', diff: { before: { name: 'JAN TAMM' }, after: { name: 'JAAN TAMM' }, via: 'eid_login' } });

      // The partner's power follows the directory too.
      await call(a, 'POST', `/admin/entity-clients/${partner.clientId}/deactivate`, operator);
      expect(await msUntil(async () => (await eid({ ident: '30110100103', first_name: 'JAAN', last_name: 'TAMM' })).status, 401)).toBeLessThan(1000);
    });
  });

  describe('the operator bootstrap', () => {
    it('leaves a deactivated operator client inactive at the next start', async () => {
      const app = await TestApp.start();
      const token = await app.accessToken(app.operator);
      const clientId = app.operator.clientId;
      expect((await app.api('POST', `/admin/entity-clients/${clientId}/deactivate`, token)).status).toBe(200);
      await app.close();
      const restarted = await TestApp.start({ restartOf: app });
      try {
        expect(await restarted.query('SELECT active FROM entity_clients WHERE client_id = $1', [clientId])).toEqual([{ active: false }]);
        expect((await restarted.login(restarted.operator)).status).toBe(400);
        expect(await restarted.query('SELECT count(*)::int AS n FROM parties WHERE operator')).toEqual([{ n: 1 }]);
      } finally {
        await restarted.close();
      }
    });
  });
});
