import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { startPeriodicTask } from '../common/periodic-task.js';
import { NotificationListener } from '../database/notification-listener.js';

const CHANNEL = 'token_revoked';
const PURGE_INTERVAL_MS = 60_000;

/**
 * The deny-list of revoked tokens. Revocations are written to Postgres and
 * announced with NOTIFY; every replica keeps the list in memory, learns of
 * each revocation by LISTEN within milliseconds, and reloads the whole list
 * whenever its listening connection (re)connects, so a missed notification
 * during an outage is caught up. Checking a token is a memory lookup.
 */
@Injectable()
export class RevocationList implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RevocationList');
  /** jti → expiry (ms since the epoch). */
  private readonly revoked = new Map<string, number>();
  private listener: NotificationListener | undefined;
  private stopPurge: (() => void) | undefined;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  isRevoked(jti: string): boolean {
    const expiry = this.revoked.get(jti);
    return expiry !== undefined && expiry > Date.now();
  }

  /** Records the revocation (idempotent) and tells every replica. */
  async revoke(jti: string, expiresAt: Date): Promise<void> {
    if (expiresAt.getTime() <= Date.now()) return; // an expired token is refused anyway
    await this.dataSource.transaction(async (tx) => {
      await tx.query('INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING', [jti, expiresAt]);
      await tx.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ jti, exp: expiresAt.getTime() })]);
    });
    this.revoked.set(jti, expiresAt.getTime());
  }

  async onModuleInit(): Promise<void> {
    this.listener = new NotificationListener((this.dataSource.options as { url?: string }).url, [CHANNEL], 'token-issuer revocations', {
      onNotification: (_channel, payload) => this.onNotification(payload),
      onListening: () => this.reload(),
      onError: (message) => this.logger.warn(`revocation listener: ${message}`),
    });
    await this.listener.start();
    this.stopPurge = startPeriodicTask(() => this.purge(), PURGE_INTERVAL_MS, this.logger, 'purge of revoked tokens');
  }

  async onModuleDestroy(): Promise<void> {
    this.stopPurge?.();
    await this.listener?.stop();
  }

  private async reload(): Promise<void> {
    const rows: { jti: string; exp: string }[] = await this.dataSource.query(
      'SELECT jti, (extract(epoch FROM expires_at) * 1000)::bigint AS exp FROM revoked_tokens WHERE expires_at > now()',
    );
    this.revoked.clear();
    for (const row of rows) this.revoked.set(row.jti, Number(row.exp));
  }

  private onNotification(payload: string | undefined): void {
    try {
      const { jti, exp } = JSON.parse(payload ?? '') as { jti?: unknown; exp?: unknown };
      if (typeof jti === 'string' && typeof exp === 'number') this.revoked.set(jti, exp);
    } catch {
      this.logger.warn('ignored a malformed revocation notification');
    }
  }

  private async purge(): Promise<void> {
    const now = Date.now();
    for (const [jti, expiry] of this.revoked) if (expiry <= now) this.revoked.delete(jti);
    await this.dataSource.query('DELETE FROM revoked_tokens WHERE expires_at < now()');
  }
}
