import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { EntityRecord } from './entity-record.js';
import { PartyRecord } from './party-record.js';

/** A machine credential of one entity; it authenticates with its registered keys only. */
@Entity('entity_clients')
export class EntityClientRecord {
  @PrimaryColumn('uuid', { name: 'client_id', primaryKeyConstraintName: 'entity_clients_pkey' })
  clientId: string;

  @Index('entity_clients_entity_id_idx')
  @Column('integer', { name: 'entity_id' })
  entityId: number;

  @ManyToOne(() => EntityRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'entity_id', foreignKeyConstraintName: 'entity_clients_entity_id_fkey' })
  entity?: Relation<EntityRecord>;

  @Column('text')
  name: string;

  @Column('text', { array: true })
  scopes: string[];

  /** A fixed party: the client acts for it only. */
  @Column('integer', { name: 'party_id', nullable: true })
  partyId: number | null;

  @ManyToOne(() => PartyRecord, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'party_id', foreignKeyConstraintName: 'entity_clients_party_id_fkey' })
  party?: Relation<PartyRecord> | null;

  @Column('boolean', { default: true })
  active: boolean;

  @Column('timestamptz', { name: 'recorded_at', default: () => 'now()' })
  recordedAt: Date;

  @Column('integer', { name: 'recorded_by', default: 0 })
  recordedBy: number;
}
