import pg from 'pg';

/** Bounded waits, as for TypeORM's pool: an unreachable database fails a request within 2 s. */
const CONNECT_TIMEOUT_MS = 1500;
const QUERY_TIMEOUT_MS = 1800;

/**
 * Connection pools of their own beside TypeORM's, on the same database: for
 * work that must not queue behind other queries or needs other session
 * settings (the jti claims commit with synchronous_commit off).
 */
export class DedicatedPools {
  constructor(private readonly url: string) {}

  create(options: { readonly name: string; readonly max: number; readonly sessionOptions?: string; readonly onError: (message: string) => void }): pg.Pool {
    const pool = new pg.Pool({
      connectionString: this.url,
      max: options.max,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
      application_name: options.name,
      ...(options.sessionOptions === undefined ? {} : { options: options.sessionOptions }),
    });
    pool.on('error', (error) => options.onError(error.message));
    return pool;
  }
}
