import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { TestApp, type TestClient } from '../support/test-app.js';

const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }) as string;

describe('the admin API', () => {
  let app: TestApp;
  let operator: string;
  let testkraft: number;
  let orgParty: number;
  let spParty: number;
  let other: number;
  let companyAdmin: string;
  let kari: number;

  beforeAll(async () => {
    app = await TestApp.start();
    operator = await app.accessToken(app.operator);
    testkraft = (await app.adminCreate('/admin/entities', { name: 'Testkraft AS', type: 'organisation', business_id: '123456789', business_id_type: 'org' })).id;
    orgParty = (await app.adminCreate('/admin/parties', { entity_id: testkraft, name: 'Testkraft ORG', type: 'organisation', business_id: '123456789', business_id_type: 'org' })).id;
    spParty = (await app.adminCreate('/admin/parties', { entity_id: testkraft, name: 'Testkraft SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' })).id;
    other = (await app.adminCreate('/admin/entities', { name: 'Other AS', type: 'organisation', business_id: '987654321', business_id_type: 'org' })).id;
    kari = (await app.adminCreate('/admin/entities', { name: 'Kari Nordmann', type: 'person', business_id: 'knor@testkraft.test', business_id_type: 'email' })).id;
    await app.adminCreate('/admin/party-memberships', { entity_id: kari, party_id: orgParty, scopes: ['manage:auth'] });
    // Testkraft's own admin: a client acting for Testkraft's organisation party, with owner scopes manage:auth manage:data.
    const adminClient = await app.createClient(testkraft, ['manage:auth', 'manage:data'], { partyId: orgParty, name: 'Testkraft admin' });
    companyAdmin = await app.accessToken(adminClient);
  });
  afterAll(() => app.close());

  const call = (method: string, path: string, token: string | undefined, body?: unknown) => app.api(method, path, token, body);
  const auditRows = (action: string) => app.query<{ actor_entity_id: number; actor_party_id: number; actor_client_id: string; target_id: string; entity_id: number; diff: any }>(
    'SELECT actor_entity_id, actor_party_id, actor_client_id, target_id, entity_id, diff FROM audit_events WHERE action = $1 ORDER BY id', [action]);

  describe('entities, parties and memberships (operator)', () => {
    it('lists with pagination and filters, and reads one', async () => {
      const first = await call('GET', '/admin/entities?per_page=2', operator);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ page: 1, per_page: 2, total: expect.any(Number) });
      expect(first.body.items).toHaveLength(2);
      const second = await call('GET', '/admin/entities?per_page=2&page=2', operator);
      expect(second.body.items[0].id).toBeGreaterThan(first.body.items[1].id);
      expect((await call('GET', `/admin/parties?entity_id=${testkraft}`, operator)).body.items.map((p: { id: number }) => p.id)).toEqual([orgParty, spParty]);
      expect((await call('GET', `/admin/entities/${testkraft}`, operator)).body).toMatchObject({ id: testkraft, name: 'Testkraft AS' });
      expect((await call('GET', `/admin/parties/${spParty}`, operator)).body).toMatchObject({ id: spParty, role: 'flex_service_provider' });
      expect((await call('GET', `/admin/party-memberships?party_id=${orgParty}`, operator)).body.items).toEqual([expect.objectContaining({ entity_id: kari, scopes: ['manage:auth'] })]);
      expect((await call('GET', '/admin/entities/424242', operator)).status).toBe(404);
      expect((await call('GET', '/admin/entities?per_page=500', operator)).status).toBe(422);
      expect((await call('GET', '/admin/entities?page=0', operator)).status).toBe(422);
    });

    it('updates an entity and a party, writing who did what', async () => {
      const entity = await call('PATCH', `/admin/entities/${other}`, operator, { name: 'Other Energy AS' });
      expect(entity.body).toMatchObject({ id: other, name: 'Other Energy AS' });
      const [row] = await auditRows('entity.update');
      expect(row).toMatchObject({ target_id: String(other), entity_id: other, diff: { before: { name: 'Other AS' }, after: { name: 'Other Energy AS' } }, actor_client_id: app.operator.clientId });
      const party = await call('PATCH', `/admin/parties/${spParty}`, operator, { name: 'Testkraft Flex' });
      expect(party.body.name).toBe('Testkraft Flex');
      expect(await auditRows('party.update')).toHaveLength(1);
      expect((await call('PATCH', `/admin/entities/${other}`, operator, { status: 'retired' })).status).toBe(422);
    });

    it('updates and ends a membership', async () => {
      const member = await app.adminCreate('/admin/entities', { name: 'Member AS', type: 'organisation', business_id: '911111111', business_id_type: 'org' });
      const membership = await app.adminCreate('/admin/party-memberships', { entity_id: member.id, party_id: spParty, scopes: ['read:data'] });
      const updated = await call('PATCH', `/admin/party-memberships/${membership.id}`, operator, { scopes: ['use:data'] });
      expect(updated.body.scopes).toEqual(['use:data']);
      expect((await call('DELETE', `/admin/party-memberships/${membership.id}`, operator)).status).toBe(204);
      expect((await call('GET', `/admin/party-memberships/${membership.id}`, operator)).status).toBe(404);
      const [deleted] = await auditRows('party_membership.delete');
      expect(deleted.diff.before).toMatchObject({ entity_id: member.id, party_id: spParty, scopes: ['use:data'] });
    });

    it('deactivates a party: nobody can act for it any more', async () => {
      const party = await app.adminCreate('/admin/parties', { entity_id: testkraft, name: 'Testkraft BRP', type: 'balance_responsible_party', business_id: '5790000000005', business_id_type: 'gln' });
      const client = await app.createClient(testkraft, ['read:data']);
      expect((await app.login(client, { sub: 'no:party:gln:5790000000005' })).status).toBe(200);
      expect((await call('POST', `/admin/parties/${party.id}/deactivate`, operator)).body.status).toBe('inactive');
      expect((await app.login(client, { sub: 'no:party:gln:5790000000005' })).status).toBe(400);
    });

    it('deactivates an entity: its clients are refused at the next login', async () => {
      const entity = await app.adminCreate('/admin/entities', { name: 'Closing AS', type: 'organisation', business_id: '922222222', business_id_type: 'org' });
      const client = await app.createClient(entity.id, ['read:data']);
      expect((await app.login(client)).status).toBe(200);
      expect((await call('POST', `/admin/entities/${entity.id}/deactivate`, operator)).body.status).toBe('inactive');
      const refused = await app.login(client);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');
    });
  });

  describe('entity clients and their keys', () => {
    it('rotates keys: add one, log in with it, remove the old one, which is then refused', async () => {
      const client = await app.createClient(testkraft, ['read:data']);
      const next = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const added = await call('POST', `/admin/entity-clients/${client.clientId}/keys`, operator, { public_key: spki(next.publicKey) });
      expect(added.status).toBe(201);
      const rotated: TestClient = { ...client, privateKey: next.privateKey, kid: added.body.kid };
      expect((await app.login(rotated)).status).toBe(200);
      expect((await app.login(client)).status).toBe(200);
      expect((await call('DELETE', `/admin/entity-clients/${client.clientId}/keys/${client.kid}`, operator)).status).toBe(204);
      expect((await app.login(client)).status).toBe(400);
      expect((await app.login({ ...client, kid: undefined })).status).toBe(400);
      expect((await app.login(rotated)).status).toBe(200);
      expect((await call('GET', `/admin/entity-clients/${client.clientId}`, operator)).body.keys.map((key: { kid: string }) => key.kid)).toEqual([added.body.kid]);
      expect((await auditRows('entity_client_key.remove')).map((row) => row.diff.before.kid)).toContain(client.kid);
    });

    it('keeps at least one key, refuses a duplicate key, and a key id it does not have', async () => {
      const client = await app.createClient(testkraft, ['read:data']);
      const last = await call('DELETE', `/admin/entity-clients/${client.clientId}/keys/${client.kid}`, operator);
      expect(last.status).toBe(409);
      expect(last.headers.get('content-type')).toMatch(/problem\+json/);
      const public0 = (await app.query<{ jwk: Record<string, unknown> }>('SELECT jwk FROM entity_client_keys WHERE client_id = $1', [client.clientId]))[0].jwk;
      const { kid: _kid, ...sameKey } = public0;
      expect((await call('POST', `/admin/entity-clients/${client.clientId}/keys`, operator, { public_key: sameKey })).status).toBe(409);
      expect((await call('DELETE', `/admin/entity-clients/${client.clientId}/keys/nope`, operator)).status).toBe(404);
    });

    it('deactivates a client: refused at its next login; PATCH active true restores it', async () => {
      const client = await app.createClient(testkraft, ['read:data']);
      expect((await app.login(client)).status).toBe(200);
      const deactivated = await call('POST', `/admin/entity-clients/${client.clientId}/deactivate`, operator);
      expect(deactivated.body.active).toBe(false);
      expect((await app.login(client)).status).toBe(400);
      expect((await call('PATCH', `/admin/entity-clients/${client.clientId}`, operator, { active: true })).body.active).toBe(true);
      expect((await app.login(client)).status).toBe(200);
      expect((await auditRows('entity_client.deactivate')).some((row) => row.target_id === client.clientId)).toBe(true);
    });

    it('changes name and scopes; the next token carries the new scopes', async () => {
      const client = await app.createClient(testkraft, ['manage:data']);
      const updated = await call('PATCH', `/admin/entity-clients/${client.clientId}`, operator, { name: 'renamed', scopes: ['read:data'] });
      expect(updated.body).toMatchObject({ name: 'renamed', scopes: ['read:data'] });
      const token = await app.accessToken(client);
      expect(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).scope).toBe('read:data');
    });
  });

  describe('authorization', () => {
    it('answers 401 without a token on every admin route', async () => {
      for (const [method, path] of [['GET', '/admin/entities'], ['GET', '/admin/entity-clients'], ['POST', '/admin/entity-clients'], ['GET', '/admin/audit-events'], ['DELETE', '/admin/party-memberships/1']]) {
        const response = await call(method, path, undefined, method === 'POST' ? {} : undefined);
        expect({ path, status: response.status }).toEqual({ path, status: 401 });
      }
    });

    it("lets a company admin manage its own entity's clients", async () => {
      const { publicKey } = generateKeyPairSync('ed25519');
      const created = await call('POST', '/admin/entity-clients', companyAdmin, { entity_id: testkraft, name: 'own', scopes: ['read:data'], party_id: spParty, public_key: spki(publicKey) });
      expect(created.status).toBe(201);
      expect((await call('PATCH', `/admin/entity-clients/${created.body.client_id}`, companyAdmin, { name: 'own, renamed' })).status).toBe(200);
      const list = await call('GET', '/admin/entity-clients', companyAdmin);
      expect(list.status).toBe(200);
      expect(list.body.items.every((client: { entity_id: number }) => client.entity_id === testkraft)).toBe(true);
      expect((await call('GET', `/admin/entities/${testkraft}`, companyAdmin)).status).toBe(200);
      const [row] = (await auditRows('entity_client.create')).filter((event) => event.target_id === created.body.client_id);
      expect(row).toMatchObject({ actor_entity_id: testkraft, actor_party_id: orgParty, entity_id: testkraft });
    });

    it("refuses a company admin another entity's clients, entities and lists with 403", async () => {
      const foreign = await app.createClient(other, ['read:data']);
      const { publicKey } = generateKeyPairSync('ed25519');
      expect((await call('GET', `/admin/entity-clients/${foreign.clientId}`, companyAdmin)).status).toBe(403);
      expect((await call('PATCH', `/admin/entity-clients/${foreign.clientId}`, companyAdmin, { active: false })).status).toBe(403);
      expect((await call('POST', `/admin/entity-clients/${foreign.clientId}/keys`, companyAdmin, { public_key: spki(publicKey) })).status).toBe(403);
      expect((await call('POST', '/admin/entity-clients', companyAdmin, { entity_id: other, name: 'x', scopes: ['read:data'], public_key: spki(publicKey) })).status).toBe(403);
      expect((await call('GET', `/admin/entity-clients?entity_id=${other}`, companyAdmin)).status).toBe(403);
      expect((await call('GET', `/admin/entities/${other}`, companyAdmin)).status).toBe(403);
      expect((await call('GET', '/admin/entities/424242', companyAdmin)).status).toBe(403);
      expect((await call('POST', '/admin/entities', companyAdmin, { name: 'New', type: 'organisation', business_id: '933333333', business_id_type: 'org' })).status).toBe(403);
      expect((await call('GET', '/admin/party-memberships', companyAdmin)).status).toBe(403);
      expect((await app.login(foreign)).status).toBe(200);
    });

    it('refuses a company admin scopes beyond its own token with 422, and allows the operator any', async () => {
      const { publicKey } = generateKeyPairSync('ed25519');
      const body = { entity_id: testkraft, name: 'escalate', scopes: ['manage:registrant'], public_key: spki(publicKey) };
      const escalation = await call('POST', '/admin/entity-clients', companyAdmin, body);
      expect(escalation.status).toBe(422);
      expect(escalation.body.errors).toEqual([{ field: 'scopes', messages: ['exceed the scopes of your own token'] }]);
      const own = await call('POST', '/admin/entity-clients', companyAdmin, { ...body, scopes: ['read:data'] });
      expect((await call('PATCH', `/admin/entity-clients/${own.body.client_id}`, companyAdmin, { scopes: ['manage:data', 'use:registrant'] })).status).toBe(422);
      expect((await call('POST', '/admin/entity-clients', operator, { ...body, public_key: spki(generateKeyPairSync('ed25519').publicKey) })).status).toBe(201);
    });

    it("lets a company admin set its people's credentials, not others'", async () => {
      expect((await call('PUT', `/admin/entities/${kari}/credentials`, companyAdmin, { username: 'knor@testkraft.test', password: 'a long enough passphrase' })).status).toBe(204);
      const stranger = await app.adminCreate('/admin/entities', { name: 'Ola', type: 'person', business_id: 'ola@other.test', business_id_type: 'email' });
      expect((await call('PUT', `/admin/entities/${stranger.id}/credentials`, companyAdmin, { username: 'ola@other.test', password: 'a long enough passphrase' })).status).toBe(403);
      const [row] = await auditRows('credentials.set');
      expect(row.diff).toEqual({ after: { username: 'knor@testkraft.test', managed_by_entity_id: testkraft } });
      expect(JSON.stringify(await app.query('SELECT diff FROM audit_events'))).not.toMatch(/passphrase|argon2/);
    });

    it('refuses common passwords and short ones', async () => {
      for (const password of ['password1', 'qwertyuiop', 'Football', 'short']) {
        const response = await call('PUT', `/admin/entities/${kari}/credentials`, operator, { username: 'knor@testkraft.test', password });
        expect({ password, status: response.status }).toEqual({ password, status: 422 });
      }
    });

    it('refuses a token acting for a non-organisation party of the same entity', async () => {
      const spAdmin = await app.accessToken(await app.createClient(testkraft, ['manage:auth'], { partyId: spParty }));
      expect((await call('GET', '/admin/entity-clients', spAdmin)).status).toBe(403);
    });
  });

  describe('the audit trail', () => {
    it('pages newest first; a company admin sees its own entity\'s events only', async () => {
      const all = await call('GET', '/admin/audit-events?per_page=5', operator);
      expect(all.status).toBe(200);
      const ids = all.body.items.map((event: { id: number }) => event.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(all.body.items[0]).toMatchObject({ occurred_at: expect.any(String), actor: { entity_id: expect.any(Number) }, action: expect.any(String), target: expect.any(Object) });
      const own = await call('GET', '/admin/audit-events?per_page=200', companyAdmin);
      expect(own.body.items.length).toBeGreaterThan(0);
      expect(own.body.items.every((event: { target: { entity_id: number } }) => event.target.entity_id === testkraft)).toBe(true);
    });

    it('writes no row when a change fails', async () => {
      const before = await app.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events');
      await call('POST', '/admin/entities', operator, { name: 'Dup', type: 'organisation', business_id: '123456789', business_id_type: 'org' }); // 409
      await call('POST', '/admin/parties', operator, { entity_id: testkraft, name: 'Bad', type: 'service_provider', business_id: '1111111111111', business_id_type: 'gln' }); // 422
      const taken = await app.adminCreate('/admin/entities', { name: 'Per', type: 'person', business_id: 'per@testkraft.test', business_id_type: 'email' });
      const afterCreate = await app.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events');
      expect(afterCreate[0].n).toBe(before[0].n + 1);
      const conflict = await call('PUT', `/admin/entities/${taken.id}/credentials`, operator, { username: 'knor@testkraft.test', password: 'another long passphrase' }); // 409 in the transaction
      expect(conflict.status).toBe(409);
      expect(await app.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events')).toEqual(afterCreate);
    });
  });

  describe('OpenAPI', () => {
    it('documents every route the service serves', async () => {
      const document = (await call('GET', '/docs/openapi.json', undefined)).body as { paths: Record<string, Record<string, unknown>> };
      const served: string[] = [];
      for (const module of app.app.get(ModulesContainer).values()) {
        for (const controller of module.controllers.values()) {
          const type = controller.metatype as { prototype: Record<string, unknown> } | null;
          if (type === null) continue;
          const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
          for (const name of Object.getOwnPropertyNames(type.prototype)) {
            const handler = type.prototype[name];
            if (name === 'constructor' || typeof handler !== 'function' || !Reflect.hasMetadata(PATH_METADATA, handler)) continue;
            const path = `/${[base, String(Reflect.getMetadata(PATH_METADATA, handler))].filter((part) => part !== '' && part !== '/').join('/')}`.replace(/:(\w+)/g, '{$1}');
            const method: unknown = Reflect.getMetadata(METHOD_METADATA, handler);
            served.push(`${(typeof method === 'number' ? RequestMethod[method] : String(method)).toLowerCase()} ${path}`);
          }
        }
      }
      const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`));
      expect(served.length).toBeGreaterThan(25);
      expect(served.filter((route) => !documented.includes(route))).toEqual([]);
      expect((await app.fetch('/docs')).headers.get('content-type')).toMatch(/text\/html/);
    });
  });
});
