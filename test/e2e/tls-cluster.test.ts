import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDpopProof } from '../../src/crypto/dpop-proof.js';
import { freePort } from '../support/free-port.js';
import { signAssertion, TEST_TOKEN_SECRET, TestApp, type TestClient } from '../support/test-app.js';
import { TestPki } from '../support/test-pki.js';
import { tlsFetch, type TlsIdentity } from '../support/tls-fetch.js';

/** The built service with two workers on its own HTTPS listener: mTLS and DPoP nonces hold whichever worker answers. */
describe('TLS and DPoP nonces in cluster mode', () => {
  const pki = new TestPki();
  const serverCa = pki.ca('/CN=Cluster Server CA');
  const clientCa = pki.ca('/CN=Cluster Client CA');
  const client = clientCa.issue('/O=Cluster AS/CN=pc1');
  const operator: TestClient = { clientId: randomUUID(), privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, alg: 'ES256' };
  let service: ChildProcess;
  let base: string;
  let publicUrl: string;
  let logFile: string;

  const as = (identity: Partial<TlsIdentity> = {}): TlsIdentity => ({ ca: serverCa.cert, ...identity });
  const json = async (response: Response) => ({ status: response.status, headers: response.headers, body: await response.json() });
  const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'ignore' });
    const databaseUrl = await TestApp.freshDatabase(process.env.TEST_ADMIN_DATABASE_URL!);
    const port = await freePort();
    base = `https://127.0.0.1:${port}`;
    publicUrl = `https://localhost:${port}`;
    const server = serverCa.issue('/CN=localhost', { extensions: ['subjectAltName=DNS:localhost,DNS:issuer.test,IP:127.0.0.1'] });
    logFile = join(process.env.TEST_LOG_DIR ?? '/tmp', `tls-cluster-${port}.log`);
    service = spawn(process.execPath, ['dist/src/main.js'], {
      env: {
        ...process.env, NODE_OPTIONS: '', WORKERS: '2', PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: publicUrl, DATABASE_URL: databaseUrl, TOKEN_SECRET: TEST_TOKEN_SECRET,
        TLS_CERT_FILE: server.certFile, TLS_KEY_FILE: server.keyFile, TLS_CLIENT_CA_FILE: clientCa.certFile, DPOP_NONCE: 'true', LOG_LEVEL: 'debug', LOG_FILE: logFile,
        BOOTSTRAP_OPERATOR_CLIENT_ID: operator.clientId, BOOTSTRAP_OPERATOR_PUBLIC_KEY: createPublicKey(operator.privateKey).export({ type: 'spki', format: 'pem' }) as string,
      },
      stdio: 'ignore',
    });
    for (let i = 0; i < 150; i++) {
      if (await tlsFetch(`${base}/health/ready`, {}, as()).then((response) => response.ok, () => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the cluster did not become ready');
  }, 90_000);
  afterAll(() => {
    if (service.exitCode === null) service.kill('SIGTERM');
  });

  it('authenticates by certificate and accepts one DPoP nonce on every worker', async () => {
    const login = await json(await tlsFetch(`${base}/auth/token`, form({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await signAssertion(operator, { aud: `${publicUrl}/auth/token` }) }), as()));
    const admin = async (path: string, body: object) => (await tlsFetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${login.body.access_token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }, as())).json();
    const entity = (await admin('/admin/entities', { name: 'Cluster AS', type: 'organisation', business_id: '922222222', business_id_type: 'org' })).id;
    const clientId = (await admin('/admin/entity-clients', {
      entity_id: entity, name: 'pc1', scopes: ['read:data'], grant_types: ['client_credentials'], token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=pc1,O=Cluster AS',
    })).client_id;

    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const tokenRequest = (nonce?: string) => tlsFetch(`${base}/auth/token`, form({ grant_type: 'client_credentials', client_id: clientId }, { dpop: createDpopProof(key, { method: 'POST', url: `${publicUrl}/auth/token`, nonce }) }), as(client)).then(json);
    const first = await tokenRequest();
    expect(first.body.error).toBe('use_dpop_nonce');
    const nonce = first.headers.get('dpop-nonce')!;
    // Each on a new connection, so both workers answer; every one takes the certificate and the nonce.
    const answers = await Promise.all(Array.from({ length: 24 }, () => tokenRequest(nonce)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(24).fill(200));
    expect(new Set(answers.map((answer) => answer.body.token_type))).toEqual(new Set(['DPoP']));
    const servedBy = new Set(readFileSync(logFile, 'utf8').split('\n').filter((line) => line.includes('"path":"/auth/token"')).map((line) => JSON.parse(line).pid));
    expect(servedBy.size).toBe(2);
  });
});
