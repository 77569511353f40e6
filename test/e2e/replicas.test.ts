import { spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { builtService } from '../support/built-service.js';
import { freePort } from '../support/free-port.js';
import { JWT_BEARER, PUBLIC_URL, TEST_PASSWORDS, TEST_TOKEN_SECRET, TestApp, generateKeyPair, signAssertion, type TestClient } from '../support/test-app.js';

const PASSWORD = TEST_PASSWORDS[0];
const USER_MAX_FAILURES = 4;

interface Replica {
  readonly base: string;
  readonly process: ChildProcess;
}

/** What a request came to: its HTTP status, or the network error that ended it. */
type Outcome = number | string;
const outcome = (error: Error & { cause?: { code?: string } }): string => error.cause?.code ?? error.message;

/**
 * Three replicas of the built service (`node dist/src/main.js`, one process
 * each) on one database, as three pods behind a load balancer: what one
 * replica decides or stores holds at the others.
 */
describe('three replicas on one database', () => {
  const replicas: Replica[] = [];
  let databaseUrl: string;
  let operator: TestClient;
  let operatorToken: string;
  let company: number;

  beforeAll(async () => {
    const entry = builtService();
    databaseUrl = await TestApp.freshDatabase(process.env.TEST_ADMIN_DATABASE_URL!);
    operator = { clientId: randomUUID(), privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, alg: 'ES256' };
    const ports = [await freePort(), await freePort(), await freePort()];
    // Started together, as a Deployment starts its pods: migrations, the signing key and the operator are made once.
    for (const port of ports) {
      replicas.push({
        base: `http://127.0.0.1:${port}`,
        process: spawn(process.execPath, [entry], {
          env: {
            ...process.env,
            NODE_OPTIONS: '',
            WORKERS: '1',
            PORT: String(port),
            HOST: '127.0.0.1',
            PUBLIC_URL,
            DATABASE_URL: databaseUrl,
            DATABASE_POOL_SIZE: '4',
            TOKEN_SECRET: TEST_TOKEN_SECRET,
            BOOTSTRAP_OPERATOR_CLIENT_ID: operator.clientId,
            BOOTSTRAP_OPERATOR_PUBLIC_KEY: createPublicKey(operator.privateKey).export({ type: 'spki', format: 'pem' }) as string,
            // The tests name client addresses in X-Forwarded-For, as a balancer on this host would.
            TRUST_PROXY: '127.0.0.1',
            LOGIN_THROTTLE_USER_MAX_FAILURES: String(USER_MAX_FAILURES),
            LOG_LEVEL: 'debug',
            LOG_FILE: join(process.env.TEST_LOG_DIR ?? '/tmp', `replica-${port}.log`),
          },
          stdio: 'ignore',
        }),
      });
    }
    const deadline = Date.now() + 40_000;
    for (const replica of replicas) {
      while (!(await fetch(`${replica.base}/health/ready`).then((response) => response.ok, () => false))) {
        if (Date.now() > deadline || replica.process.exitCode !== null) throw new Error(`a replica did not become ready (exit ${replica.process.exitCode})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    operatorToken = await accessToken(replicas[0], operator);
    company = (await admin(replicas[0], 'POST', '/admin/entities', { name: 'Replica AS', type: 'organisation', business_id: '912345678', business_id_type: 'org' })).body.id;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.filter((replica) => replica.process.exitCode === null && replica.process.signalCode === null).map((replica) => new Promise<void>((resolve) => {
      const force = setTimeout(() => replica.process.kill('SIGKILL'), 10_000);
      replica.process.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      replica.process.kill('SIGTERM');
    })));
  });

  async function admin(replica: Replica, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${replica.base}${path}`, { method, headers: { authorization: `Bearer ${operatorToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }
  const login = (replica: Replica, assertion: string) =>
    fetch(`${replica.base}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString() });
  async function accessToken(replica: Replica, client: TestClient): Promise<string> {
    const response = await login(replica, await signAssertion(client));
    const body = (await response.json()) as { access_token?: string };
    if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(body)}`);
    return body.access_token!;
  }
  async function newClient(): Promise<TestClient> {
    const { publicKey, privateKey } = generateKeyPair('ES256');
    const created = await admin(replicas[0], 'POST', '/admin/entity-clients', { entity_id: company, name: 'replica client', scopes: ['read:data'], public_key: publicKey.export({ type: 'spki', format: 'pem' }) });
    expect(created.status).toBe(201);
    return { clientId: created.body.client_id, privateKey, alg: 'ES256', kid: created.body.keys[0].kid };
  }
  const userinfo = (replica: Replica, token: string): Promise<Outcome> =>
    fetch(`${replica.base}/auth/userinfo`, { headers: { authorization: `Bearer ${token}` } }).then((response) => response.arrayBuffer().then(() => response.status), outcome);
  const passwordLogin = (replica: Replica, username: string, password: string, address: string) =>
    fetch(`${replica.base}/api/v1/registrant/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': address }, body: JSON.stringify({ username, password }) }).then((response) => response.arrayBuffer().then(() => response.status));
  /** Milliseconds until `check` holds (fails after 3 s). */
  async function msUntil(check: () => Promise<boolean>, since: number): Promise<number> {
    while (Date.now() - since < 3000) {
      if (await check()) return Date.now() - since;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('not within 3 s');
  }

  it('an assertion replayed to all three at once is accepted exactly once', async () => {
    const client = await newClient();
    const assertions = await Promise.all(Array.from({ length: 20 }, () => signAssertion(client)));
    const statuses = await Promise.all(assertions.map((assertion) => Promise.all(replicas.map((replica) => login(replica, assertion).then(async (response) => ({ status: response.status, error: ((await response.json()) as { error?: string }).error }))))));
    for (const answers of statuses) {
      expect(answers.filter(({ status }) => status === 200)).toHaveLength(1);
      expect(answers.filter(({ status }) => status !== 200)).toEqual([{ status: 400, error: 'invalid_grant' }, { status: 400, error: 'invalid_grant' }]);
    }
  });

  it('password failures spread over the three count together: the username locks on all of them', async () => {
    const person = async (username: string) => {
      const entity = await admin(replicas[0], 'POST', '/admin/entities', { name: username, type: 'person', business_id: username, business_id_type: 'email' });
      expect((await admin(replicas[1], 'PUT', `/admin/entities/${entity.body.id}/credentials`, { username, password: PASSWORD })).status).toBe(204);
    };
    await person('spread@replicas.test');
    await person('under@replicas.test');
    // Each failure from an address of its own, in turn at each replica: no replica alone sees more than two.
    for (let i = 0; i < USER_MAX_FAILURES; i++) expect(await passwordLogin(replicas[i % 3], 'spread@replicas.test', `wrong ${i}`, `198.51.100.${i + 1}`)).toBe(401);
    for (let i = 0; i < USER_MAX_FAILURES - 1; i++) expect(await passwordLogin(replicas[i % 3], 'under@replicas.test', `wrong ${i}`, `198.51.100.${i + 1}`)).toBe(401);
    // The right password, from an address the person has not used: refused everywhere for the locked one…
    for (const replica of replicas) expect(await passwordLogin(replica, 'spread@replicas.test', PASSWORD, '198.51.100.50')).toBe(429);
    // …while one failure fewer locks nothing.
    expect(await passwordLogin(replicas[2], 'under@replicas.test', PASSWORD, '198.51.100.50')).toBe(201);
  });

  it('a revocation at one replica is refused at the other two within a second', async () => {
    const token = await accessToken(replicas[1], await newClient());
    for (const replica of replicas) expect(await userinfo(replica, token)).toBe(200);
    const started = Date.now();
    const revoked = await fetch(`${replicas[0].base}/auth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
    expect(revoked.status).toBe(200);
    for (const replica of replicas.slice(1)) expect(await msUntil(async () => (await userinfo(replica, token)) === 401, started)).toBeLessThan(1000);
  });

  it('a client deactivated through the admin API at one replica cannot log in at any within a second', async () => {
    const client = await newClient();
    for (const replica of replicas) await accessToken(replica, client);
    const started = Date.now();
    expect((await admin(replicas[2], 'POST', `/admin/entity-clients/${client.clientId}/deactivate`)).body.active).toBe(false);
    for (const replica of replicas) {
      expect(await msUntil(async () => (await login(replica, await signAssertion(client))).status === 400, started)).toBeLessThan(1000);
    }
  });

  it('one replica killed (SIGKILL) under load: its tokens stay valid at the others, and no login is half-done', async () => {
    const client = await newClient();
    const tokens = await Promise.all(replicas.map((replica) => accessToken(replica, client)));
    const victim = replicas[2];
    const logins: { replica: Replica; jti: string; assertion: string; outcome: Outcome; token?: string }[] = [];
    const userinfos: { replica: Replica; outcome: Outcome }[] = [];
    let stopping = false;
    let turn = 0;
    const loginLoop = async () => {
      while (!stopping) {
        const replica = replicas[turn++ % 3];
        const jti = randomUUID();
        const assertion = await signAssertion(client, { jti });
        const record: (typeof logins)[number] = { replica, jti, assertion, outcome: 'unanswered' };
        logins.push(record);
        try {
          const response = await login(replica, assertion);
          const body = (await response.json()) as { access_token?: string };
          record.outcome = response.status;
          record.token = body.access_token;
        } catch (error) {
          record.outcome = outcome(error as Error);
        }
      }
    };
    const userinfoLoop = async () => {
      while (!stopping) {
        const replica = replicas[turn++ % 3];
        userinfos.push({ replica, outcome: await userinfo(replica, tokens[turn % 3]) });
      }
    };
    const load = Promise.all([...Array.from({ length: 6 }, loginLoop), ...Array.from({ length: 2 }, userinfoLoop)]);
    await new Promise((resolve) => setTimeout(resolve, 700));
    victim.process.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 800));
    stopping = true;
    await load;

    const survivors = replicas.filter((replica) => replica !== victim);
    const answered = logins.filter((record) => record.outcome === 200);
    const issuedByVictim = answered.filter((record) => record.replica === victim);
    expect(issuedByVictim.length).toBeGreaterThan(10);
    expect(answered.filter((record) => record.replica !== victim).length).toBeGreaterThan(10);
    // Only the victim failed requests, and only by going away.
    const failed = [...logins, ...userinfos].filter((record) => record.outcome !== 200);
    expect(failed.filter((record) => record.replica !== victim || typeof record.outcome === 'number')).toEqual([]);
    // Every token the victim issued (and every other) works at the survivors.
    for (const record of answered) {
      for (const replica of survivors) expect({ jti: record.jti, at: replica.base, status: await userinfo(replica, record.token!) }).toEqual({ jti: record.jti, at: replica.base, status: 200 });
    }
    // The jti store matches the answers: every answered login stored its jti, a login refused at connect stored none…
    const stored = new Set((await queryJtis(databaseUrl, client.clientId)));
    for (const record of answered) expect(stored.has(record.jti)).toBe(true);
    const attempted = new Map(logins.map((record) => [record.jti, record]));
    const unanswered = logins.filter((record) => record.outcome !== 200);
    for (const record of unanswered.filter((item) => item.outcome === 'ECONNREFUSED')) expect(stored.has(record.jti)).toBe(false);
    // …nothing is stored that was not asked for (besides the three logins above)…
    expect([...stored].filter((jti) => !attempted.has(jti))).toHaveLength(3);
    // …and a login cut off in flight either stored nothing or can never be replayed.
    for (const record of unanswered.filter((item) => item.outcome !== 'ECONNREFUSED' && stored.has(item.jti))) {
      const replay = await login(survivors[0], record.assertion);
      expect({ jti: record.jti, status: replay.status }).toEqual({ jti: record.jti, status: 400 });
    }
  }, 40_000);
});

async function queryJtis(databaseUrl: string, clientId: string): Promise<string[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ jti: string }>('SELECT jti FROM used_assertions WHERE client_id = $1', [clientId])).rows.map((row) => row.jti);
  } finally {
    await client.end();
  }
}
