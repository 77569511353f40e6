import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation, Unique } from 'typeorm';
import { EntityClientRecord } from './entity-client-record.js';

/** One registered public key of a client; several allow rotation without downtime. */
@Entity('entity_client_keys')
@Unique('entity_client_keys_thumbprint_key', ['clientId', 'thumbprint'])
export class EntityClientKeyRecord {
  @PrimaryColumn('uuid', { name: 'client_id', primaryKeyConstraintName: 'entity_client_keys_pkey' })
  clientId: string;

  @ManyToOne(() => EntityClientRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id', foreignKeyConstraintName: 'entity_client_keys_client_id_fkey' })
  client?: Relation<EntityClientRecord>;

  @PrimaryColumn('text', { primaryKeyConstraintName: 'entity_client_keys_pkey' })
  kid: string;

  /** Public members only; private keys are never stored. */
  @Column('jsonb')
  jwk: Record<string, unknown>;

  /** RFC 7638 thumbprint, so the same key cannot be registered twice under other kids. */
  @Column('text')
  thumbprint: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
