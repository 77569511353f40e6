import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { startPeriodicTask } from '../common/periodic-task.js';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

const PURGE_INTERVAL_MS = 10 * 60_000;

/**
 * Throttles failed logins per username and per client address, in Postgres
 * so that it holds across replicas. After `maxFailures` failures within
 * `windowSeconds`, a key is locked for `lockoutSeconds`, doubled for each
 * earlier lockout up to `maxLockoutSeconds`. A lock refuses even a correct
 * password. A success clears the username's record.
 */
@Injectable()
export class LoginThrottle implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('LoginThrottle');
  private stopPurge: (() => void) | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Seconds until every key is free again (0 when none is locked), and which keys have a record at all. */
  async check(keys: readonly string[]): Promise<{ readonly retryAfter: number; readonly recorded: ReadonlySet<string> }> {
    const rows: { key: string; wait: number | null }[] = await this.dataSource.query(
      `SELECT key, CASE WHEN locked_until > now() THEN ceil(extract(epoch FROM locked_until - now()))::int END AS wait
         FROM login_throttles WHERE key = ANY($1)`,
      [keys],
    );
    return { retryAfter: Math.max(0, ...rows.map((row) => row.wait ?? 0)), recorded: new Set(rows.map((row) => row.key)) };
  }

  /** Counts a failure against each key, locking those that reach the limit. */
  async recordFailure(keys: readonly string[]): Promise<void> {
    const { maxFailures, windowSeconds, lockoutSeconds, maxLockoutSeconds } = this.config.loginThrottle;
    await this.dataSource.transaction(async (tx) => {
      for (const key of [...keys].sort()) {
        // Row lock per key: concurrent failures count one by one and lock once.
        await tx.query('INSERT INTO login_throttles (key) VALUES ($1) ON CONFLICT (key) DO NOTHING', [key]);
        const [row]: { failures: number; lockouts: number; window_expired: boolean; quiet: boolean }[] = await tx.query(
          `SELECT failures, lockouts,
                  window_started_at < now() - make_interval(secs => $2) AS window_expired,
                  coalesce(locked_until < now() - make_interval(secs => $3), false) AS quiet
             FROM login_throttles WHERE key = $1 FOR UPDATE`,
          [key, windowSeconds, maxLockoutSeconds],
        );
        const failures = row.window_expired ? 1 : row.failures + 1;
        // A long quiet spell after the last lockout forgives earlier ones.
        const lockouts = row.quiet ? 0 : row.lockouts;
        if (failures >= maxFailures) {
          const lockFor = Math.min(lockoutSeconds * 2 ** Math.min(lockouts, 30), maxLockoutSeconds);
          await tx.query(
            `UPDATE login_throttles SET failures = 0, window_started_at = now(), lockouts = $2,
                    locked_until = now() + make_interval(secs => $3) WHERE key = $1`,
            [key, lockouts + 1, lockFor],
          );
        } else {
          await tx.query(
            `UPDATE login_throttles SET failures = $2, lockouts = $3,
                    window_started_at = CASE WHEN $4 THEN now() ELSE window_started_at END WHERE key = $1`,
            [key, failures, lockouts, row.window_expired],
          );
        }
      }
    });
  }

  /** Forgets the key's failures; `recorded` (from check) spares the write when there were none. */
  async recordSuccess(key: string, recorded: ReadonlySet<string>): Promise<void> {
    if (!recorded.has(key)) return;
    await this.dataSource.query('DELETE FROM login_throttles WHERE key = $1 AND (locked_until IS NULL OR locked_until < now())', [key]);
  }

  /** Rows with no failures in their window and no recent lock are forgotten. */
  async purgeStale(): Promise<void> {
    const { windowSeconds, maxLockoutSeconds } = this.config.loginThrottle;
    await this.dataSource.query(
      `DELETE FROM login_throttles WHERE window_started_at < now() - make_interval(secs => $1)
         AND (locked_until IS NULL OR locked_until < now() - make_interval(secs => $2))`,
      [windowSeconds, maxLockoutSeconds],
    );
  }

  onModuleInit(): void {
    this.stopPurge = startPeriodicTask(() => this.purgeStale(), PURGE_INTERVAL_MS, this.logger, 'purge of login throttles');
  }

  onModuleDestroy(): void {
    this.stopPurge?.();
  }
}
