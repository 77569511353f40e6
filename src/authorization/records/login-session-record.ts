import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation, Unique } from 'typeorm';
import { EntityRecord } from '../../directory/records/entity-record.js';

/** A person's login at the issuer, behind its cookie (kept as a digest): later authorizations skip the password. */
@Entity('login_sessions')
@Unique('login_sessions_cookie_digest_key', ['cookieDigest'])
export class LoginSessionRecord {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'login_sessions_pkey' })
  id: string;

  @Column('text', { name: 'cookie_digest' })
  cookieDigest: string;

  @Column('integer', { name: 'entity_id' })
  entityId: number;

  @ManyToOne(() => EntityRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'entity_id', foreignKeyConstraintName: 'login_sessions_entity_id_fkey' })
  entity?: Relation<EntityRecord>;

  @Column('timestamptz', { name: 'auth_time' })
  authTime: Date;

  @Column('text', { array: true })
  amr: string[];

  @Index('login_sessions_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'ended_at', nullable: true })
  endedAt: Date | null;
}
