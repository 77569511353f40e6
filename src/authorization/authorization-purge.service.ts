import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { startPeriodicTask } from '../common/periodic-task.js';

const PURGE_INTERVAL_MS = 10 * 60_000;
/** Ended rows are kept this long: a code or refresh token used again within it still ends its grant. */
const KEEP_ENDED_SECONDS = 86_400;

/** Deletes what has expired: requests, codes, sessions, and grants past their end (their refresh tokens with them). */
@Injectable()
export class AuthorizationPurge implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AuthorizationPurge');
  private stop: (() => void) | undefined;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async purge(): Promise<void> {
    await this.dataSource.query('DELETE FROM authorization_requests WHERE expires_at < now()');
    await this.dataSource.query('DELETE FROM authorization_codes WHERE expires_at < now() - make_interval(secs => $1)', [KEEP_ENDED_SECONDS]);
    await this.dataSource.query('DELETE FROM refresh_tokens WHERE expires_at < now() - make_interval(secs => $1)', [KEEP_ENDED_SECONDS]);
    await this.dataSource.query('DELETE FROM grants WHERE expires_at < now() OR revoked_at < now() - make_interval(secs => $1)', [KEEP_ENDED_SECONDS]);
    await this.dataSource.query('DELETE FROM login_sessions WHERE expires_at < now() OR ended_at < now() - make_interval(secs => $1)', [KEEP_ENDED_SECONDS]);
  }

  onModuleInit(): void {
    this.stop = startPeriodicTask(() => this.purge(), PURGE_INTERVAL_MS, this.logger, 'purge of expired authorizations');
  }

  onModuleDestroy(): void {
    this.stop?.();
  }
}
