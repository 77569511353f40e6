import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A revoked token's jti, kept until a margin past the token's own expiry. */
@Entity('revoked_tokens')
export class RevokedTokenRecord {
  @PrimaryColumn('text', { primaryKeyConstraintName: 'revoked_tokens_pkey' })
  jti: string;

  /** The token's own expiry. */
  @Index('revoked_tokens_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Index('revoked_tokens_revoked_at_idx')
  @Column('timestamptz', { name: 'revoked_at', default: () => 'now()' })
  revokedAt: Date;

  /** Whose token it was: `client:<uuid>` for a registered client's access token, `entity:<id>` otherwise; null before subjects were recorded. */
  @Index('revoked_tokens_subject_idx')
  @Column('text', { nullable: true })
  subject: string | null;
}
