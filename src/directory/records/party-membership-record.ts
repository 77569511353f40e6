import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation, Unique } from 'typeorm';
import { EntityRecord } from './entity-record.js';
import { PartyRecord } from './party-record.js';

/** Lets an entity act for a party it does not own, with these scopes. */
@Entity('party_memberships')
@Unique('party_memberships_entity_party_key', ['entityId', 'partyId'])
export class PartyMembershipRecord {
  @PrimaryGeneratedColumn({ primaryKeyConstraintName: 'party_memberships_pkey' })
  id: number;

  @Column('integer', { name: 'entity_id' })
  entityId: number;

  @ManyToOne(() => EntityRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'entity_id', foreignKeyConstraintName: 'party_memberships_entity_id_fkey' })
  entity?: Relation<EntityRecord>;

  @Index('party_memberships_party_id_idx')
  @Column('integer', { name: 'party_id' })
  partyId: number;

  @ManyToOne(() => PartyRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'party_id', foreignKeyConstraintName: 'party_memberships_party_id_fkey' })
  party?: Relation<PartyRecord>;

  @Column('text', { array: true })
  scopes: string[];

  @Column('timestamptz', { name: 'recorded_at', default: () => 'now()' })
  recordedAt: Date;

  @Column('integer', { name: 'recorded_by', default: 0 })
  recordedBy: number;
}
