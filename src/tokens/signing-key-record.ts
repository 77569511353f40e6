import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

export type SigningKeyState = 'next' | 'current' | 'retired';

/**
 * Signing keys kept in the database (when SIGNING_KEYS is not configured).
 * `next` is published before it signs, `current` signs, `retired` stays
 * published until the last token it signed has expired.
 */
@Entity('signing_keys')
@Check('signing_keys_state_check', `"state" IN ('next', 'current', 'retired')`)
export class SigningKeyRecord {
  @PrimaryColumn('text', { primaryKeyConstraintName: 'signing_keys_pkey' })
  kid: string;

  @Column('jsonb', { name: 'private_jwk' })
  privateJwk: Record<string, unknown>;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('text', { default: 'current' })
  state: SigningKeyState;

  @Column('timestamptz', { name: 'retired_at', nullable: true })
  retiredAt: Date | null;
}
