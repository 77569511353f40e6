// npm run bench:jti: how many jti claims a second Postgres takes, which bounds cluster-wide
// JWT-bearer logins (every login inserts one row, whichever replica serves it). It drives the
// service's own claim path: ReplayStore's batched `unnest` insert (its own CLAIM_BATCH statement),
// synchronous_commit off, the service's Batcher with its settings (up to 500 claims a batch, two
// batches in flight, one connection each, per process), and 64 claimers at once, spread over 1 to 8 simulated processes. On the embedded
// Postgres (its data in a temporary folder, removed afterwards) or DATABASE_URL's database.
// See docs/scaling.md.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Batcher } from '../../dist/src/common/batcher.js';
import { createDataSource } from '../../dist/src/database/data-source.js';
import { ensureDatabase, startEmbeddedPostgres } from '../../dist/src/database/embedded-postgres.js';
import { migrateDatabase } from '../../dist/src/database/migrate.js';
import { CLAIM_BATCH } from '../../dist/src/oauth/replay-store.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CLAIMERS = Number(process.env.BENCH_CLAIMERS ?? 64);

const dataDir = process.env.DATABASE_URL ? undefined : mkdtempSync(join(tmpdir(), 'token-issuer-jti-bench-'));
const server = dataDir === undefined ? undefined : await startEmbeddedPostgres(dataDir, Number(process.env.BENCH_PORT ?? 3911));
let url = process.env.DATABASE_URL;
if (server !== undefined) {
  await ensureDatabase(server.adminUrl, 'jti_bench');
  url = server.url.replace(/\/token_issuer$/, '/jti_bench');
}
const dataSource = await createDataSource({ url, poolSize: 2 }).initialize();
await migrateDatabase(dataSource);

/** One simulated process: its claim pool and batcher, as ReplayStore has them. */
function simulatedProcess() {
  const pool = new pg.Pool({ connectionString: url, max: 2, options: '-c synchronous_commit=off' });
  let batches = 0;
  const batcher = new Batcher(async (claims) => {
    batches += 1;
    const result = await pool.query({ ...CLAIM_BATCH, values: [claims.map((claim) => claim.clientId), claims.map((claim) => claim.jti), claims.map((claim) => claim.expiresAt)] });
    const won = new Set(result.rows.map((row) => row.jti));
    return claims.map((claim) => won.has(claim.jti));
  }, { maxBatch: 500, maxInFlight: 2, maxWaiting: 10_000 });
  return { batcher, pool, batches: () => batches };
}

async function run(processes) {
  const simulated = Array.from({ length: processes }, simulatedProcess);
  const clients = Array.from({ length: 50 }, () => randomUUID());
  const deadline = Date.now() + SECONDS * 1000;
  let claims = 0;
  let refused = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CLAIMERS }, async (_, i) => {
    const { batcher } = simulated[i % processes];
    while (Date.now() < deadline) {
      const won = await batcher.add({ clientId: clients[claims % clients.length], jti: randomUUID(), expiresAt: new Date(Date.now() + 180_000) });
      if (won) claims += 1;
      else refused += 1;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const batches = simulated.reduce((sum, item) => sum + item.batches(), 0);
  await Promise.all(simulated.map((item) => item.pool.end()));
  if (refused > 0) throw new Error(`${refused} fresh jtis were refused`);
  return { processes, claimers: CLAIMERS, claims, claims_per_s: Math.round(claims / seconds), batches_per_s: Math.round(batches / seconds), mean_batch: Math.round((claims / batches) * 10) / 10 };
}

try {
  const results = [];
  for (const processes of [1, 2, 4, 8]) {
    results.push(await run(processes));
    console.log(JSON.stringify(results.at(-1)));
  }
  const [{ rows }] = await dataSource.query('SELECT count(*)::int AS rows FROM used_assertions');
  const claimed = results.reduce((sum, result) => sum + result.claims, 0);
  console.log(`${rows} rows stored for ${claimed} claims won`);
  if (rows !== claimed) process.exitCode = 1;
} finally {
  await dataSource.destroy();
  await server?.stop();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
}
