import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import { Batcher } from '../common/batcher.js';
import { isDatabaseUnavailable } from '../common/database-availability.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SecretDigest } from '../crypto/secret-digest.js';
import { GRANT_COLUMNS, type Grant, Grants } from './grants.service.js';

/** Successors this process handed out, remembered with their grant; past this many the oldest go first. */
const MAX_KNOWN_SUCCESSORS = 20_000;
/** Batches under way at once per process: one pooled connection each. */
const ROTATIONS_IN_FLIGHT = 2;

/** A refresh token as presented: its digest as stored and its grant (from this process's memory, or read). */
export interface PresentedRefreshToken {
  readonly digest: string;
  readonly grant: Grant;
  /** Known from this process's memory: nothing was read, so whether it was used elsewhere is not yet known. */
  readonly remembered: boolean;
}

interface Rotation {
  readonly digest: string;
  readonly clientId: string;
  readonly jkt: string | null;
  readonly successor: string;
}

/** The presented token's row as it stood (with its grant), and whether it rotated. */
type RotationRow = Grant & { n: number; digest: string; successor: string; used: boolean; live: boolean | null; rotated: boolean };

/*
 * One statement for a batch of rotations: each presented token is used only
 * if it is unused, unexpired, of its client (and DPoP key) and its grant
 * neither ended nor expired, and its successor is inserted with the idle
 * lifetime, never past the grant's end. The tokens are locked first, in
 * digest order (two batches never deadlock), so `used` is as committed: of
 * concurrent uses, in one batch or across replicas, exactly one rotates.
 * Prepared once per connection: Postgres then parses it no more.
 */
const ROTATE = {
  name: 'rotate-refresh-tokens',
  text: `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[]) WITH ORDINALITY AS i(digest, client_id, jkt, successor, n)
  ), locked AS MATERIALIZED (
    SELECT digest, grant_id, used_at, expires_at FROM refresh_tokens WHERE digest = ANY($1::text[]) ORDER BY digest FOR UPDATE
  ), presented AS (
    SELECT i.n::int AS n, i.successor, t.digest, t.used_at IS NOT NULL AS used,
           t.expires_at > now() AND g.expires_at > now() AND g.revoked_at IS NULL AND g.client_id = i.client_id
             AND (g.dpop_jkt IS NULL OR g.dpop_jkt = i.jkt) AS live,
           ${GRANT_COLUMNS}
      FROM input i JOIN locked t ON t.digest = i.digest JOIN grants g ON g.id = t.grant_id
  ), used AS (
    UPDATE refresh_tokens t SET used_at = now() FROM presented p
     WHERE t.digest = p.digest AND p.live AND NOT p.used
    RETURNING p.successor, p.id, p."expiresAt"
  ), successor AS (
    INSERT INTO refresh_tokens (digest, grant_id, expires_at)
    SELECT successor, id, least(now() + make_interval(secs => $5::double precision), "expiresAt") FROM used
    RETURNING digest
  )
  SELECT p.*, p.successor IN (SELECT digest FROM successor) AS rotated FROM presented p`,
};

/**
 * Refresh-token rotation (RFC 9700 §4.14.2): one statement, and under load
 * one round trip for many rotations (Batcher). A successor this process
 * issued is remembered (digest to grant, none of which changes but whether
 * it ended), so its next use needs no read first: the grant's standing is
 * decided from it, and the statement checks in the database all that may
 * have changed since. A token used before, or lost to a concurrent use, ends
 * its grant (Grants.end: every replica).
 */
@Injectable()
export class RefreshRotation {
  private readonly successors = new Map<string, Grant>();
  private readonly rotations = new Batcher<Rotation, RotationRow | undefined>((batch) => this.rotateBatch(batch), {
    maxBatch: 500,
    maxInFlight: ROTATIONS_IN_FLIGHT,
    maxWaiting: 10_000,
    failsWaiting: isDatabaseUnavailable,
  });

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly digest: SecretDigest,
    private readonly grants: Grants,
  ) {}

  /**
   * The token's grant, if it may be used by this client with this DPoP key
   * as far as is known; `reused` (its grant ended) if it was used before;
   * null if unknown, expired or ended. `remember` false reads it whatever
   * this process remembers.
   */
  async find(token: string, clientId: string, jkt: string | undefined, remember = true): Promise<PresentedRefreshToken | 'reused' | null> {
    if (token.length > 64) return null;
    const digests = this.digest.digestsUnderEveryKey(token);
    // Successors are digested under the current token secret, the first.
    const known = remember ? this.successors.get(digests[0]) : undefined;
    // Only a token that looks usable skips the read: any other goes the way that ends a reused one's grant.
    if (known !== undefined && known.clientId === clientId && (known.dpopJkt === null || known.dpopJkt === jkt)) return { digest: digests[0], grant: known, remembered: true };
    const stored = await this.grants.findRefreshToken(digests);
    if (stored === null) return null;
    const { digest, usedAt, live, grant } = stored;
    if (usedAt !== null) {
      await this.grants.end(grant.id, grant.entityId); // a used refresh token again means two holders
      return 'reused';
    }
    return live ? { digest, grant, remembered: false } : null;
  }

  /** Uses the token and returns its successor; `reused` (its grant ended) when it was used before, or by a concurrent request; null when refused. */
  async rotate(presented: PresentedRefreshToken, clientId: string, jkt: string | undefined): Promise<string | 'reused' | null> {
    this.successors.delete(presented.digest);
    const value = SecretDigest.generate();
    const successor = this.digest.digest(value);
    const row = await this.rotations.add({ digest: presented.digest, clientId, jkt: jkt ?? null, successor });
    if (row === undefined) return null;
    const { n: _n, digest: _digest, successor: _successor, used, live, rotated, ...grant } = row;
    if (rotated) {
      this.remember(successor, grant);
      return value;
    }
    if (!used && !live) return null;
    await this.grants.end(grant.id, grant.entityId);
    return 'reused';
  }

  /** Each rotation's row, in order (none for a token unknown). */
  private async rotateBatch(batch: Rotation[]): Promise<(RotationRow | undefined)[]> {
    const { rows } = await this.pool().query<RotationRow>({
      ...ROTATE,
      values: [batch.map((r) => r.digest), batch.map((r) => r.clientId), batch.map((r) => r.jkt), batch.map((r) => r.successor), this.config.codeFlow.refreshTokenIdleTtlSeconds],
    });
    const byN = new Map(rows.map((row) => [row.n, row]));
    return batch.map((_rotation, index) => byN.get(index + 1));
  }

  /** TypeORM's own pool (its `query` cannot name a statement): no connections beyond DATABASE_POOL_SIZE. */
  private pool(): pg.Pool {
    return (this.dataSource.driver as unknown as { master: pg.Pool }).master;
  }

  private remember(digest: string, grant: Grant): void {
    if (this.successors.size >= MAX_KNOWN_SUCCESSORS) this.successors.delete(this.successors.keys().next().value!);
    this.successors.set(digest, grant);
  }
}
