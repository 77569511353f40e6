import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { builtService } from '../support/built-service.js';
import { freePort } from '../support/free-port.js';
import { decodeJwt, TEST_TOKEN_SECRET, TestApp } from '../support/test-app.js';

const DEMO_CLI = join(new URL('../../', import.meta.url).pathname, 'dist/src/demo/demo-cli.js');

/** `npm run demo` as the built command runs it: the commands on standard output, what it did on standard error. */
function demo(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [DEMO_CLI], { env: { PATH: process.env.PATH!, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

async function query(databaseUrl: string, sql: string): Promise<Record<string, any>[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Runs the printed commands in bash, as a user pasting them, and returns each JSON answer they print. */
function runCommands(script: string): Record<string, any>[] {
  const stdout = execFileSync('bash', ['-c', `set -euo pipefail\n${script}`], { env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp' }, timeout: 60_000 }).toString();
  return execFileSync('jq', ['-c', '.'], { input: stdout }).toString().trim().split('\n').map((line) => JSON.parse(line));
}

describe('npm run demo', () => {
  let service: ChildProcess;
  let base: string;
  let databaseUrl: string;
  let dataDir: string;
  let env: Record<string, string>;
  let first: { code: number; stdout: string; stderr: string };

  /** Every row the demo writes, and the stored secrets: a second run must leave them as they were. */
  const snapshot = async () => {
    const [row] = await query(databaseUrl, `SELECT (SELECT json_agg(e ORDER BY id) FROM entities e) AS entities, (SELECT json_agg(p ORDER BY id) FROM parties p) AS parties,
                               (SELECT json_agg(m ORDER BY id) FROM party_memberships m) AS memberships, (SELECT json_agg(c ORDER BY client_id) FROM entity_clients c) AS clients,
                               (SELECT json_agg(k ORDER BY kid) FROM entity_client_keys k) AS keys, (SELECT json_agg(s.digest ORDER BY secret_id) FROM entity_client_secrets s) AS secrets,
                               (SELECT json_agg(r.password_hash) FROM registrant_credentials r) AS credentials, (SELECT count(*)::int FROM audit_events) AS audit`);
    return row;
  };

  beforeAll(async () => {
    const entry = builtService();
    databaseUrl = await TestApp.freshDatabase(process.env.TEST_ADMIN_DATABASE_URL!);
    dataDir = mkdtempSync(join(tmpdir(), 'token-issuer-demo-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { DATABASE_URL: databaseUrl, TOKEN_SECRET: TEST_TOKEN_SECRET, PUBLIC_URL: base, DATA_DIR: dataDir, LOG_FILE: join(process.env.TEST_LOG_DIR ?? '/tmp', `demo-${port}.log`) };
    // A first start, as `npm start` makes it: no BOOTSTRAP_*.
    service = spawn(process.execPath, [entry], { env: { PATH: process.env.PATH, ...env, WORKERS: '1', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'debug' }, stdio: 'ignore' });
    let ready = false;
    for (let i = 0; i < 300 && !ready; i++) {
      ready = await fetch(`${base}/health/ready`).then((response) => response.ok, () => false);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!ready) throw new Error('the service did not become ready');
    first = await demo(env);
  }, 120_000);
  afterAll(() => {
    if (service?.exitCode === null) service.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("loads the seeds' world through the admin services, audited", async () => {
    expect({ code: first.code, stderr: first.stderr }).toEqual({
      code: 0,
      stderr: "Made: Testkraft AS, Testkraft ORG, Testkraft SP, Kari Nordmann, Kari's membership of Testkraft ORG, Kari's password, the private key of PC #1, PC #1, Testkraft backend.\n",
    });
    const { entities, parties, clients, audit } = await snapshot();
    expect(entities.map((entity: any) => [entity.name, entity.business_id])).toEqual([['FIS Operator', expect.any(String)], ['Testkraft AS', '123456789'], ['Kari Nordmann', 'knor@testkraft.test']]);
    expect(parties.map((party: any) => [party.name, party.type, party.business_id])).toEqual([
      ['FIS Operator', 'flexibility_information_system_operator', expect.any(String)], ['Testkraft ORG', 'organisation', '123456789'], ['Testkraft SP', 'service_provider', '1111111111116'],
    ]);
    const testkraft = entities[1].id;
    expect(clients.filter((client: any) => client.entity_id === testkraft).map((client: any) => [client.name, client.token_endpoint_auth_method, client.party_id, client.scopes]).sort()).toEqual([
      ['PC #1', 'private_key_jwt', parties[2].id, ['manage:auth', 'manage:data']], ['Testkraft backend', 'client_secret_post', parties[2].id, ['read:data']],
    ]);
    // Each change is in the trail, made by the operator organisation acting for the operator party.
    expect((await query(databaseUrl, 'SELECT action FROM audit_events ORDER BY id')).map((row) => row.action)).toEqual([
      'entity.create', 'party.create', 'party.create', 'entity.create', 'party_membership.create', 'credentials.set', 'entity_client.create', 'entity_client.create',
    ]);
    expect(audit).toBe(8);
    expect(await query(databaseUrl, 'SELECT DISTINCT actor_entity_id, actor_party_id FROM audit_events')).toEqual([{ actor_entity_id: entities[0].id, actor_party_id: parties[0].id }]);
  });

  it('keeps the private key, the secret and the password in DATA_DIR/demo with mode 600', () => {
    const folder = join(dataDir, 'demo');
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    for (const name of ['pc1.key', 'backend.secret', 'kari.password', 'pc1-assertion.mjs']) expect({ name, mode: statSync(join(folder, name)).mode & 0o777 }).toEqual({ name, mode: 0o600 });
    expect(readFileSync(join(folder, 'pc1.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    // The printed commands hold no secret: they read each from its file.
    for (const name of ['backend.secret', 'kari.password']) expect(first.stdout).not.toContain(readFileSync(join(folder, name), 'utf8'));
  });

  it('prints commands that log in with each flow', async () => {
    const { parties } = await snapshot();
    const [operatorParty, org, sp] = parties.map((party: any) => party.id);
    const [jwtBearer, clientCredentials, kariParties, exchanged, passwordGrant] = runCommands(first.stdout);
    expect(decodeJwt(jwtBearer.access_token)).toMatchObject({ party_id: sp, role: 'flex_service_provider', scope: 'manage:auth manage:data' });
    expect(decodeJwt(clientCredentials.access_token)).toMatchObject({ party_id: sp, scope: 'read:data' });
    expect(kariParties.parties.map((party: any) => party.party_id)).toEqual([org]);
    expect(decodeJwt(exchanged.access_token)).toMatchObject({ party_id: org, role: 'flex_organisation', scope: 'manage:auth manage:data' });
    expect(decodeJwt(passwordGrant.access_token)).toMatchObject({ role: 'flex_entity', scope: 'read:data' });
    expect(operatorParty).not.toBe(org);
  });

  it('changes nothing on a second run, and prints the same commands', async () => {
    const before = await snapshot();
    const second = await demo(env);
    expect({ code: second.code, stderr: second.stderr, stdout: second.stdout }).toEqual({ code: 0, stderr: 'The demo world is in place already: nothing changed.\n', stdout: first.stdout });
    expect(await snapshot()).toEqual(before);
    // A run is no start of the service: the link the service printed still works (a run made no other).
    const code = /#\/setup\/([A-Za-z0-9_-]{43})/.exec(readFileSync(env.LOG_FILE, 'utf8'))![1];
    const link = await fetch(`${base}/api/v1/setup/link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    expect(link.status).toBe(200);
  });

  it('replaces a lost secret (a secret is shown once), and the commands work with the new one', async () => {
    rmSync(join(dataDir, 'demo', 'backend.secret'));
    const third = await demo(env);
    expect({ code: third.code, stderr: third.stderr, same: third.stdout === first.stdout }).toEqual({ code: 0, stderr: 'Made: the secret of Testkraft backend.\n', same: true });
    expect(runCommands(third.stdout)[1].access_token).toEqual(expect.any(String));
  });
});
