import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

/** A one-time link to make an operator person (src/setup): its code kept only as a digest (SecretDigest). */
@Entity('operator_setup_links')
@Unique('operator_setup_links_code_digest_key', ['codeDigest'])
export class OperatorSetupLinkRecord {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'operator_setup_links_pkey' })
  id: string;

  @Column('text', { name: 'code_digest' })
  codeDigest: string;

  /** The e-mail `npm run operator -- create` made it for; null for the link a start prints (the first operator only). */
  @Column('text', { nullable: true })
  email: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt: Date | null;
}
