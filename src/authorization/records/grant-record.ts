import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { EntityClientRecord } from '../../directory/records/entity-client-record.js';
import { EntityRecord } from '../../directory/records/entity-record.js';
import { PartyRecord } from '../../directory/records/party-record.js';
import { LoginSessionRecord } from './login-session-record.js';

/**
 * What one person granted one client at one login: the refresh token family.
 * Its id is the `sid` of every access token issued from it, so ending it
 * (revoked_at, and the sid on the revocation list) ends them all.
 */
@Entity('grants')
export class GrantRecord {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'grants_pkey' })
  id: string;

  @Column('uuid', { name: 'client_id' })
  clientId: string;

  @ManyToOne(() => EntityClientRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id', foreignKeyConstraintName: 'grants_client_id_fkey' })
  client?: Relation<EntityClientRecord>;

  @Column('integer', { name: 'entity_id' })
  entityId: number;

  @ManyToOne(() => EntityRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'entity_id', foreignKeyConstraintName: 'grants_entity_id_fkey' })
  entity?: Relation<EntityRecord>;

  @Column('integer', { name: 'party_id', nullable: true })
  partyId: number | null;

  @ManyToOne(() => PartyRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'party_id', foreignKeyConstraintName: 'grants_party_id_fkey' })
  party?: Relation<PartyRecord>;

  @Column('text')
  scope: string;

  @Index('grants_login_session_id_idx')
  @Column('uuid', { name: 'login_session_id', nullable: true })
  loginSessionId: string | null;

  @ManyToOne(() => LoginSessionRecord, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'login_session_id', foreignKeyConstraintName: 'grants_login_session_id_fkey' })
  loginSession?: Relation<LoginSessionRecord>;

  @Column('timestamptz', { name: 'auth_time' })
  authTime: Date;

  @Column('text', { array: true })
  amr: string[];

  /** The DPoP key a public client's refresh tokens are bound to (RFC 9449 §5). */
  @Column('text', { name: 'dpop_jkt', nullable: true })
  dpopJkt: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Index('grants_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}
