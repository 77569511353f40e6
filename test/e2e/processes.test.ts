import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, TestApp } from '../support/test-app.js';

/** One-time process tokens, finAPI's Process Controller: POST /api/v1/processes and GET /api/v1/processes/{token}. */
describe('processes', () => {
  let app: TestApp;
  let company: number;
  let sp: number;
  let client: { id: string; secret: string };

  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  async function create(body: unknown, headers: Record<string, string> = {}) {
    const response = await app.fetch('/api/v1/processes', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
  }
  const open = (references: string[], processId = 'USER_ONLY', as = client) =>
    create({ clientId: as.id, clientSecret: as.secret, clientReferences: references.map((clientReference) => ({ clientReference })), processId });
  async function redeem(token: string, query = '?invalidate=true') {
    const response = await app.fetch(`/api/v1/processes/${token}${query}`);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  beforeAll(async () => {
    app = await TestApp.start({ env: { PROCESS_MAX_OPEN: '5' } });
    company = (await app.adminCreate('/admin/entities', { name: 'Process AS', type: 'organisation', business_id: '915151515', business_id_type: 'org' })).id;
    sp = (await app.adminCreate('/admin/parties', { entity_id: company, name: 'Process SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' })).id;
    const made = await app.adminCreate('/admin/entity-clients', { entity_id: company, name: 'kyc', scopes: ['read:data'], party_id: sp, token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
    client = { id: made.client_id, secret: made.client_secret };
  });
  afterAll(() => app.close());

  it('opens processes with the client id and secret in the body, keeps only digests, and audits each', async () => {
    const answer = await open(['kyc-1', 'kyc-2']);
    expect(answer.status).toBe(201);
    expect(answer.body.processes.map((process: { clientReference: string }) => process.clientReference)).toEqual(['kyc-1', 'kyc-2']);
    const tokens: string[] = answer.body.processes.map((process: { processToken: string }) => process.processToken);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = JSON.stringify(await app.query('SELECT * FROM processes WHERE client_id = $1', [client.id]));
    for (const token of tokens) expect(stored).not.toContain(token);
    const audit = await app.query<{ action: string; actor_client_id: string; diff: any }>("SELECT action, actor_client_id, diff FROM audit_events WHERE action = 'process.create' ORDER BY id");
    expect(audit.map((row) => [row.actor_client_id, row.diff.after.client_reference])).toEqual([[client.id, 'kyc-1'], [client.id, 'kyc-2']]);
    for (const token of tokens) expect((await redeem(token)).status).toBe(200);
  });

  it("hands over the client's access token, with the process's claims, and never outliving it", async () => {
    const [process] = (await open(['claims'])).body.processes;
    const kept = await redeem(process.processToken, '');
    expect(kept.status).toBe(200);
    const claims = decodeJwt(kept.body.accessToken);
    expect(claims).toMatchObject({ client_id: client.id, party_id: sp, process_id: 'USER_ONLY', client_reference: 'claims', scope: 'read:data' });
    const [row] = await app.query<{ expires: number }>("SELECT extract(epoch FROM expires_at)::int AS expires FROM processes WHERE client_reference = 'claims'");
    expect(claims.exp).toBeLessThanOrEqual(row.expires);
    // Without invalidate the process stays open; with it, it ends.
    expect((await redeem(process.processToken, '?invalidate=false')).status).toBe(200);
    expect((await redeem(process.processToken)).status).toBe(200);
    expect(await redeem(process.processToken)).toEqual({ status: 404, body: { errors: [{ base: ['Not found'] }] } });
  });

  it('ends a process exactly once however many redeem it at the same moment', async () => {
    const [process] = (await open(['race'])).body.processes;
    const answers = await Promise.all(Array.from({ length: 50 }, () => redeem(process.processToken)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 404)).toHaveLength(49);
  });

  it('never writes a process token to the log, redeemed (200, at debug) or refused (404, at info)', async () => {
    const [process] = (await open(['logged'])).body.processes;
    expect((await redeem(process.processToken)).status).toBe(200);
    expect((await redeem(process.processToken)).status).toBe(404);
    const folder = logDirectory();
    const logs = readdirSync(folder).map((name) => readFileSync(join(folder, name), 'utf8')).join('\n');
    expect(logs).toContain('/api/v1/processes/:processToken');
    expect(logs).not.toContain(process.processToken);
  });

  it('answers an expired, unknown or malformed process token 404', async () => {
    const [process] = (await open(['expired'])).body.processes;
    await app.query("UPDATE processes SET expires_at = now() - interval '1 second' WHERE client_reference = 'expired'");
    for (const token of [process.processToken, 'A'.repeat(43), 'short', 'x'.repeat(90)]) expect((await redeem(token)).status).toBe(404);
    expect((await redeem(process.processToken, '?invalidate=yes')).status).toBe(422);
  });

  it('authenticates with Basic instead, and refuses a wrong secret or a client without client_credentials', async () => {
    const body = { clientReferences: [{ clientReference: 'basic' }], processId: 'KYC' };
    expect((await create(body, { authorization: basic(client.id, client.secret) })).status).toBe(201);
    const wrong = await create({ ...body, clientId: client.id, clientSecret: 'wrong' });
    expect({ status: wrong.status, body: wrong.body }).toEqual({ status: 401, body: { errors: [{ base: ['Not authorized'] }] } });
    expect((await create(body)).status).toBe(401);
    const passwordOnly = await app.adminCreate('/admin/entity-clients', { entity_id: company, name: 'legacy', scopes: ['read:data'], token_endpoint_auth_method: 'client_secret_post', grant_types: ['password'] });
    expect((await create({ ...body, clientId: passwordOnly.client_id, clientSecret: passwordOnly.client_secret })).status).toBe(403);
    expect(await app.query("SELECT 1 FROM processes WHERE client_id = $1", [passwordOnly.client_id])).toEqual([]);
  });

  it('names each field out of its grammar with 422', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ processId: 'user_only', clientReferences: [{ clientReference: 'a' }] }, 'processId'],
      [{ processId: '1ABC', clientReferences: [{ clientReference: 'a' }] }, 'processId'],
      [{ processId: 'A'.repeat(65), clientReferences: [{ clientReference: 'a' }] }, 'processId'],
      [{ processId: 'OK', clientReferences: [] }, 'clientReferences'],
      [{ processId: 'OK', clientReferences: Array.from({ length: 101 }, (_, i) => ({ clientReference: `r${i}` })) }, 'clientReferences'],
      [{ processId: 'OK', clientReferences: [{ clientReference: 'x'.repeat(256) }] }, 'clientReferences'],
      [{ processId: 'OK', clientReferences: [{ clientReference: '' }] }, 'clientReferences'],
      [{ processId: 'OK', clientReferences: 'kyc' }, 'clientReferences'],
    ];
    for (const [body, field] of cases) {
      const answer = await create({ clientId: client.id, clientSecret: client.secret, ...body });
      expect({ status: answer.status, fields: answer.body.errors.flatMap((error: object) => Object.keys(error)) }).toEqual({ status: 422, fields: [field] });
    }
  });

  it('holds at most PROCESS_MAX_OPEN open processes per client (429), and stores nothing for a refused request', async () => {
    await app.query('UPDATE processes SET ended_at = now() WHERE client_id = $1', [client.id]);
    expect((await open(['1', '2', '3', '4'])).status).toBe(201);
    const over = await open(['5', '6']);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await app.query("SELECT count(*)::int AS n FROM processes WHERE client_reference IN ('5', '6')")).toEqual([{ n: 0 }]);
    expect((await open(['5'])).status).toBe(201);
  });
});

/** Where the suite's services write their logs (LOG_LEVEL debug): the global setup names it. */
function logDirectory(): string {
  return process.env.TEST_LOG_DIR ?? '/tmp';
}
