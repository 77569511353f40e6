import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The signing key generated on first start when SIGNING_KEYS is not configured. */
@Entity('signing_keys')
export class SigningKeyRecord {
  @PrimaryColumn('text', { primaryKeyConstraintName: 'signing_keys_pkey' })
  kid: string;

  @Column('jsonb', { name: 'private_jwk' })
  privateJwk: Record<string, unknown>;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
