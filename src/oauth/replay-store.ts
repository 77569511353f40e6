import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import { Batcher } from '../common/batcher.js';
import { startPeriodicTask } from '../common/periodic-task.js';
import { isDatabaseUnavailable } from '../common/database-availability.js';
import { DedicatedPools } from '../database/dedicated-pools.js';

const PURGE_INTERVAL_MS = 60_000;
/** How far the service's and Postgres's clocks may drift apart without reopening a used jti. */
export const CLOCK_SKEW_MARGIN_MS = 60_000;
/** Batches under way at once per process: one connection each. */
const CLAIM_BATCHES_IN_FLIGHT = 2;

interface Claim {
  readonly clientId: string;
  readonly jti: string;
  readonly expiresAt: Date;
}

// One statement for a whole batch of claims; prepared once per connection (npm run bench:jti drives it too).
export const CLAIM_BATCH = {
  name: 'claim-assertion-jtis',
  text: `INSERT INTO used_assertions (client_id, jti, expires_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[])
         ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
           WHERE used_assertions.expires_at < now()
         RETURNING client_id::text, jti`,
};

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
  /**
   * Claims go to Postgres in batches (see Batcher): a login's round trip is
   * shared with the logins that arrived while the previous batch was under
   * way, which cuts the socket writes and the server's per-statement work.
   */
  private readonly claims = new Batcher<Claim, boolean>((batch) => this.claimBatch(batch), {
    maxBatch: 500,
    maxInFlight: CLAIM_BATCHES_IN_FLIGHT,
    // Far beyond what a process logs in per round trip; a flood past it is answered 503 at once.
    maxWaiting: 10_000,
    // During an outage every waiting login answers 503 when the batch ahead of it fails, not a round later.
    failsWaiting: isDatabaseUnavailable,
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    pools: DedicatedPools,
  ) {
    this.pool = pools.create({
      name: 'token-issuer replay store',
      max: CLAIM_BATCHES_IN_FLIGHT,
      sessionOptions: '-c synchronous_commit=off',
      onError: (message) => this.logger.warn(`replay store connection: ${message}`),
    });
  }

  /**
   * True when this jti was not used before (or its earlier use has expired).
   * `expiresAt` is when the service stops accepting the assertion, by its own
   * clock; the record lives a margin longer, because Postgres's clock decides
   * when it lapses and the two clocks may disagree.
   */
  claim(clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
    return this.claims.add({ clientId: clientId.toLowerCase(), jti, expiresAt: new Date(expiresAt.getTime() + CLOCK_SKEW_MARGIN_MS) });
  }

  /** One insert for the batch; a claim is won when its row comes back. Within a batch the first of two equal claims wins. */
  private async claimBatch(batch: Claim[]): Promise<boolean[]> {
    const key = (clientId: string, jti: string) => `${clientId} ${jti}`;
    const first = new Map<string, Claim>();
    for (const claim of batch) if (!first.has(key(claim.clientId, claim.jti))) first.set(key(claim.clientId, claim.jti), claim);
    const unique = [...first.values()];
    const result = await this.pool.query<{ client_id: string; jti: string }>({
      ...CLAIM_BATCH,
      values: [unique.map((claim) => claim.clientId), unique.map((claim) => claim.jti), unique.map((claim) => claim.expiresAt)],
    });
    const won = new Set(result.rows.map((row) => key(row.client_id, row.jti)));
    return batch.map((claim) => first.get(key(claim.clientId, claim.jti)) === claim && won.has(key(claim.clientId, claim.jti)));
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
