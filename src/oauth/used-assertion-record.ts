import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A consumed assertion jti, kept until the assertion itself expires (RFC 7523 §3 item 7). */
@Entity('used_assertions')
export class UsedAssertionRecord {
  @PrimaryColumn('uuid', { name: 'client_id', primaryKeyConstraintName: 'used_assertions_pkey' })
  clientId: string;

  @PrimaryColumn('text', { primaryKeyConstraintName: 'used_assertions_pkey' })
  jti: string;

  @Index('used_assertions_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;
}
