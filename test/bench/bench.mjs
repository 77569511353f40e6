// npm run bench: the service in production mode on its own embedded Postgres (or DATABASE_URL), seeded over its
// admin API, every scenario driven by autocannon at 64 connections; then, with the service stopped, the per-core
// rates of the cryptography each scenario cannot avoid, and each scenario's limit and efficiency. Writes
// bench-results.json. See docs/performance.md.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import pg from 'pg';
import { connectOrStartEmbedded } from '../../dist/src/database/embedded-postgres.js';
import { argon2PerSecond, codecRates, limitPerSecond, primitiveRates } from './lib/crypto-rates.mjs';
import { CONNECTIONS, drive } from './lib/drive.mjs';
import { dpopClientCredentialsStep, passwordFlowSteps, refreshStep, sessionFlowSteps, withDpopProofs } from './lib/flows.mjs';
import { assertionFor, dpopProver, estonianIdents, FORM, JSON_BODY, JWT_BEARER, PASSWORD, token } from './lib/seed.mjs';
import { startService, waitReady } from './lib/service.mjs';
import { scenarioTargets } from './lib/targets.mjs';
import { refreshFamilies, seedWorld } from './lib/world.mjs';

const PORT = Number(process.env.BENCH_PORT ?? 3900);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
// BENCH_ONLY=a,b runs only those scenarios; BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", goes to the service's node.
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const runs = (name) => ONLY === undefined || ONLY.has(name);
const REFRESH_FAMILIES = 1024;

// Every browser of the bench comes from 127.0.0.1: one address's limit of new authorization requests is lifted (the check still runs).
const env = { AUTHORIZATION_REQUESTS_PER_MINUTE: '1000000', ...(process.env.WORKERS ? { WORKERS: process.env.WORKERS } : {}) };
const service = startService({ port: PORT, entry: process.env.BENCH_ENTRY, nodeArgs: (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), env });
const { base } = service;

let databaseUrl;
/** Rows in used_assertions: every JWT-bearer login must have stored its jti. */
async function storedJtis() {
  databaseUrl ??= service.databaseUrl ?? (await connectOrStartEmbedded(service.dataDir, PORT + 1)).url;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query('SELECT count(*)::int AS n FROM used_assertions')).rows[0].n;
  } finally {
    await client.end();
  }
}

async function main() {
  await waitReady(base);
  const seeded = await seedWorld(service, { people: ['password-login', 'code-flow', 'code-flow-password', 'refresh-token'].some(runs), allConsents: runs('code-flow-password') });
  const { client, partner, introspector, secret, app } = seeded;
  const [partnerToken, introspectorToken, accessToken] = await Promise.all([token(base, partner), token(base, introspector), token(base, client)]);
  const passwordLogins = seeded.people.map(({ username }) => JSON.stringify({ username, password: PASSWORD }));
  const registrant = await (await fetch(`${base}/api/v1/registrant/auth/token`, { method: 'POST', headers: { ...JSON_BODY, authorization: `Bearer ${partnerToken}` }, body: JSON.stringify({ ident: '38001010009', first_name: 'Kari', last_name: 'Nordmann' }) })).json();
  const options = { seconds: SECONDS, warmup: WARMUP };
  const inTurn = (list, toRequest) => { let next = 0; return (req) => toRequest(req, list[next++ % list.length]); };
  const scenarios = [];
  const scenario = async (name, make, extra = {}) => { if (runs(name)) scenarios.push(await drive(service, name, await make(), { ...options, ...extra })); };

  if (runs('jwt-bearer-login')) {
    // Unique jtis, signed before timing: enough for 16,000 logins a second.
    const assertions = Array.from({ length: 16_000 * (SECONDS + WARMUP) }, () => `grant_type=${encodeURIComponent(JWT_BEARER)}&assertion=${assertionFor(base, client)}`);
    const before = await storedJtis();
    await scenario('jwt-bearer-login', () => ({ method: 'POST', path: '/auth/token', headers: FORM, setupRequest: inTurn(assertions, (req, body) => ({ ...req, body })) }));
    // Warm-up logins store theirs too: counted apart, so that the timed logins are matched by their rows.
    scenarios.at(-1).jti_rows_stored = (await storedJtis()) - before;
  }
  await scenario('client-credentials-login', () => ({ method: 'POST', path: '/auth/token', headers: { ...FORM, authorization: secret.basic }, body: 'grant_type=client_credentials' }));
  {
    const prove = dpopProver();
    await scenario('dpop-client-credentials-login', () => dpopClientCredentialsStep(base, secret, prove, SECONDS + WARMUP));
    await scenario('dpop-userinfo', async () => {
      const issued = await (await fetch(`${base}/auth/token`, { method: 'POST', headers: { ...FORM, authorization: secret.basic, dpop: prove({ method: 'POST', url: `${base}/auth/token` }) }, body: 'grant_type=client_credentials' })).json();
      if (issued.token_type !== 'DPoP') throw new Error(`no DPoP-bound token: ${JSON.stringify(issued)}`);
      const ath = createHash('sha256').update(issued.access_token).digest('base64url');
      return { method: 'GET', path: '/auth/userinfo', headers: { authorization: `DPoP ${issued.access_token}` }, setupRequest: withDpopProofs(prove, { method: 'GET', url: `${base}/auth/userinfo`, ath }, SECONDS + WARMUP) };
    });
  }
  await scenario('refresh-token', async () => refreshStep(app, await refreshFamilies(service, seeded, REFRESH_FAMILIES)));
  await scenario('code-flow', () => sessionFlowSteps(app, seeded.jars), { flow: [303, 200] });
  await scenario('code-flow-password', () => passwordFlowSteps(app, seeded.people.map(({ username }) => username)), { flow: [303, 200, 303, 200] });
  {
    // First logins create their person (audited); the eid-login scenario then logs the same people in again.
    const idents = estonianIdents(18_000).map((ident) => JSON.stringify({ ident, first_name: 'Mari', last_name: 'Maasikas' }));
    const eid = (list) => ({ method: 'POST', path: '/api/v1/registrant/auth/token', headers: { ...JSON_BODY, authorization: `Bearer ${partnerToken}` }, setupRequest: inTurn(list, (req, body) => ({ ...req, body })) });
    await scenario('eid-first-login', () => eid(idents), { warmup: 0 });
    const known = scenarios.find((s) => s.name === 'eid-first-login')?.requests_2xx ?? 0;
    await scenario('eid-login', () => eid(idents.slice(0, Math.max(known, 1000))));
  }
  await scenario('password-login', () => ({ method: 'POST', path: '/api/v1/registrant/auth/token', headers: JSON_BODY, setupRequest: inTurn(passwordLogins, (req, body) => ({ ...req, body })) }));
  await scenario('userinfo', () => ({ method: 'GET', path: '/auth/userinfo', headers: { authorization: `Bearer ${accessToken}` } }));
  await scenario('introspect-registrant', () => ({ method: 'POST', path: '/auth/introspect', headers: { ...FORM, authorization: `Bearer ${introspectorToken}` }, body: new URLSearchParams({ token: registrant.access_token }).toString() }));
  await service.stop(); // and let a profiler write its files

  const cores = cpus().length;
  const rates = { ...primitiveRates(), argon2id_per_s_one_core: await argon2PerSecond(PASSWORD, 1), argon2id_per_s_all_cores: await argon2PerSecond(PASSWORD, cores) };
  const codec = codecRates();
  Object.assign(rates, { raw_encode_per_s: codec.raw_encode_per_s, raw_verify_per_s: codec.raw_verify_per_s });
  for (const s of scenarios) {
    s.limit_per_s = limitPerSecond(s.name, rates, cores);
    s.efficiency = s.limit_per_s === undefined ? undefined : Math.round((1000 * s.requests_per_s) / s.limit_per_s) / 1000;
  }
  const targets = scenarioTargets(scenarios, rates, codec);
  scenarios.forEach((s) => { s.target = targets[s.name]; });
  const results = { scenarios, ...rates, cores, codec, codec_target: targets.codec, duration_s: SECONDS, warmup_s: WARMUP, connections: CONNECTIONS, node: process.version };
  writeFileSync('bench-results.json', `${JSON.stringify(results, null, 2)}\n`);
  report(results);
}

function report({ scenarios, codec, codec_target: codecTarget, ...rates }) {
  const cell = (value, width) => String(value ?? '—').padStart(width);
  console.log(`\n${'scenario'.padEnd(30)}   req/s  target  met   limit  effic.  p50 ms  p99 ms  non-2xx  RSS MB  CPU % of a core: service/pg/loadgen/irq/steal/other/idle`);
  for (const s of scenarios) {
    const { cpu } = s;
    const split = [cpu.workers_pct + cpu.primary_pct, cpu.postgres_pct, cpu.loadgen_pct, cpu.interrupts_pct, cpu.steal_pct, cpu.other_pct, cpu.idle_pct].join('/');
    console.log(`${s.name.padEnd(30)} ${cell(s.requests_per_s, 7)} ${cell(s.target.value, 7)}  ${s.target.met ? 'yes' : 'NO '} ${cell(s.limit_per_s, 7)} ${cell(s.efficiency, 7)} ${cell(s.p50_ms, 7)} ${cell(s.p99_ms, 7)} ${cell(s.non_2xx, 8)} ${cell(s.peak_rss_mb, 7)}  ${split}`);
  }
  console.log('\ntargets:');
  for (const s of scenarios) console.log(`  ${s.name}: ${s.target.rule}`);
  const jwt = scenarios.find((s) => s.name === 'jwt-bearer-login');
  if (jwt) console.log(`\njti rows stored during jwt-bearer-login (warm-up included): ${jwt.jti_rows_stored}; timed logins: ${jwt.requests_2xx}`);
  console.log(`one core: ES256 ${rates.es256_sign_per_s} signs/s, ${rates.es256_verify_per_s} verifies/s, HMAC-SHA256 ${rates.hmac_sha256_per_s}/s; argon2id ${rates.argon2id_per_s_one_core}/s (${rates.argon2id_per_s_all_cores}/s on all ${rates.cores} together)`);
  console.log(`codec: ${codec.encode_per_s} encodes/s (raw ${codec.raw_encode_per_s}), ${codec.verify_per_s} verifications/s (raw ${codec.raw_verify_per_s}): ${codecTarget.met ? 'met' : 'missed'} (${codecTarget.rule})`);
  console.log('written: bench-results.json');
}

main().then(() => process.exit(0), async (error) => {
  console.error(error.stack ?? error.message);
  await service.stop();
  process.exit(1);
});
