import cluster, { type Worker } from 'node:cluster';
import { join } from 'node:path';
import { readOrCreateSecretFile } from './config/secret-file.js';
import { loadConfig, ConfigError, type AppConfig } from './config/app-config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres.js';
import { createApp } from './app.js';

/** How the primary hands the database it resolved (embedded or DATABASE_URL) to its workers. */
const WORKER_DATABASE_URL = 'TOKEN_ISSUER_WORKER_DATABASE_URL';
const WORKER_STOP_TIMEOUT_MS = 30_000;

/**
 * Start-up: configuration, the database (embedded unless DATABASE_URL), then
 * the HTTP service: in this process when WORKERS is 1, otherwise in WORKERS
 * worker processes sharing the port, with this process as their primary.
 */
async function main(): Promise<void> {
  let config = readConfig();
  if (cluster.isWorker) return serve(config, process.env[WORKER_DATABASE_URL]!, undefined);

  let embedded: EmbeddedDatabase | undefined;
  if (config.databaseUrl === undefined) {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort);
    console.log(`Embedded Postgres is running on 127.0.0.1:${config.embeddedPostgresPort} with its data in ${config.dataDir}`);
    // The embedded default keeps its own TOKEN_SECRET beside the database.
    if (config.tokenSecret === undefined) config = { ...config, tokenSecret: await readOrCreateSecretFile(join(config.dataDir, 'token-secret'), 48) };
  }
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  if (config.workers <= 1) return serve(config, databaseUrl, embedded);
  supervise(config, databaseUrl, embedded);
}

/** One service process. On SIGTERM/SIGINT: stop accepting, finish in-flight requests, close the pool, stop an embedded server it owns. */
async function serve(config: AppConfig, databaseUrl: string, embedded: EmbeddedDatabase | undefined): Promise<void> {
  try {
    const app = await createApp(config, databaseUrl);
    const shutdown = async () => {
      await app.close().catch((error: Error) => console.error(`shutdown: ${error.message}`));
      await embedded?.stop().catch(() => {});
      process.exit(0);
    };
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown());
    await app.listen(config.port, config.host);
    if (cluster.isPrimary) console.log(`token-issuer listening on ${config.host}:${config.port}, issuer ${config.publicUrl}`);
  } catch (error) {
    await embedded?.stop().catch(() => {});
    throw error;
  }
}

/** The primary of a cluster: forks the workers, replaces one that crashes, and stops them all before the database. */
function supervise(config: AppConfig, databaseUrl: string, embedded: EmbeddedDatabase | undefined): void {
  const env = { [WORKER_DATABASE_URL]: databaseUrl, TOKEN_SECRET: config.tokenSecret! };
  const workers = new Set<Worker>();
  let stopping = false;
  let listening = 0;

  const fork = () => {
    const worker = cluster.fork(env);
    let started = false;
    workers.add(worker);
    worker.once('listening', () => {
      started = true;
      if (++listening === config.workers) console.log(`token-issuer listening on ${config.host}:${config.port} with ${config.workers} workers, issuer ${config.publicUrl}`);
    });
    worker.once('exit', (code, signal) => {
      workers.delete(worker);
      if (stopping) return;
      if (!started) {
        // A worker that cannot start will not start on a second try either: fail the whole service.
        console.error(`token-issuer: a worker failed to start (exit ${code ?? signal}); stopping`);
        void stop(1);
        return;
      }
      console.error(`token-issuer: worker ${worker.process.pid} exited (${code ?? signal}); starting another`);
      setTimeout(fork, 1000).unref();
    });
  };

  const stop = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    const exits = [...workers].map((worker) => new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.process.kill('SIGTERM');
    }));
    const timeout = setTimeout(() => workers.forEach((worker) => worker.process.kill('SIGKILL')), WORKER_STOP_TIMEOUT_MS);
    await Promise.all(exits);
    clearTimeout(timeout);
    await embedded?.stop().catch(() => {});
    process.exit(exitCode);
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop(0));
  // Left alone, V8 lets a busy worker's heap grow far past what it uses before collecting; a cap keeps
  // each worker's memory near its live set (the caches are bounded well below it).
  cluster.setupPrimary({ execArgv: [...process.execArgv, `--max-old-space-size=${config.workerHeapMb}`] });
  for (let i = 0; i < config.workers; i++) fork();
}

function readConfig(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

main().catch((error: Error) => {
  console.error(`token-issuer failed to start: ${error.message}`);
  process.exit(1);
});
