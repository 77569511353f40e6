import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A revoked token's jti, kept until the token itself would have expired. */
@Entity('revoked_tokens')
export class RevokedTokenRecord {
  @PrimaryColumn('text', { primaryKeyConstraintName: 'revoked_tokens_pkey' })
  jti: string;

  @Index('revoked_tokens_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'revoked_at', default: () => 'now()' })
  revokedAt: Date;
}
