import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A username that logged in successfully from an address: there it meets only the pair's throttle. */
@Entity('login_known_addresses')
export class LoginKnownAddressRecord {
  /** Normalized, as in registrant_credentials. */
  @PrimaryColumn('text', { primaryKeyConstraintName: 'login_known_addresses_pkey' })
  username: string;

  @PrimaryColumn('text', { primaryKeyConstraintName: 'login_known_addresses_pkey' })
  address: string;

  @Column('timestamptz', { name: 'last_success_at', default: () => 'now()' })
  lastSuccessAt: Date;
}
