import { Check, Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** A legal or natural person (contract "Model"); `eid` is its stable public id and the `sub` of its tokens. */
@Entity('entities')
@Unique('entities_business_id_key', ['businessId', 'businessIdType'])
@Unique('entities_eid_key', ['eid'])
@Check('entities_type_check', `"type" IN ('organisation', 'person')`)
@Check('entities_business_id_type_check', `"business_id_type" IN ('org', 'email', 'pid', 'uuid')`)
@Check('entities_status_check', `"status" IN ('active', 'inactive')`)
export class EntityRecord {
  @PrimaryGeneratedColumn({ primaryKeyConstraintName: 'entities_pkey' })
  id: number;

  @Column('uuid')
  eid: string;

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

  @Column('timestamptz', { name: 'recorded_at', default: () => 'now()' })
  recordedAt: Date;

  @Column('integer', { name: 'recorded_by', default: 0 })
  recordedBy: number;
}
