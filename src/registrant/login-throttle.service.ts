import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type pg from 'pg';
import { startPeriodicTask } from '../common/periodic-task.js';
import { DedicatedPools } from '../database/dedicated-pools.js';
import { ThrottledError } from '../common/throttled-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { normalizeUsername } from './username.js';

const PURGE_INTERVAL_MS = 10 * 60_000;
/** Pending attempts stop counting this long after their key's last admission: their process may have died. */
const PENDING_EXPIRY_SECONDS = 60;
/** Statements are short and each is its own transaction: two connections carry a process's logins. */
const POOL_SIZE = 2;

/** A key an attempt is charged to, and the failures it allows within the window. */
export interface ThrottleKey {
  readonly key: string;
  readonly limit: number;
}

/** An admitted attempt: the keys it was charged to. Settle it exactly once. */
export interface LoginTicket {
  readonly username: string;
  readonly address: string;
  readonly keys: readonly ThrottleKey[];
}

/** `released`: no verdict was reached (the hash queue was full, the database failed). */
export type LoginOutcome = 'success' | 'failure' | 'released';

/**
 * Throttles password logins in Postgres, so that it holds across replicas.
 * An attempt is admitted before any hashing and charged to its keys: the
 * username-address pair, the username and the address; or the pair alone
 * when the username logged in from that address within `knownAddressDays`,
 * so that neither a locked username nor a locked shared address shuts a
 * person out where she has logged in before. A key admits while its
 * failures in the window plus its attempts in flight stay under its limit,
 * so concurrent guesses cannot all slip past one check. A key whose
 * failures reach its limit is locked for `lockoutSeconds`, doubled for each
 * earlier lockout up to `maxLockoutSeconds`; a lock refuses even a correct
 * password. A success clears the failures of its pair and username.
 */
@Injectable()
export class LoginThrottle implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('LoginThrottle');
  private stopPurge: (() => void) | undefined;

  private readonly pool: pg.Pool;

  /**
   * On a pool of its own with synchronous_commit off: every login from one
   * address (a company's NAT, a backend) updates that address's row two or
   * three times, and each waited for the disk holding the row lock, so one
   * address could not log in faster than the disk flushes. A crash may
   * forget the last fraction of a second of counts, as the replay store may
   * forget jtis; a lock stored earlier stays.
   */
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    pools: DedicatedPools,
  ) {
    this.pool = pools.create({
      name: 'token-issuer login throttle',
      max: POOL_SIZE,
      sessionOptions: '-c synchronous_commit=off',
      onError: (message) => this.logger.warn(`login throttle connection: ${message}`),
    });
  }

  /** A statement as text, or named (each connection then prepares it once). */
  private async query<T>(statement: string | Statement, values: unknown[]): Promise<T[]> {
    return (await this.pool.query(typeof statement === 'string' ? { text: statement, values } : { ...statement, values })).rows as T[];
  }

  /** Charges an attempt to its keys, or throws ThrottledError having charged nothing. */
  async admit(username: string, address: string): Promise<LoginTicket> {
    const { maxFailures, userMaxFailures, addressMaxFailures, windowSeconds, knownAddressDays } = this.config.loginThrottle;
    const normalized = normalizeUsername(username);
    const keys: ThrottleKey[] = [
      { key: `pair:${normalized}|${address}`, limit: maxFailures }, // first: a known pair's only key
      { key: `user:${normalized}`, limit: userMaxFailures },
      { key: `addr:${address}`, limit: addressMaxFailures },
    ];
    // The statement locks only rows that exist: the first attempt on a key creates its row and tries again.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [verdict] = await this.query<{ missing: string[]; retry_after: number | null; charged: string[] }>(ADMIT, [
        keys.map(({ key }) => key), keys.map(({ limit }) => limit), normalized, address, knownAddressDays, windowSeconds,
      ]);
      if (verdict.retry_after !== null) throw new ThrottledError(verdict.retry_after);
      if (verdict.missing.length === 0) return { username: normalized, address, keys: keys.filter(({ key }) => verdict.charged.includes(key)) };
      await this.query(CREATE_KEYS, [verdict.missing]);
    }
    throw new Error('login throttle rows vanished while admitting an attempt'); // only if they are deleted as fast as they are made
  }

  /**
   * Ends an admitted attempt. A failure counts against each key, locking
   * those that reach their limit; a success clears its pair's and username's
   * failures (not its address's, nor a lock in force) and makes the pair known.
   */
  async settle(ticket: LoginTicket, outcome: LoginOutcome): Promise<void> {
    const keys = ticket.keys.map(({ key }) => key);
    if (outcome === 'released') {
      await this.query(RELEASE, [keys]);
    } else if (outcome === 'failure') {
      const { windowSeconds, lockoutSeconds, maxLockoutSeconds } = this.config.loginThrottle;
      await this.query(FAIL, [keys, ticket.keys.map(({ limit }) => limit), windowSeconds, lockoutSeconds, maxLockoutSeconds]);
    } else {
      await this.query(SUCCEED, [keys, keys.filter((key) => !key.startsWith('addr:')), ticket.username, ticket.address]);
    }
  }

  /**
   * Counts one failure against each key (no admission: for checks too cheap
   * to be worth racing, such as a client secret's), locking those that reach
   * their limit. Returns the seconds until every key is free (0 if none is locked).
   */
  async recordFailures(keys: readonly ThrottleKey[]): Promise<number> {
    const { windowSeconds, lockoutSeconds, maxLockoutSeconds } = this.config.loginThrottle;
    const names = keys.map(({ key }) => key);
    await this.query(CREATE_KEYS, [names]);
    await this.query(FAIL, [names, keys.map(({ limit }) => limit), windowSeconds, lockoutSeconds, maxLockoutSeconds]);
    return this.lockedFor(names);
  }

  /** Seconds until every one of these keys is unlocked (0 when none is locked). */
  async lockedFor(keys: readonly string[]): Promise<number> {
    return Math.max(0, ...(await this.locks(keys)).values());
  }

  /** The keys that are locked now, with the seconds each has left. */
  async locks(keys: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.query<{ key: string; wait: number }>(
      'SELECT key, ceil(extract(epoch FROM locked_until - now()))::int AS wait FROM login_throttles WHERE key = ANY($1) AND locked_until > now()',
      [keys],
    );
    return new Map(rows.map((row) => [row.key, row.wait]));
  }

  /**
   * Forgets keys with no failures in their window, no recent lock and no
   * attempt in flight (rows in use are left for the next round), and pairs
   * not successful within `knownAddressDays`.
   */
  async purgeStale(): Promise<void> {
    const { windowSeconds, maxLockoutSeconds, knownAddressDays } = this.config.loginThrottle;
    await this.query(
      `DELETE FROM login_throttles WHERE key IN (
         SELECT key FROM login_throttles
          WHERE window_started_at < now() - make_interval(secs => $1)
            AND (locked_until IS NULL OR locked_until < now() - make_interval(secs => $2))
            AND (last_admitted_at IS NULL OR last_admitted_at < now() - make_interval(secs => $3))
            FOR UPDATE SKIP LOCKED)`,
      [windowSeconds, maxLockoutSeconds, PENDING_EXPIRY_SECONDS],
    );
    await this.query('DELETE FROM login_known_addresses WHERE last_success_at < now() - make_interval(days => $1)', [knownAddressDays]);
  }

  onModuleInit(): void {
    this.stopPurge = startPeriodicTask(() => this.purgeStale(), PURGE_INTERVAL_MS, this.logger, 'purge of login throttles');
  }

  async onModuleDestroy(): Promise<void> {
    this.stopPurge?.();
    await this.pool.end().catch(() => {});
  }
}

/**
 * The statements of every login are named, so each connection prepares them
 * once: parsing and planning them anew cost Postgres more than running them.
 */
interface Statement {
  readonly name: string;
  readonly text: string;
}

// Each statement is one transaction that locks its rows in key order, so concurrent ones queue instead of deadlocking.
const LOCKED_KEYS = 'WITH locked AS MATERIALIZED (SELECT key FROM login_throttles WHERE key = ANY($1) ORDER BY key FOR UPDATE)';

/**
 * Charges every wanted key (all three, or only the pair when known) if each
 * is unlocked and has failures + pending < limit. Answers the keys whose rows
 * are missing (nothing charged), the seconds to wait when a key refuses (its
 * lock's, or 1 when it is only full of pending attempts), and the keys charged.
 * $1 keys, $2 their limits, $3 username, $4 address, $5 known-address days, $6 window seconds.
 */
const ADMIT: Statement = { name: 'login-throttle-admit', text: `
  WITH wanted AS (
    SELECT key, lim FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS w(key, lim, n)
     WHERE n = 1 OR NOT EXISTS (SELECT 1 FROM login_known_addresses
                                 WHERE username = $3 AND address = $4 AND last_success_at > now() - make_interval(days => $5))
  ), locked AS MATERIALIZED (
    SELECT t.key, w.lim,
           CASE WHEN t.window_started_at >= now() - make_interval(secs => $6) THEN t.failures ELSE 0 END AS failures,
           CASE WHEN t.last_admitted_at >= now() - make_interval(secs => ${PENDING_EXPIRY_SECONDS}) THEN t.pending ELSE 0 END AS pending,
           CASE WHEN t.locked_until > now() THEN ceil(extract(epoch FROM t.locked_until - now()))::int END AS locked_for
      FROM login_throttles t JOIN wanted w ON w.key = t.key
     ORDER BY t.key FOR UPDATE OF t
  ), verdict AS (
    SELECT array(SELECT key FROM wanted EXCEPT SELECT key FROM locked) AS missing,
           coalesce(max(locked_for), CASE WHEN bool_or(failures + pending >= lim) THEN 1 END) AS retry_after
      FROM locked
  ), charged AS (
    UPDATE login_throttles t SET pending = l.pending + 1, last_admitted_at = now()
      FROM locked l, verdict v
     WHERE t.key = l.key AND cardinality(v.missing) = 0 AND v.retry_after IS NULL
    RETURNING t.key
  )
  SELECT missing, retry_after, array(SELECT key FROM charged) AS charged FROM verdict` };

const RELEASE: Statement = { name: 'login-throttle-release', text: `${LOCKED_KEYS}
  UPDATE login_throttles t SET pending = greatest(t.pending - 1, 0) FROM locked l WHERE t.key = l.key` };

/**
 * A failure in the window (a new window when the old one is over); at the
 * limit, a lock doubled per earlier lockout, which a quiet spell as long as
 * the longest lockout forgives. $1 keys, $2 limits, $3 window, $4 lockout, $5 max lockout.
 */
const FAIL: Statement = { name: 'login-throttle-fail', text: `
  WITH locked AS MATERIALIZED (
    SELECT t.key, c.lim,
           t.window_started_at < now() - make_interval(secs => $3) AS expired,
           CASE WHEN t.window_started_at < now() - make_interval(secs => $3) THEN 1 ELSE t.failures + 1 END AS failures,
           CASE WHEN t.locked_until < now() - make_interval(secs => $5) THEN 0 ELSE t.lockouts END AS lockouts
      FROM login_throttles t JOIN unnest($1::text[], $2::int[]) AS c(key, lim) ON c.key = t.key
     ORDER BY t.key FOR UPDATE OF t
  )
  UPDATE login_throttles t
     SET pending = greatest(t.pending - 1, 0),
         failures = CASE WHEN l.failures >= l.lim THEN 0 ELSE l.failures END,
         window_started_at = CASE WHEN l.failures >= l.lim OR l.expired THEN now() ELSE t.window_started_at END,
         lockouts = CASE WHEN l.failures >= l.lim THEN l.lockouts + 1 ELSE l.lockouts END,
         locked_until = CASE WHEN l.failures >= l.lim
                             THEN now() + make_interval(secs => least($4::float8 * 2 ^ least(l.lockouts, 30), $5))
                             ELSE t.locked_until END
    FROM locked l WHERE t.key = l.key` };

/** $1 keys, $2 those a success clears, $3 username, $4 address. */
const SUCCEED: Statement = { name: 'login-throttle-succeed', text: `${LOCKED_KEYS}, settled AS (
    UPDATE login_throttles t
       SET pending = greatest(t.pending - 1, 0),
           failures = CASE WHEN t.key = ANY($2) AND NOT coalesce(t.locked_until > now(), false) THEN 0 ELSE t.failures END,
           lockouts = CASE WHEN t.key = ANY($2) AND NOT coalesce(t.locked_until > now(), false) THEN 0 ELSE t.lockouts END
      FROM locked l WHERE t.key = l.key
  )
  INSERT INTO login_known_addresses (username, address) VALUES ($3, $4)
      ON CONFLICT (username, address) DO UPDATE SET last_success_at = now()` };

const CREATE_KEYS: Statement = { name: 'login-throttle-create-keys', text: 'INSERT INTO login_throttles (key) SELECT unnest($1::text[]) ORDER BY 1 ON CONFLICT (key) DO NOTHING' };
