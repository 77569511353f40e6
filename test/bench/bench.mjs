// npm run bench: the service in production mode on its own embedded Postgres (or DATABASE_URL),
// seeded over its admin API, driven by autocannon; writes bench-results.json. See README "Performance".
import { spawn } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { hash } from '@node-rs/argon2';
import pg from 'pg';
import { AesTokenCodec } from '../../dist/src/crypto/aes-token-codec.js';
import { connectOrStartEmbedded } from '../../dist/src/database/embedded-postgres.js';

const PORT = Number(process.env.BENCH_PORT ?? 3900);
const BASE = `http://127.0.0.1:${PORT}`;
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 64;
const PASSWORD = 'benchmark passphrase 2026';
// The password scenario rotates through this many people: the throttle admits only a few attempts of one person from one address at once.
const BENCH_PEOPLE = 200;
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
function signJwt(privateKey, header, payload) {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

// --- the service -------------------------------------------------------------------------------
const operatorKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const operatorId = randomUUID();
const dataDir = mkdtempSync(join(tmpdir(), 'token-issuer-bench-'));
// BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=prof", profiles the service; BENCH_ONLY=userinfo runs one scenario.
const service = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), 'dist/src/main.js'], {
  env: {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(PORT),
    HOST: '127.0.0.1',
    PUBLIC_URL: BASE,
    DATA_DIR: dataDir,
    EMBEDDED_POSTGRES_PORT: String(PORT + 1),
    LOG_LEVEL: 'warn',
    BOOTSTRAP_OPERATOR_CLIENT_ID: operatorId,
    BOOTSTRAP_OPERATOR_PUBLIC_KEY: operatorKeys.publicKey.export({ type: 'spki', format: 'pem' }),
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const stopService = () => service.kill('SIGTERM');
process.on('exit', stopService);

async function waitReady() {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${BASE}/health/ready`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the service did not become ready');
}

/** Peak resident memory (VmHWM) of the largest worker (or of the service when it has none), in MB. */
function peakRssMb() {
  const children = readFileSync(`/proc/${service.pid}/task/${service.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  // The embedded Postgres is a child of the primary too: only node processes are workers.
  const workers = children.filter((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'node');
  const peaks = (workers.length > 0 ? workers : [String(service.pid)]).map((pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]));
  return Math.round(Math.max(...peaks) / 1024);
}

// --- seeding ------------------------------------------------------------------------------------
const assertionFor = (clientId, key, kid, sub) => {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(key, { alg: 'ES256', kid }, { iss: clientId, aud: `${BASE}/auth/token`, jti: randomUUID(), iat: now, exp: now + 120, ...(sub ? { sub } : {}) });
};
async function token(clientId, key, kid, sub) {
  const response = await fetch(`${BASE}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: assertionFor(clientId, key, kid, sub) }) });
  const body = await response.json();
  if (!response.ok) throw new Error(`login failed: ${JSON.stringify(body)}`);
  return body.access_token;
}
async function admin(operatorToken, method, path, body) {
  const response = await fetch(`${BASE}${path}`, { method, headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}
async function newClient(operatorToken, entityId, scopes, partyId) {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const created = await admin(operatorToken, 'POST', '/admin/entity-clients', { entity_id: entityId, name: 'bench', scopes, ...(partyId ? { party_id: partyId } : {}), public_key: keys.publicKey.export({ type: 'spki', format: 'pem' }) });
  return { clientId: created.client_id, kid: created.keys[0].kid, key: createPrivateKey(keys.privateKey.export({ type: 'pkcs8', format: 'pem' })) };
}

/** BENCH_PEOPLE people with password credentials (PASSWORD), made a few at a time; returns their usernames. */
async function benchPeople(operatorToken) {
  const usernames = Array.from({ length: BENCH_PEOPLE }, (_, i) => `bench${i}@bench.test`);
  for (let i = 0; i < usernames.length; i += 8) {
    await Promise.all(usernames.slice(i, i + 8).map(async (username) => {
      const person = await admin(operatorToken, 'POST', '/admin/entities', { name: 'Bench Person', type: 'person', business_id: username, business_id_type: 'email' });
      await admin(operatorToken, 'PUT', `/admin/entities/${person.id}/credentials`, { username, password: PASSWORD });
    }));
  }
  return usernames;
}

/** Valid Estonian personal codes (check digit computed), all distinct. */
function estonianIdents(count) {
  const idents = [];
  for (let serial = 0; idents.length < count; serial++) {
    const base = `38001${String(10 + (serial % 18)).padStart(2, '0')}${String(serial % 1000).padStart(3, '0')}`.slice(0, 10);
    const digits = [...base].map(Number);
    let check = digits.reduce((sum, d, i) => sum + d * [1, 2, 3, 4, 5, 6, 7, 8, 9, 1][i], 0) % 11;
    if (check === 10) check = (digits.reduce((sum, d, i) => sum + d * [3, 4, 5, 6, 7, 8, 9, 1, 2, 3][i], 0) % 11) % 10;
    const ident = `${base}${check}`;
    if (!idents.includes(ident)) idents.push(ident);
  }
  return idents;
}

// --- scenarios ------------------------------------------------------------------------------------
async function drive(name, request) {
  if (process.env.BENCH_ONLY && process.env.BENCH_ONLY !== name) return undefined;
  const result = await autocannon({ url: BASE, connections: CONNECTIONS, duration: DURATION, requests: [request] });
  return {
    name,
    requests_2xx: result['2xx'],
    requests_per_s: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    non_2xx: result.non2xx + result.errors + result.timeouts,
    ...(result.non2xx + result.errors + result.timeouts > 0 ? { failures: { status: result.statusCodeStats, errors: result.errors, timeouts: result.timeouts } } : {}),
    peak_rss_mb: peakRssMb(),
  };
}

function codecRates() {
  const codec = new AesTokenCodec(randomBytes(32).toString('hex'));
  const payload = { typ: 'registrant', eid: randomUUID(), entity_id: 507, name: 'Kari Nordmann', iat: 1, exp: 4102444800, jti: randomUUID() };
  const rate = (work) => {
    const until = performance.now() + 1000;
    let count = 0;
    while (performance.now() < until) { work(); count++; }
    return count;
  };
  const token = codec.encode(payload);
  return { encode_per_s: rate(() => codec.encode(payload)), verify_per_s: rate(() => codec.decode(token)) };
}

/** argon2id hashes per second with `parallel` hashes at a time (the service's parameters). */
async function argon2PerSecond(parallel) {
  const started = performance.now();
  let count = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (performance.now() - started < 2000) {
      await hash(PASSWORD, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
      count++;
    }
  }));
  return Math.round(count / ((performance.now() - started) / 1000));
}

/** Rows in used_assertions: every JWT-bearer login must have stored its jti. */
let databaseUrl;
async function storedJtis() {
  const url = (databaseUrl ??= process.env.DATABASE_URL ?? (await connectOrStartEmbedded(dataDir, PORT + 1)).url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT count(*)::int AS n FROM used_assertions')).rows[0].n;
  } finally {
    await client.end();
  }
}

// The issue's targets on a 2-core machine; password's is relative to the argon2id rate measured here.
const TARGETS = { 'jwt-bearer-login': 4800, 'eid-login': 3000, userinfo: 8000, 'introspect-registrant': 10000 };

async function main() {
  await waitReady();
  const operatorToken = await token(operatorId, createPrivateKey(operatorKeys.privateKey.export({ type: 'pkcs8', format: 'pem' })), undefined);
  const entity = await admin(operatorToken, 'POST', '/admin/entities', { name: 'Bench AS', type: 'organisation', business_id: '123456789', business_id_type: 'org' });
  const party = await admin(operatorToken, 'POST', '/admin/parties', { entity_id: entity.id, name: 'Bench SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' });
  const client = await newClient(operatorToken, entity.id, ['manage:data', 'read:data'], party.id);
  const partner = await newClient(operatorToken, entity.id, ['use:registrant:eid']);
  const introspector = await newClient(operatorToken, entity.id, ['use:auth:introspect']);
  const secretClient = await admin(operatorToken, 'POST', '/admin/entity-clients', { entity_id: entity.id, name: 'bench secret', scopes: ['manage:data', 'read:data'], party_id: party.id, token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(secretClient.client_id)}:${encodeURIComponent(secretClient.client_secret)}`).toString('base64')}`;
  const passwordLogins = (await benchPeople(operatorToken)).map((username) => JSON.stringify({ username, password: PASSWORD }));
  const partnerToken = await token(partner.clientId, partner.key, partner.kid);
  const introspectorToken = await token(introspector.clientId, introspector.key, introspector.kid);
  const accessToken = await token(client.clientId, client.key, client.kid);
  const registrant = await (await fetch(`${BASE}/api/v1/registrant/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: passwordLogins[0] })).json();

  // Unique jtis, signed before timing starts: enough for 16,000 logins a second.
  const assertions = Array.from({ length: 16_000 * DURATION }, () => `grant_type=${encodeURIComponent(JWT_BEARER)}&assertion=${assertionFor(client.clientId, client.key, client.kid)}`);
  const idents = estonianIdents(Number(process.env.BENCH_IDENTS ?? 5000)).map((ident) => JSON.stringify({ ident, first_name: 'Mari', last_name: 'Maasikas' }));
  let nextAssertion = 0;
  let nextIdent = 0;
  let nextPasswordLogin = 0;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const json = { 'content-type': 'application/json' };

  const scenarios = [];
  const jtisBefore = await storedJtis();
  const jwtBearer = await drive('jwt-bearer-login', { method: 'POST', path: '/auth/token', headers: form, setupRequest: (req) => ({ ...req, body: assertions[nextAssertion++ % assertions.length] }) });
  if (jwtBearer !== undefined) jwtBearer.jti_rows_stored = (await storedJtis()) - jtisBefore;
  scenarios.push(jwtBearer);
  // A secret costs one HMAC, no signature and no jti row: this one should outrun the JWT-bearer login.
  scenarios.push(await drive('client-credentials-login', { method: 'POST', path: '/auth/token', headers: { ...form, authorization: basic }, body: 'grant_type=client_credentials' }));
  scenarios.push(await drive('eid-login', { method: 'POST', path: '/api/v1/registrant/auth/token', headers: { ...json, authorization: `Bearer ${partnerToken}` }, setupRequest: (req) => ({ ...req, body: idents[nextIdent++ % idents.length] }) }));
  scenarios.push(await drive('password-login', { method: 'POST', path: '/api/v1/registrant/auth/token', headers: json, setupRequest: (req) => ({ ...req, body: passwordLogins[nextPasswordLogin++ % passwordLogins.length] }) }));
  scenarios.push(await drive('userinfo', { method: 'GET', path: '/auth/userinfo', headers: { authorization: `Bearer ${accessToken}` } }));
  scenarios.push(await drive('introspect-registrant', { method: 'POST', path: '/auth/introspect', headers: { ...form, authorization: `Bearer ${introspectorToken}` }, body: new URLSearchParams({ token: registrant.access_token }).toString() }));

  // DPoP (RFC 9449): every request carries a proof of its own (one signature to verify, one jti row), signed before
  // its scenario with an iat mid-run so that it stays within the service's 60 s window. Each should keep up with the
  // JWT-bearer login, which does the same work: a signature and a jti.
  {
    const { createDpopProof } = await import('../../dist/src/crypto/dpop-proof.js');
    const dpopKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const midRun = Math.floor(Date.now() / 1000) + Math.min(Math.floor(DURATION / 2), 50);
    const proofsFor = (request) => Array.from({ length: 8_000 * DURATION }, () => createDpopProof(dpopKey, { ...request, now: midRun }));
    const runs = (name) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY === name; // no proofs made for a scenario left out
    const withProofs = (proofs) => { let next = 0; return (req) => ({ ...req, headers: { ...req.headers, dpop: proofs[next++ % proofs.length] } }); };
    const issued = await (await fetch(`${BASE}/auth/token`, { method: 'POST', headers: { ...form, authorization: basic, dpop: createDpopProof(dpopKey, { method: 'POST', url: `${BASE}/auth/token` }) }, body: 'grant_type=client_credentials' })).json();
    if (issued.token_type !== 'DPoP') throw new Error(`no DPoP-bound token: ${JSON.stringify(issued)}`);
    const loginProofs = runs('dpop-client-credentials-login') ? proofsFor({ method: 'POST', url: `${BASE}/auth/token` }) : [];
    scenarios.push(await drive('dpop-client-credentials-login', { method: 'POST', path: '/auth/token', headers: { ...form, authorization: basic }, body: 'grant_type=client_credentials', setupRequest: withProofs(loginProofs) }));
    const userinfoProofs = runs('dpop-userinfo') ? proofsFor({ method: 'GET', url: `${BASE}/auth/userinfo`, accessToken: issued.access_token }) : [];
    scenarios.push(await drive('dpop-userinfo', { method: 'GET', path: '/auth/userinfo', headers: { authorization: `DPoP ${issued.access_token}` }, setupRequest: withProofs(userinfoProofs) }));
    const jwtBearerRate = scenarios.find((s) => s?.name === 'jwt-bearer-login')?.requests_per_s;
    Object.assign(TARGETS, { 'dpop-client-credentials-login': jwtBearerRate, 'dpop-userinfo': jwtBearerRate });
  }
  stopService();

  await new Promise((resolve) => service.once('exit', resolve)); // let a profiler write its file
  const cores = cpus().length;
  const results = {
    scenarios: scenarios.filter(Boolean),
    argon2id_per_s_one_core: await argon2PerSecond(1),
    // What the cores manage together: argon2id's 19 MiB per hash makes it bound by memory, not only by cores.
    argon2id_per_s_all_cores: await argon2PerSecond(cores),
    cores,
    codec: codecRates(),
    duration_s: DURATION,
    connections: CONNECTIONS,
    node: process.version,
  };
  // Relative targets: password's follows the argon2id rate measured here; client_credentials must outrun this run's JWT-bearer login.
  const relative = {
    'password-login': () => Math.round(0.8 * cores * results.argon2id_per_s_one_core),
    'client-credentials-login': () => results.scenarios.find((s) => s.name === 'jwt-bearer-login')?.requests_per_s,
  };
  results.targets = Object.fromEntries(results.scenarios.map((s) => [s.name, relative[s.name]?.() ?? TARGETS[s.name]]));
  writeFileSync('bench-results.json', `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nscenario                     req/s   target   p50 ms   p99 ms   non-2xx   peak RSS MB');
  for (const s of results.scenarios) console.log(`${s.name.padEnd(26)} ${String(s.requests_per_s).padStart(7)} ${String(results.targets[s.name]).padStart(8)} ${String(s.p50_ms).padStart(8)} ${String(s.p99_ms).padStart(8)} ${String(s.non_2xx).padStart(9)} ${String(s.peak_rss_mb).padStart(13)}`);
  if (jwtBearer !== undefined) console.log(`\njti rows stored during jwt-bearer-login: ${jwtBearer.jti_rows_stored} for ${jwtBearer.requests_2xx} logins`);
  console.log(`argon2id: ${results.argon2id_per_s_one_core}/s on one core, ${results.argon2id_per_s_all_cores}/s on all ${cores} together; codec on one core: ${results.codec.encode_per_s} encodes/s, ${results.codec.verify_per_s} verifications/s`);
  console.log('written: bench-results.json');
}

main().then(() => process.exit(0), (error) => {
  console.error(error.message);
  stopService();
  process.exit(1);
});
