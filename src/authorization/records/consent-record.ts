import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { EntityClientRecord } from '../../directory/records/entity-client-record.js';
import { EntityRecord } from '../../directory/records/entity-record.js';

/** The scopes a person approved for a client (assume:party:<id> among them), remembered until revoked. */
@Entity('consents')
export class ConsentRecord {
  @PrimaryColumn('integer', { name: 'entity_id', primaryKeyConstraintName: 'consents_pkey' })
  entityId: number;

  @ManyToOne(() => EntityRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'entity_id', foreignKeyConstraintName: 'consents_entity_id_fkey' })
  entity?: Relation<EntityRecord>;

  @PrimaryColumn('uuid', { name: 'client_id', primaryKeyConstraintName: 'consents_pkey' })
  clientId: string;

  @ManyToOne(() => EntityClientRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id', foreignKeyConstraintName: 'consents_client_id_fkey' })
  client?: Relation<EntityClientRecord>;

  @Column('text')
  scope: string;

  @Column('timestamptz', { name: 'granted_at', default: () => 'now()' })
  grantedAt: Date;
}
