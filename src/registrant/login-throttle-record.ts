import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Failed logins of one username or client address, shared by every replica. */
@Entity('login_throttles')
export class LoginThrottleRecord {
  /** `user:<username>` or `addr:<ip>`. */
  @PrimaryColumn('text', { primaryKeyConstraintName: 'login_throttles_pkey' })
  key: string;

  @Column('integer', { default: 0 })
  failures: number;

  @Column('timestamptz', { name: 'window_started_at', default: () => 'now()' })
  windowStartedAt: Date;

  @Column('timestamptz', { name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  /** Lockouts so far; each doubles the next one. */
  @Column('integer', { default: 0 })
  lockouts: number;
}
