import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation, Unique } from 'typeorm';
import { EntityRecord } from './entity-record.js';

/** A market role owned by an entity; `role` is derived as flex_<type>. */
@Entity('parties')
@Unique('parties_business_id_type_key', ['businessId', 'type'])
@Check('parties_business_id_type_check', `"business_id_type" IN ('gln', 'org', 'eic_x', 'uuid')`)
@Check('parties_status_check', `"status" IN ('active', 'inactive')`)
@Index('parties_operator_key', ['operator'], { unique: true, where: '"operator"' })
export class PartyRecord {
  @PrimaryGeneratedColumn({ primaryKeyConstraintName: 'parties_pkey' })
  id: number;

  @Index('parties_entity_id_idx')
  @Column('integer', { name: 'entity_id' })
  entityId: number;

  @ManyToOne(() => EntityRecord, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'entity_id', foreignKeyConstraintName: 'parties_entity_id_fkey' })
  entity?: Relation<EntityRecord>;

  @Column('text')
  name: string;

  @Column('text')
  type: string;

  @Column('text', { name: 'business_id' })
  businessId: string;

  @Column('text', { name: 'business_id_type' })
  businessIdType: string;

  @Column('text', { default: 'active' })
  status: string;

  /** The one operator party (the bootstrap's): tokens acting for it may manage everything. */
  @Column('boolean', { default: false })
  operator: boolean;

  @Column('timestamptz', { name: 'recorded_at', default: () => 'now()' })
  recordedAt: Date;

  @Column('integer', { name: 'recorded_by', default: 0 })
  recordedBy: number;
}
