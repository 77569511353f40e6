import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { startPeriodicTask } from '../common/periodic-task.js';

const PURGE_INTERVAL_MS = 60_000;

/**
 * Single use of assertion `jti`s across every replica sharing the database:
 * one insert, where a live conflicting row is a replay. Rows expire with
 * their assertion and are purged periodically.
 *
 * Durability: the insert is committed with synchronous_commit off, on a pool
 * of its own. It is atomic and visible to every replica at once (the unique
 * key decides before commit), so replays are refused as before; only if the
 * Postgres server itself crashes can the claims of its last fraction of a
 * second (up to 3 × wal_writer_delay, 600 ms by default) be lost, reopening
 * those assertions until they expire (at most 120 s). In exchange a login
 * does not wait for a WAL flush, which was its throughput ceiling.
 */
@Injectable()
export class ReplayStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ReplayStore');
  private stopPurge: (() => void) | undefined;
  private readonly pool: pg.Pool;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    const options = dataSource.options as { url?: string; extra?: { max?: number } };
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.extra?.max ?? 10,
      connectionTimeoutMillis: 1500,
      query_timeout: 1800,
      keepAlive: true,
      application_name: 'token-issuer replay store',
      options: '-c synchronous_commit=off',
    });
    this.pool.on('error', (error) => this.logger.warn(`replay store connection: ${error.message}`));
  }

  /** True when this jti was not used before (or its earlier use has expired). */
  async claim(clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO used_assertions (client_id, jti, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE used_assertions.expires_at < now()
       RETURNING 1`,
      [clientId, jti, expiresAt],
    );
    return result.rowCount === 1;
  }

  async purgeExpired(): Promise<number> {
    const [, count] = (await this.dataSource.query('DELETE FROM used_assertions WHERE expires_at < now()')) as [unknown, number];
    return count;
  }

  onModuleInit(): void {
    this.stopPurge = startPeriodicTask(() => this.purgeExpired(), PURGE_INTERVAL_MS, this.logger, 'purge of used assertions');
  }

  async onModuleDestroy(): Promise<void> {
    this.stopPurge?.();
    await this.pool.end().catch(() => {});
  }
}
