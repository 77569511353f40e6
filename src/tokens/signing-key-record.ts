import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

export type SigningKeyState = 'next' | 'current' | 'retired';

/**
 * Signing keys kept in the database (when SIGNING_KEYS is not configured).
 * `next` is published before it signs, `current` signs, `retired` stays
 * published until the last token it signed has expired. The private JWK is
 * sealed with TOKEN_SECRET; a row from before sealing holds it in clear until
 * the next load seals it.
 */
@Entity('signing_keys')
@Check('signing_keys_state_check', `"state" IN ('next', 'current', 'retired')`)
@Check('signing_keys_private_jwk_check', `num_nonnulls("private_jwk", "sealed_private_jwk") = 1`)
export class SigningKeyRecord {
  @PrimaryColumn('text', { primaryKeyConstraintName: 'signing_keys_pkey' })
  kid: string;

  @Column('jsonb', { name: 'private_jwk', nullable: true })
  privateJwk: Record<string, unknown> | null;

  /** `v1.<key id>.<iv>.<ciphertext>.<tag>` (SigningKeySealer). */
  @Column('text', { name: 'sealed_private_jwk', nullable: true })
  sealedPrivateJwk: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('text', { default: 'current' })
  state: SigningKeyState;

  @Column('timestamptz', { name: 'retired_at', nullable: true })
  retiredAt: Date | null;
}
