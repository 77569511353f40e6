import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { GrantRecord } from './grant-record.js';

/** One refresh token of a grant (its digest); used once, when it rotates. */
@Entity('refresh_tokens')
export class RefreshTokenRecord {
  @PrimaryColumn('text', { primaryKeyConstraintName: 'refresh_tokens_pkey' })
  digest: string;

  @Index('refresh_tokens_grant_id_idx')
  @Column('uuid', { name: 'grant_id' })
  grantId: string;

  @ManyToOne(() => GrantRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'grant_id', foreignKeyConstraintName: 'refresh_tokens_grant_id_fkey' })
  grant?: Relation<GrantRecord>;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt: Date | null;
}
