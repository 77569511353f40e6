import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Login attempts charged to one throttle key, shared by every replica. */
@Entity('login_throttles')
export class LoginThrottleRecord {
  /** `pair:<username>|<address>`, `user:<username>` or `addr:<address>`. */
  @PrimaryColumn('text', { primaryKeyConstraintName: 'login_throttles_pkey' })
  key: string;

  /** Failed attempts settled within the window. */
  @Column('integer', { default: 0 })
  failures: number;

  @Column('timestamptz', { name: 'window_started_at', default: () => 'now()' })
  windowStartedAt: Date;

  @Column('timestamptz', { name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  /** Lockouts so far; each doubles the next one. */
  @Column('integer', { default: 0 })
  lockouts: number;

  /** Attempts admitted and not yet settled; they count against the limit like failures. */
  @Column('integer', { default: 0 })
  pending: number;

  /** Pending attempts stop counting 60 s after this (their process may have died). */
  @Column('timestamptz', { name: 'last_admitted_at', nullable: true })
  lastAdmittedAt: Date | null;
}
