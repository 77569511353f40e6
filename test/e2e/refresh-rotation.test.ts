import { generateKeyPairSync } from 'node:crypto';
import { createDpopProof } from '../../src/crypto/dpop-proof.js';
import { CodeFlowDriver, FormBrowser } from '../support/code-flow.js';
import { PUBLIC_URL, TEST_PASSWORDS, TestApp } from '../support/test-app.js';

const PASSWORD = TEST_PASSWORDS[0];
const CALLBACK = 'https://app.example/callback';
const IDLE_SECONDS = 600;

/**
 * Rotation in one statement, and a successor remembered by the process that
 * issued it (no read before its next use): every rule holds as when each use
 * read the token first, including for a use on another replica, which the
 * tests stand in for by writing to the database as that replica would.
 */
describe('refresh-token rotation', () => {
  let app: TestApp;
  let operator: string;
  let person: number;
  let flow: CodeFlowDriver;
  let publicFlow: CodeFlowDriver;
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const dpop = (proofKey = key) => ({ dpop: createDpopProof(proofKey, { method: 'POST', url: `${PUBLIC_URL}/auth/token` }) });

  beforeAll(async () => {
    app = await TestApp.start({ env: { REFRESH_TOKEN_IDLE_TTL: String(IDLE_SECONDS) } });
    operator = await app.accessToken(app.operator);
    const company = (await app.adminCreate('/admin/entities', { name: 'Spinn AS', type: 'organisation', business_id: '917171717', business_id_type: 'org' })).id;
    person = (await app.adminCreate('/admin/entities', { name: 'Per Spinn', type: 'person', business_id: 'per@spinn.test', business_id_type: 'email' })).id;
    expect((await app.api('PUT', `/admin/entities/${person}/credentials`, operator, { username: 'per@spinn.test', password: PASSWORD })).status).toBe(204);
    const registration = { entity_id: company, scopes: ['read:data', 'manage:data'], grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [CALLBACK] };
    const confidential = await app.adminCreate('/admin/entity-clients', { ...registration, name: 'Spinn App', token_endpoint_auth_method: 'client_secret_basic' });
    const open = await app.adminCreate('/admin/entity-clients', { ...registration, name: 'Spinn Mobile', token_endpoint_auth_method: 'none' });
    const login = { username: 'per@spinn.test', password: PASSWORD };
    flow = new CodeFlowDriver(app, { id: confidential.client_id, secret: confidential.client_secret }, CALLBACK, login);
    publicFlow = new CodeFlowDriver(app, { id: open.client_id }, CALLBACK, login);
  });
  afterAll(() => app.close());

  const refresh = (refreshToken: string, extra: Record<string, string> = {}) => flow.token({ grant_type: 'refresh_token', refresh_token: refreshToken, ...extra });
  const userinfoStatus = async (accessToken: string) => (await app.api('GET', '/auth/userinfo', accessToken)).status;
  /** A login and one rotation: the second refresh token is one this process remembers. */
  async function remembered(): Promise<{ first: Record<string, any>; second: Record<string, any> }> {
    const first = await flow.tokens(new FormBrowser(app));
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    return { first, second: second.body };
  }
  /** What another replica does when it rotates the token: uses it. */
  const usedElsewhere = (grantId: string) => app.query('UPDATE refresh_tokens SET used_at = now() WHERE grant_id = $1 AND used_at IS NULL', [grantId]);
  const sidOf = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).sid as string;

  it('of two uses at once, exactly one rotates, and the family ends with every token issued from it', async () => {
    const { first, second } = await remembered();
    const answers = await Promise.all([refresh(second.refresh_token), refresh(second.refresh_token)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
    const winner = answers.find((answer) => answer.status === 200)!.body;
    expect(answers.find((answer) => answer.status === 400)!.body.error).toBe('invalid_grant');
    expect(await refresh(winner.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await userinfoStatus(winner.access_token)).toBe(401);
    expect(await userinfoStatus(first.access_token)).toBe(401);
    expect(await userinfoStatus(second.access_token)).toBe(401);
  });

  it('ends the family when a remembered token was used on another replica, even when the request is refused for its scope', async () => {
    const { first, second } = await remembered();
    await usedElsewhere(sidOf(first.access_token));
    // Asking for more than the grant holds would be invalid_scope: the reuse is found first and ends the family.
    expect(await refresh(second.refresh_token, { scope: 'openid profile email' })).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringMatching(/used before/) } });
    expect(await userinfoStatus(second.access_token)).toBe(401);

    const again = await remembered();
    await usedElsewhere(sidOf(again.first.access_token));
    expect(await refresh(again.second.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringMatching(/used before/) } });
    expect(await userinfoStatus(again.second.access_token)).toBe(401);
  });

  it('decides before it uses a remembered token up: a refusal leaves it usable, and its successor lives the idle lifetime', async () => {
    const { second } = await remembered();
    expect(await refresh(second.refresh_token, { scope: 'openid profile email' })).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    expect((await app.api('PATCH', `/admin/entities/${person}`, operator, { status: 'inactive' })).status).toBe(200);
    try {
      expect(await refresh(second.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    } finally {
      expect((await app.api('PATCH', `/admin/entities/${person}`, operator, { status: 'active' })).status).toBe(200);
    }
    const third = await refresh(second.refresh_token, { scope: 'openid' });
    expect(third).toMatchObject({ status: 200, body: { scope: 'openid' } });
    const [row] = await app.query<{ idle: number; capped: boolean }>(
      `SELECT extract(epoch FROM t.expires_at - t.created_at)::int AS idle, t.expires_at <= g.expires_at AS capped
         FROM refresh_tokens t JOIN grants g ON g.id = t.grant_id WHERE g.id = $1 AND t.used_at IS NULL`,
      [sidOf(third.body.access_token)],
    );
    expect(row).toEqual({ idle: IDLE_SECONDS, capped: true });
    // Past its idle lifetime it is refused (the family stands: it was never used).
    await app.query("UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE grant_id = $1 AND used_at IS NULL", [sidOf(third.body.access_token)]);
    expect(await refresh(third.body.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringMatching(/unknown, expired/) } });
  });

  it("keeps a public client's refresh tokens bound to its DPoP key, remembered or not", async () => {
    const issued = await publicFlow.tokens(new FormBrowser(app), {}, dpop());
    const publicRefresh = (token: string, headers: Record<string, string>) => publicFlow.token({ grant_type: 'refresh_token', refresh_token: token }, undefined, headers);
    expect(await publicRefresh(issued.refresh_token, dpop(otherKey))).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringMatching(/bound to a DPoP key/) } });
    const second = await publicRefresh(issued.refresh_token, dpop());
    expect(second.status).toBe(200);
    expect(await publicRefresh(second.body.refresh_token, {})).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringMatching(/bound to a DPoP key/) } });
    expect(await publicRefresh(second.body.refresh_token, dpop(otherKey))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await publicRefresh(second.body.refresh_token, dpop())).status).toBe(200);
  });
});
