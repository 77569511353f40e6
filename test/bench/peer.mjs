// npm run bench:peer: ours and the peer (node-oidc-provider 9 from ../shared/peer-bench, its dependencies kept out of
// this tree in PEER_DEPS) side by side, in alternating rounds of one run, with the same load generator (the peer
// bench's load.mjs) for the two flows both have: JWT-bearer and client_credentials. Our refresh-token rotation and
// DPoP-bound client_credentials are measured in the same rounds against the peer's client_credentials. Prints each
// round and the ratios (median over the rounds); writes bench-peer-results.json. See docs/performance.md.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { drive } from './lib/drive.mjs';
import { dpopClientCredentialsStep, refreshStep } from './lib/flows.mjs';
import { dpopProver } from './lib/seed.mjs';
import { startService, waitReady } from './lib/service.mjs';
import { refreshFamilies, seedWorld } from './lib/world.mjs';

const PEER_BENCH = resolve(process.env.PEER_BENCH_DIR ?? '../shared/peer-bench');
const PEER_DEPS = process.env.PEER_DEPS ?? '/tmp/peer-bench-deps';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = 64;
const PORT = Number(process.env.BENCH_PORT ?? 3900);
const TARGETS = { jwtBearer: 2.0, clientCredentials: 2.0, refresh: 1.5, dpop: 1.5, p99Ms: 50 };

const freePort = () => new Promise((done) => { const server = createServer().listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => done(port)); }); });
const median = (values) => { const sorted = [...values].sort((a, b) => a - b); const mid = sorted.length >> 1; return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2; };
const round2 = (value) => Math.round(100 * value) / 100;

/** The peer's dependencies and keys, installed once into PEER_DEPS (never into this tree). */
function preparePeer() {
  if (!existsSync(join(PEER_BENCH, 'peer-server.mjs'))) throw new Error(`no peer bench at ${PEER_BENCH} (set PEER_BENCH_DIR)`);
  if (!existsSync(join(PEER_DEPS, 'node_modules/oidc-provider/package.json')) || !existsSync(join(PEER_DEPS, 'node_modules/autocannon/package.json'))) {
    console.error(`installing oidc-provider@9 and autocannon@9 into ${PEER_DEPS}`);
    execFileSync('npm', ['install', '--prefix', PEER_DEPS, '--no-audit', '--no-fund', '--loglevel=error', 'oidc-provider@9', 'autocannon@9'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  execFileSync(process.execPath, [join(PEER_BENCH, 'genkeys.mjs'), join(PEER_DEPS, 'keys')], { stdio: 'ignore' });
}

async function startPeer() {
  const port = await freePort();
  const secret = randomBytes(32).toString('base64url');
  const keys = join(PEER_DEPS, 'keys');
  const child = spawn(process.execPath, [join(PEER_BENCH, 'peer-server.mjs')], {
    env: { ...process.env, PEER_DEPS, PORT: String(port), AS_JWKS: join(keys, 'as-jwks.json'), CLIENT_JWKS: join(keys, 'client-jwks.json'), JTI_STORE: 'full', CC_CLIENT_SECRET: secret },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.on('exit', () => child.kill('SIGTERM'));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/.well-known/openid-configuration`)).ok) break; } catch { /* not listening yet */ }
    await new Promise((done) => setTimeout(done, 100));
  }
  return { base, tokenUrl: `${base}/token`, secret, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

/** One run of the peer bench's load.mjs (a warm-up, then the timed run): its JSON line; the peer's CPU share too (`watchPid`: ours is a tree of processes). */
function load(args, watchPid) {
  const run = (extra) => JSON.parse(execFileSync(process.execPath, [join(PEER_BENCH, 'load.mjs'), ...args, '--connections', String(CONNECTIONS), ...extra], { env: { ...process.env, PEER_DEPS }, encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').at(-1));
  run(['--duration', String(WARMUP), '--no-preflight', ...(args.includes('jwt-bearer') || !args.includes('--mode') ? ['--count', '40000'] : [])]);
  return run(['--duration', String(SECONDS), ...(watchPid === undefined ? [] : ['--watch-pid', String(watchPid)])]);
}

async function main() {
  preparePeer();
  const service = startService({ port: PORT, env: { AUTHORIZATION_REQUESTS_PER_MINUTE: '1000000' } });
  const peer = await startPeer();
  await waitReady(service.base);
  const world = await seedWorld(service, { people: true });
  const keyFile = join(mkdtempSync(join(tmpdir(), 'bench-peer-')), 'client-priv.json');
  writeFileSync(keyFile, JSON.stringify(world.client.jwk), { mode: 0o600 });
  const ourToken = `${service.base}/auth/token`;
  // The same arguments as run-peer.sh gives the peer; ours reads the client from the assertion's iss. A secret is
  // passed as --client-secret=… : base64url may begin with a dash.
  const flows = {
    jwtBearer: {
      ours: () => load(['--url', ourToken, '--client-id', world.client.clientId, '--key', keyFile, '--aud', ourToken]),
      peer: () => load(['--url', peer.tokenUrl, '--client-id', 'm2m-client', '--key', join(PEER_DEPS, 'keys/client-priv.json'), '--aud', peer.tokenUrl, '--form-extra', 'client_id=m2m-client'], peer.pid),
    },
    clientCredentials: {
      ours: () => load(['--mode', 'client-credentials', '--url', ourToken, '--client-id', world.secret.clientId, `--client-secret=${world.secret.secret}`]),
      peer: () => load(['--mode', 'client-credentials', '--url', peer.tokenUrl, '--client-id', 'cc-client', `--client-secret=${peer.secret}`, '--form-extra', 'scope=api:read api:write'], peer.pid),
    },
  };
  const prove = dpopProver();
  const ourOwn = {
    refresh: async () => drive(service, 'refresh-token', refreshStep(world.app, await refreshFamilies(service, world, 1024)), { seconds: SECONDS, warmup: WARMUP }),
    dpop: async () => drive(service, 'dpop-client-credentials-login', dpopClientCredentialsStep(service.base, world.secret, prove, SECONDS + WARMUP), { seconds: SECONDS, warmup: WARMUP }),
  };

  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const round = {};
    // Alternate who goes first, so that neither always runs on a machine the other has just warmed or heated.
    const order = r % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours'];
    for (const [flow, sides] of Object.entries(flows)) {
      round[flow] = {};
      for (const side of order) round[flow][side] = pick(sides[side]());
    }
    round.refresh = pick(await ourOwn.refresh());
    round.dpop = pick(await ourOwn.dpop());
    rounds.push(round);
    printRound(r + 1, round);
  }
  peer.stop();
  await service.stop();
  const summary = summarise(rounds);
  writeFileSync('bench-peer-results.json', `${JSON.stringify({ rounds, summary, seconds: SECONDS, connections: CONNECTIONS, node: process.version }, null, 2)}\n`);
  printSummary(summary);
}

const pick = ({ requests_per_s, p50_ms, p99_ms, non_2xx, errors = 0, watched_cpu_pct }) => ({ requests_per_s, p50_ms, p99_ms, non_2xx: non_2xx + errors, ...(watched_cpu_pct === undefined ? {} : { cpu_pct: watched_cpu_pct }) });

function summarise(rounds) {
  const ratios = (of) => rounds.map(of);
  const each = {
    jwt_bearer_vs_peer: ratios((r) => r.jwtBearer.ours.requests_per_s / r.jwtBearer.peer.requests_per_s),
    client_credentials_vs_peer: ratios((r) => r.clientCredentials.ours.requests_per_s / r.clientCredentials.peer.requests_per_s),
    refresh_vs_peer_cc: ratios((r) => r.refresh.requests_per_s / r.clientCredentials.peer.requests_per_s),
    dpop_cc_vs_peer_cc: ratios((r) => r.dpop.requests_per_s / r.clientCredentials.peer.requests_per_s),
  };
  const targets = { jwt_bearer_vs_peer: TARGETS.jwtBearer, client_credentials_vs_peer: TARGETS.clientCredentials, refresh_vs_peer_cc: TARGETS.refresh, dpop_cc_vs_peer_cc: TARGETS.dpop };
  const p99 = { jwt_bearer_vs_peer: (r) => r.jwtBearer.ours.p99_ms, client_credentials_vs_peer: (r) => r.clientCredentials.ours.p99_ms };
  const failures = rounds.reduce((sum, r) => sum + r.jwtBearer.ours.non_2xx + r.clientCredentials.ours.non_2xx + r.refresh.non_2xx + r.dpop.non_2xx, 0);
  return Object.fromEntries(Object.entries(each).map(([name, values]) => {
    const worstP99 = p99[name] ? Math.max(...rounds.map(p99[name])) : undefined;
    const met = values.every((value) => value >= targets[name]) && (worstP99 === undefined || worstP99 <= TARGETS.p99Ms) && failures === 0;
    return [name, { median: round2(median(values)), rounds: values.map(round2), target: targets[name], ...(worstP99 === undefined ? {} : { worst_p99_ms: worstP99 }), met }];
  }));
}

function printRound(number, round) {
  const line = (label, s) => console.log(`  ${label.padEnd(34)} ${String(s.requests_per_s).padStart(7)}/s  p50 ${String(s.p50_ms).padStart(6)} ms  p99 ${String(s.p99_ms).padStart(6)} ms  non-2xx ${s.non_2xx}${s.cpu_pct === undefined ? '' : `  CPU ${s.cpu_pct} %`}`);
  console.log(`round ${number}`);
  line('jwt-bearer, ours', round.jwtBearer.ours);
  line('jwt-bearer, peer', round.jwtBearer.peer);
  line('client_credentials, ours', round.clientCredentials.ours);
  line('client_credentials, peer', round.clientCredentials.peer);
  line('refresh-token, ours', round.refresh);
  line('DPoP client_credentials, ours', round.dpop);
}

function printSummary(summary) {
  console.log('\nratio (every round must meet its target; p99 ≤ 50 ms where shown; no non-2xx)');
  for (const [name, s] of Object.entries(summary)) console.log(`  ${name.padEnd(28)} median ${s.median}×  rounds ${s.rounds.join(' / ')}  target ≥ ${s.target}×${s.worst_p99_ms === undefined ? '' : `  worst p99 ${s.worst_p99_ms} ms`}  ${s.met ? 'met' : 'MISSED'}`);
  console.log('written: bench-peer-results.json');
}

main().then(() => process.exit(0), (error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
