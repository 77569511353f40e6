import type { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { type Cutoff, REVOCATION_MARGIN_SECONDS, type RevocationMemory } from './revocation-memory.js';

/** The incremental sync runs this long after the last one while the hub listens (a silent channel is caught within it)… */
const SYNC_INTERVAL_MS = 5000;
/** …and this long while it does not. */
const SYNC_INTERVAL_UNHEARD_MS = 1000;
/** A sync fetches again what was revoked this long before the last one began: transactions commit out of now() order. */
const SYNC_OVERLAP_SECONDS = 30;
const PAGE_SIZE = 5000;

/**
 * Keeps a RevocationMemory in step with the database whatever happens to
 * the notification channel: a full, paged load the first time, then every
 * 5 s (every second while the hub does not listen) what was revoked since.
 */
export class RevocationSync {
  /** Database time at which the last sync began; undefined until the first (full) one. */
  private syncedFrom: Date | undefined;
  private syncing: Promise<void> | undefined;
  private syncQueued: Promise<void> | undefined;
  private syncFailing = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly memory: RevocationMemory,
    private readonly applyCutoff: (subject: string, cut: Cutoff) => Promise<void>,
    private readonly listening: () => boolean,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.syncTimer);
  }

  /**
   * Merges what the database holds: everything the first time, then what
   * was revoked since the last sync began (less the overlap). Merging never
   * drops an entry, so a notification that arrives meanwhile is kept. One
   * sync at a time; a request during one runs one more after it (the
   * running one may have begun before what the caller must see).
   */
  sync(): Promise<void> {
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

  private schedule(): void {
    if (this.stopped) return;
    this.syncTimer = setTimeout(() => void this.syncLogged().finally(() => this.schedule()), this.listening() && !this.syncFailing ? SYNC_INTERVAL_MS : SYNC_INTERVAL_UNHEARD_MS);
    this.syncTimer.unref();
  }

  /**
   * Live rows revoked after `since` (all when null), page by page, cut-offs
   * first. A full load stops once memory is full (the rest is looked up in
   * the database); it returns whether everything fitted.
   */
  async load(since: Date | null): Promise<boolean> {
    const evictions = this.memory.evictions;
    const full = () => since === null && this.memory.evictions !== evictions;
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
      for (const row of rows) this.memory.remember(row.subject, row.jti, Number(row.until));
      if (full()) return false;
    }
    return this.memory.evictions === evictions;
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
}
