import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { startPeriodicTask } from '../common/periodic-task.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { NotificationHub } from '../database/notification-hub.js';

const CHANNEL = 'token_revoked';
/** A revocation outlives its token by this much: the registrant codec still accepts a token 5 s past its exp. */
export const REVOCATION_MARGIN_SECONDS = 60;
/** The incremental sync runs this long after the last one while the hub listens (a silent channel is caught within it)… */
const SYNC_INTERVAL_MS = 5000;
/** …and this long while it does not. */
const SYNC_INTERVAL_UNHEARD_MS = 1000;
/** A sync fetches again what was revoked this long before the last one began: transactions commit out of now() order. */
const SYNC_OVERLAP_SECONDS = 30;
const PURGE_INTERVAL_MS = 60_000;
const PAGE_SIZE = 5000;
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

/** Every token of `subject` issued at or before `cutoff` (epoch seconds) is refused until `until` (ms). */
interface Cutoff {
  readonly cutoff: number;
  readonly until: number;
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
  /** Subject ('' for rows from before subjects were recorded) → jti → kept until (ms since the epoch). */
  private readonly tokens = new Map<string, Map<string, number>>();
  private readonly subjects = new Map<string, Cutoff>();
  /** Entries in `tokens` and `subjects`. */
  private size = 0;
  private evictions = 0;
  /** The database holds more than memory may: a token not found in memory is looked up there. */
  private overflow = false;
  /** Database time at which the last sync began; undefined until the first (full) one. */
  private syncedFrom: Date | undefined;
  private syncing: Promise<void> | undefined;
  private syncQueued: Promise<void> | undefined;
  private syncFailing = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private stopPurge: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hub: NotificationHub,
  ) {}

  /** Revoked itself, exchanged from a revoked registrant token (`sid`), or issued by a cut-off subject before its cut-off. */
  async isRevoked(token: RevocationCheck): Promise<boolean> {
    const entity = `entity:${token.entityId}`;
    const own = token.clientId === undefined ? entity : `client:${token.clientId}`;
    if (this.cutOff(entity, token.issuedAt) || this.cutOff(own, token.issuedAt)) return true;
    if (this.holds(own, token.jti) || (token.sid !== undefined && this.holds(entity, token.sid))) return true;
    return this.overflow && this.isRevokedInDatabase(token, [...new Set([own, entity])]);
  }

  /** How many entries memory holds, and whether the database holds more. */
  get memory(): { readonly held: number; readonly overflow: boolean } {
    return { held: this.size, overflow: this.overflow };
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
    this.remember(key, jti, until);
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
      onResync: () => this.sync(),
    });
    this.scheduleSync();
    this.stopPurge = startPeriodicTask(() => this.purge(), PURGE_INTERVAL_MS, this.logger, 'purge of revoked tokens');
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.syncTimer);
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

  private cutOff(subject: string, issuedAt: number): boolean {
    const cut = this.subjects.get(subject);
    return cut !== undefined && issuedAt <= cut.cutoff && cut.until > Date.now();
  }

  private holds(subject: string, jti: string): boolean {
    const now = Date.now();
    for (const bucket of [this.tokens.get(subject), this.tokens.get('')]) {
      const until = bucket?.get(jti);
      if (until !== undefined && until > now) return true;
    }
    return false;
  }

  private async isRevokedInDatabase(token: RevocationCheck, subjects: string[]): Promise<boolean> {
    const [row]: { revoked: boolean }[] = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ANY($1) AND expires_at > now() - make_interval(secs => $4))
           OR EXISTS (SELECT 1 FROM revoked_subjects WHERE subject = ANY($2) AND cutoff >= to_timestamp($3) AND expires_at > now()) AS revoked`,
      [token.sid === undefined ? [token.jti] : [token.jti, token.sid], subjects, token.issuedAt, REVOCATION_MARGIN_SECONDS],
    );
    return row.revoked;
  }

  private remember(subject: string, jti: string, until: number): void {
    if (until <= Date.now() || this.tokens.get(subject)?.has(jti)) return;
    this.makeRoom();
    let bucket = this.tokens.get(subject);
    if (bucket === undefined) this.tokens.set(subject, (bucket = new Map()));
    bucket.set(jti, until);
    this.size += 1;
  }

  /** Stores the cut-off, then drops the subject's entries the database no longer holds (the cut-off covers them). */
  private async applyCutoff(subject: string, cut: Cutoff): Promise<void> {
    if (cut.until <= Date.now()) return;
    const known = this.subjects.get(subject);
    if (known === undefined) {
      this.makeRoom();
      this.size += 1;
    }
    this.subjects.set(subject, { cutoff: Math.max(cut.cutoff, known?.cutoff ?? 0), until: Math.max(cut.until, known?.until ?? 0) });
    const listed = [...(this.tokens.get(subject)?.keys() ?? [])];
    if (listed.length === 0) return;
    const rows: { jti: string }[] = await this.dataSource.query('SELECT jti FROM revoked_tokens WHERE jti = ANY($1)', [listed]);
    const kept = new Set(rows.map((row) => row.jti));
    const bucket = this.tokens.get(subject);
    // Entries added while the query ran are not in `listed`: they stay.
    for (const jti of listed) if (!kept.has(jti) && bucket?.delete(jti)) this.size -= 1;
    if (bucket?.size === 0) this.tokens.delete(subject);
  }

  /** At the memory maximum: from now on misses are looked up in the database, so the oldest entry can go. */
  private makeRoom(): void {
    if (this.size < this.config.revocationMemoryMax) return;
    if (!this.overflow) {
      this.overflow = true;
      this.logger.warn(`More than ${this.config.revocationMemoryMax} revocations are live (REVOCATION_MEMORY_MAX): tokens not found in memory are looked up in the database`);
    }
    const first = this.tokens.entries().next().value;
    if (first === undefined) this.subjects.delete(this.subjects.keys().next().value!);
    else {
      const [subject, bucket] = first;
      bucket.delete(bucket.keys().next().value!);
      if (bucket.size === 0) this.tokens.delete(subject);
    }
    this.size -= 1;
    this.evictions += 1;
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
    if (typeof subject === 'string' && typeof until === 'number' && typeof jti === 'string') this.remember(subject, jti, until);
    else if (typeof subject === 'string' && typeof until === 'number' && typeof cutoff === 'number') {
      this.applyCutoff(subject, { cutoff, until }).catch((error: Error) => this.logger.warn(`applying a cut-off of ${subject} failed: ${error.message}`));
    } else this.logger.warn('ignored a malformed revocation notification');
  }

  /**
   * Merges what the database holds: everything the first time, then what
   * was revoked since the last sync began (less the overlap). Merging never
   * drops an entry, so a notification that arrives meanwhile is kept. One
   * sync at a time; a request during one runs one more after it (the
   * running one may have begun before what the caller must see).
   */
  private sync(): Promise<void> {
    this.syncQueued ??= (this.syncing ?? Promise.resolve())
      .catch(() => {})
      .then(() => {
        this.syncQueued = undefined;
        return (this.syncing = this.syncOnce().finally(() => (this.syncing = undefined)));
      });
    return this.syncQueued;
  }

  private async syncOnce(): Promise<void> {
    const [{ now }]: { now: Date }[] = await this.dataSource.query('SELECT now() AS now');
    const since = this.syncedFrom === undefined ? null : new Date(this.syncedFrom.getTime() - SYNC_OVERLAP_SECONDS * 1000);
    await this.load(since);
    this.syncedFrom = now;
  }

  /** A failure is logged once, and its end once. */
  private async syncLogged(): Promise<void> {
    try {
      await this.sync();
      if (this.syncFailing) this.logger.log('The revocation sync reaches the database again');
      this.syncFailing = false;
    } catch (error) {
      if (!this.syncFailing) this.logger.warn(`The revocation sync failed (retried every second until it succeeds): ${(error as Error).message}`);
      this.syncFailing = true;
    }
  }

  private scheduleSync(): void {
    if (this.stopped) return;
    this.syncTimer = setTimeout(() => void this.syncLogged().finally(() => this.scheduleSync()), this.hub.isListening && !this.syncFailing ? SYNC_INTERVAL_MS : SYNC_INTERVAL_UNHEARD_MS);
    this.syncTimer.unref();
  }

  /**
   * Live rows revoked after `since` (all when null), page by page, cut-offs
   * first. A full load stops once memory is full (the rest is looked up in
   * the database); it returns whether everything fitted.
   */
  private async load(since: Date | null): Promise<boolean> {
    const evictions = this.evictions;
    const full = () => since === null && this.evictions !== evictions;
    for await (const rows of this.pages<{ subject: string; cutoff: string; until: string }>(
      `SELECT subject, extract(epoch FROM cutoff)::bigint AS cutoff, (extract(epoch FROM expires_at) * 1000)::bigint AS until
       FROM revoked_subjects WHERE expires_at > now() AND ($1::timestamptz IS NULL OR revoked_at > $1) AND subject > $2 ORDER BY subject LIMIT $3`,
      [since],
      (row) => row.subject,
    )) {
      for (const row of rows) await this.applyCutoff(row.subject, { cutoff: Number(row.cutoff), until: Number(row.until) });
      if (full()) return false;
    }
    for await (const rows of this.pages<{ jti: string; subject: string; until: string }>(
      `SELECT jti, coalesce(subject, '') AS subject, (extract(epoch FROM expires_at + make_interval(secs => ${REVOCATION_MARGIN_SECONDS})) * 1000)::bigint AS until
       FROM revoked_tokens WHERE expires_at > now() - make_interval(secs => ${REVOCATION_MARGIN_SECONDS}) AND ($1::timestamptz IS NULL OR revoked_at > $1) AND jti > $2
       ORDER BY jti LIMIT $3`,
      [since],
      (row) => row.jti,
    )) {
      for (const row of rows) this.remember(row.subject, row.jti, Number(row.until));
      if (full()) return false;
    }
    return this.evictions === evictions;
  }

  /** Keyset pagination: the query takes the last key seen as its second-to-last parameter and the page size as its last. */
  private async *pages<T>(sql: string, parameters: unknown[], keyOf: (row: T) => string): AsyncGenerator<T[]> {
    let after = '';
    for (;;) {
      const rows: T[] = await this.dataSource.query(sql, [...parameters, after, PAGE_SIZE]);
      if (rows.length > 0) yield rows;
      if (rows.length < PAGE_SIZE) return;
      after = keyOf(rows[rows.length - 1]);
    }
  }

  /** Drops expired entries, here and in the table; leaves the overflow once everything fits in memory again. */
  private async purge(): Promise<void> {
    const now = Date.now();
    for (const [subject, bucket] of this.tokens) {
      for (const [jti, until] of bucket) if (until <= now && bucket.delete(jti)) this.size -= 1;
      if (bucket.size === 0) this.tokens.delete(subject);
    }
    for (const [subject, cut] of this.subjects) if (cut.until <= now && this.subjects.delete(subject)) this.size -= 1;
    await this.dataSource.query('DELETE FROM revoked_tokens WHERE expires_at < now() - make_interval(secs => $1)', [REVOCATION_MARGIN_SECONDS]);
    await this.dataSource.query('DELETE FROM revoked_subjects WHERE expires_at < now()');
    if (!this.overflow) return;
    const [{ live }]: { live: number }[] = await this.dataSource.query(
      `SELECT ((SELECT count(*) FROM revoked_tokens WHERE expires_at > now() - make_interval(secs => $1))
             + (SELECT count(*) FROM revoked_subjects WHERE expires_at > now()))::int AS live`,
      [REVOCATION_MARGIN_SECONDS],
    );
    // Some room to spare, so that the list does not go in and out of overflow at every purge.
    if (live > this.config.revocationMemoryMax * 0.9) return;
    if (await this.load(null)) {
      this.overflow = false;
      this.logger.log('Every live revocation is held in memory again');
    }
  }
}
