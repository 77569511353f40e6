import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Every token of a client or entity issued at or before `cutoff` (to the second) is refused; kept until all of them have expired. */
@Entity('revoked_subjects')
export class RevokedSubjectRecord {
  /** `client:<uuid>` or `entity:<id>`. */
  @PrimaryColumn('text', { primaryKeyConstraintName: 'revoked_subjects_pkey' })
  subject: string;

  @Column('timestamptz')
  cutoff: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'revoked_at', default: () => 'now()' })
  revokedAt: Date;
}
