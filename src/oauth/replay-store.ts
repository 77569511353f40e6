import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { startPeriodicTask } from '../common/periodic-task.js';
import type { DataSource } from 'typeorm';

const PURGE_INTERVAL_MS = 60_000;

/**
 * Single use of assertion `jti`s across every replica sharing the database:
 * one insert, where a live conflicting row is a replay. Rows expire with
 * their assertion and are purged periodically.
 */
@Injectable()
export class ReplayStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ReplayStore');
  private stopPurge: (() => void) | undefined;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** True when this jti was not used before (or its earlier use has expired). */
  async claim(clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO used_assertions (client_id, jti, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE used_assertions.expires_at < now()
       RETURNING 1`,
      [clientId, jti, expiresAt],
    );
    return rows.length === 1;
  }

  async purgeExpired(): Promise<number> {
    const [, count] = (await this.dataSource.query('DELETE FROM used_assertions WHERE expires_at < now()')) as [unknown, number];
    return count;
  }

  onModuleInit(): void {
    this.stopPurge = startPeriodicTask(() => this.purgeExpired(), PURGE_INTERVAL_MS, this.logger, 'purge of used assertions');
  }

  onModuleDestroy(): void {
    this.stopPurge?.();
  }
}
