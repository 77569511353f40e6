import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { startPeriodicTask } from '../common/periodic-task.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { NotificationHub } from '../database/notification-hub.js';
import { type Cutoff, RevocationMemory, REVOCATION_MARGIN_SECONDS } from './revocation-memory.js';
import { RevocationSync } from './revocation-sync.js';

const CHANNEL = 'token_revoked';
const PURGE_INTERVAL_MS = 60_000;
/** With hashtext(subject): one revocation of a subject at a time, so its count is exact. */
const SUBJECT_LOCK = 724_150_004;

/** Whose tokens: a registered client's access tokens, or an entity's (its clients', exchanged for it, a person's own). */
export type RevocationSubject = { readonly kind: 'client'; readonly clientId: string } | { readonly kind: 'entity'; readonly entityId: number };

/** What the check needs of a token. */
export interface RevocationCheck {
  readonly jti: string;
  /** An exchanged access token's `sid`: the registrant token it came from, whose revocation ends it too. */
  readonly sid?: string;
  /** The registered client an access token was issued to (none for exchanged and registrant tokens). */
  readonly clientId?: string;
  readonly entityId: number;
  /** `iat`, in epoch seconds. */
  readonly issuedAt: number;
}

function keyOf(subject: RevocationSubject): string {
  return subject.kind === 'client' ? `client:${subject.clientId}` : `entity:${subject.entityId}`;
}

/**
 * The deny-list of revoked tokens, kept in Postgres and, bounded, in memory.
 * Each revocation is written with its subject (the client or entity whose
 * token it is) and announced by NOTIFY; every replica merges it into memory
 * within milliseconds, and an incremental sync fetches what was revoked
 * lately every 5 s (every second while the hub does not listen), so even a
 * silent channel leaves a replica at most about 5 s behind while it reaches
 * the database. Memory is bounded twice: a subject that revokes more than
 * its budget of tokens gets one cut-off (all its tokens issued so far)
 * instead of its entries, and beyond REVOCATION_MEMORY_MAX entries the list
 * overflows to the database (a token not found in memory is looked up
 * there). Entries are kept until a margin past the token's expiry.
 */
@Injectable()
export class RevocationList implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RevocationList');
  private readonly entries: RevocationMemory;
  private readonly syncer: RevocationSync;
  private stopPurge: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hub: NotificationHub,
  ) {
    this.entries = new RevocationMemory(config.revocationMemoryMax, () =>
      this.logger.warn(`More than ${config.revocationMemoryMax} revocations are live (REVOCATION_MEMORY_MAX): tokens not found in memory are looked up in the database`));
    this.syncer = new RevocationSync(dataSource, this.entries, (subject, cut) => this.applyCutoff(subject, cut), () => hub.isListening, this.logger);
  }

  /** Revoked itself, exchanged from a revoked registrant token (`sid`), or issued by a cut-off subject before its cut-off. */
  async isRevoked(token: RevocationCheck): Promise<boolean> {
    const entity = `entity:${token.entityId}`;
    const own = token.clientId === undefined ? entity : `client:${token.clientId}`;
    if (this.entries.isCutOff(entity, token.issuedAt) || this.entries.isCutOff(own, token.issuedAt)) return true;
    if (this.entries.holds(own, token.jti) || (token.sid !== undefined && this.entries.holds(entity, token.sid))) return true;
    return this.entries.overflow && this.isRevokedInDatabase(token, [...new Set([own, entity])]);
  }

  /** How many entries memory holds, and whether the database holds more. */
  get memory(): { readonly held: number; readonly overflow: boolean } {
    return { held: this.entries.held, overflow: this.entries.overflow };
  }

  /**
   * Records the revocation (idempotent) and tells every replica. When the
   * subject then holds more than its budget of live revocations, every token
   * of it issued so far is revoked instead, and its entries (covered by that
   * cut-off) are deleted: the revocation takes effect either way.
   */
  async revoke(jti: string, expiresAt: Date, subject: RevocationSubject): Promise<void> {
    const until = expiresAt.getTime() + REVOCATION_MARGIN_SECONDS * 1000;
    if (until <= Date.now()) return; // refused anyway
    const key = keyOf(subject);
    const cut = await this.dataSource.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SUBJECT_LOCK, key]);
      await tx.query('INSERT INTO revoked_tokens (jti, expires_at, subject) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING', [jti, expiresAt, key]);
      const [{ live }]: { live: number }[] = await tx.query(
        'SELECT count(*)::int AS live FROM revoked_tokens WHERE subject = $1 AND expires_at > now() - make_interval(secs => $2)',
        [key, REVOCATION_MARGIN_SECONDS],
      );
      await tx.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ jti, subject: key, until })]);
      return live > this.config.revocationSubjectBudget ? this.cutOffIn(tx, key, jti) : undefined;
    });
    this.entries.remember(key, jti, until);
    if (cut === undefined) return;
    this.logger.warn(`${key} holds more than ${this.config.revocationSubjectBudget} live revocations: every token of it issued until ${new Date(cut.cutoff * 1000).toISOString()} is refused instead`);
    await this.applyCutoff(key, cut);
  }

  /**
   * Refuses, on every replica, every token of the subject issued until now:
   * a client's access tokens; an entity's access tokens (its clients' and
   * those exchanged for it) and, for a person, her registrant tokens. The
   * cut-off is a whole second, so a token issued later in that same second
   * is refused too. Returns the cut-off (tokens issued at or before it are refused).
   */
  async revokeAllOf(subject: RevocationSubject): Promise<Date> {
    const key = keyOf(subject);
    const cut = await this.dataSource.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SUBJECT_LOCK, key]);
      return this.cutOffIn(tx, key);
    });
    await this.applyCutoff(key, cut);
    return new Date(cut.cutoff * 1000);
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.hub.subscribe(CHANNEL, {
      onNotification: (payload) => this.onNotification(payload),
      onResync: () => this.syncer.sync(),
    });
    this.syncer.start();
    this.stopPurge = startPeriodicTask(() => this.purge(), PURGE_INTERVAL_MS, this.logger, 'purge of revoked tokens');
  }

  onModuleDestroy(): void {
    this.syncer.stop();
    this.stopPurge?.();
    this.unsubscribe?.();
  }

  /**
   * Cuts the subject off at this second, in the caller's transaction (which
   * holds the subject's lock), and deletes its entries: every one was
   * committed before the lock was taken, so its token was issued by now.
   * `keep` (the token being revoked) stays listed: the cut-off alone would
   * rely on the replicas' clocks agreeing.
   */
  private async cutOffIn(tx: EntityManager, subject: string, keep?: string): Promise<Cutoff> {
    const cutoff = Math.floor(Date.now() / 1000);
    const keptFor = Math.max(this.config.accessTokenTtlSeconds, this.config.registrantTokenTtlSeconds) + REVOCATION_MARGIN_SECONDS;
    const [row]: { cutoff: string; until: string }[] = await tx.query(
      `INSERT INTO revoked_subjects (subject, cutoff, expires_at) VALUES ($1, to_timestamp($2), to_timestamp($3))
       ON CONFLICT (subject) DO UPDATE SET cutoff = greatest(revoked_subjects.cutoff, EXCLUDED.cutoff),
         expires_at = greatest(revoked_subjects.expires_at, EXCLUDED.expires_at), revoked_at = now()
       RETURNING extract(epoch FROM cutoff)::bigint AS cutoff, (extract(epoch FROM expires_at) * 1000)::bigint AS until`,
      [subject, cutoff, cutoff + keptFor],
    );
    await tx.query('DELETE FROM revoked_tokens WHERE subject = $1 AND jti IS DISTINCT FROM $2', [subject, keep ?? null]);
    const cut = { cutoff: Number(row.cutoff), until: Number(row.until) };
    await tx.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ subject, ...cut })]);
    return cut;
  }

  private async isRevokedInDatabase(token: RevocationCheck, subjects: string[]): Promise<boolean> {
    const [row]: { revoked: boolean }[] = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ANY($1) AND expires_at > now() - make_interval(secs => $4))
           OR EXISTS (SELECT 1 FROM revoked_subjects WHERE subject = ANY($2) AND cutoff >= to_timestamp($3) AND expires_at > now()) AS revoked`,
      [token.sid === undefined ? [token.jti] : [token.jti, token.sid], subjects, token.issuedAt, REVOCATION_MARGIN_SECONDS],
    );
    return row.revoked;
  }

  /** Stores the cut-off, then drops the subject's entries the database no longer holds (the cut-off covers them). */
  private async applyCutoff(subject: string, cut: Cutoff): Promise<void> {
    const listed = this.entries.cutOff(subject, cut);
    if (listed.length === 0) return;
    const rows: { jti: string }[] = await this.dataSource.query('SELECT jti FROM revoked_tokens WHERE jti = ANY($1)', [listed]);
    const kept = new Set(rows.map((row) => row.jti));
    // Entries added while the query ran are not in `listed`: they stay.
    this.entries.forget(subject, listed.filter((jti) => !kept.has(jti)));
  }

  private onNotification(payload: string | undefined): void {
    type Message = { jti?: unknown; subject?: unknown; until?: unknown; cutoff?: unknown };
    let message: Message | null = null;
    try {
      message = JSON.parse(payload ?? '') as Message | null;
    } catch {
      // reported below
    }
    const { jti, subject, until, cutoff }: Message = message ?? {};
    if (typeof subject === 'string' && typeof until === 'number' && typeof jti === 'string') this.entries.remember(subject, jti, until);
    else if (typeof subject === 'string' && typeof until === 'number' && typeof cutoff === 'number') {
      this.applyCutoff(subject, { cutoff, until }).catch((error: Error) => this.logger.warn(`applying a cut-off of ${subject} failed: ${error.message}`));
    } else this.logger.warn('ignored a malformed revocation notification');
  }

  /** Drops expired entries, here and in the table; leaves the overflow once everything fits in memory again. */
  private async purge(): Promise<void> {
    this.entries.purgeExpired();
    await this.dataSource.query('DELETE FROM revoked_tokens WHERE expires_at < now() - make_interval(secs => $1)', [REVOCATION_MARGIN_SECONDS]);
    await this.dataSource.query('DELETE FROM revoked_subjects WHERE expires_at < now()');
    if (!this.entries.overflow) return;
    const [{ live }]: { live: number }[] = await this.dataSource.query(
      `SELECT ((SELECT count(*) FROM revoked_tokens WHERE expires_at > now() - make_interval(secs => $1))
             + (SELECT count(*) FROM revoked_subjects WHERE expires_at > now()))::int AS live`,
      [REVOCATION_MARGIN_SECONDS],
    );
    // Some room to spare, so that the list does not go in and out of overflow at every purge.
    if (live > this.config.revocationMemoryMax * 0.9) return;
    if (await this.syncer.load(null)) {
      this.entries.leaveOverflow();
      this.logger.log('Every live revocation is held in memory again');
    }
  }
}
