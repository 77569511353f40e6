import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { GrantRecord } from './grant-record.js';

/** A code (its digest), redeemable once within 60 s for its grant's first tokens. */
@Entity('authorization_codes')
export class AuthorizationCodeRecord {
  @PrimaryColumn('text', { name: 'code_digest', primaryKeyConstraintName: 'authorization_codes_pkey' })
  codeDigest: string;

  @Index('authorization_codes_grant_id_idx')
  @Column('uuid', { name: 'grant_id' })
  grantId: string;

  @ManyToOne(() => GrantRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'grant_id', foreignKeyConstraintName: 'authorization_codes_grant_id_fkey' })
  grant?: Relation<GrantRecord>;

  @Column('text', { name: 'redirect_uri' })
  redirectUri: string;

  @Column('text', { name: 'code_challenge' })
  codeChallenge: string;

  @Column('text', { nullable: true })
  nonce: string | null;

  @Index('authorization_codes_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt: Date | null;
}
