import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, type Relation, Unique } from 'typeorm';
import { EntityRecord } from '../directory/records/entity-record.js';

/** A person's password login: its username (its e-mail, normalized) and argon2id hash. */
@Entity('registrant_credentials')
@Unique('registrant_credentials_username_key', ['username'])
export class RegistrantCredentialRecord {
  @PrimaryColumn('integer', { name: 'entity_id', primaryKeyConstraintName: 'registrant_credentials_pkey' })
  entityId: number;

  @OneToOne(() => EntityRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'entity_id', foreignKeyConstraintName: 'registrant_credentials_entity_id_fkey' })
  entity?: Relation<EntityRecord>;

  @Column('text')
  username: string;

  @Column('text', { name: 'password_hash' })
  passwordHash: string;

  /** The company whose admin set them; null when the operator did. See AdminPolicy.assertCanSetCredentialsOf. */
  @Column('integer', { name: 'managed_by_entity_id', nullable: true })
  managedByEntityId: number | null;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
