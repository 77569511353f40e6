import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import { PasswordHasher } from '../crypto/password-hasher.js';
import { normalizeUsername } from './username.js';

/** The person a username belongs to, with what a login needs. */
export interface CredentialHolder {
  readonly passwordHash: string;
  readonly entity: { readonly id: number; readonly eid: string; readonly name: string; readonly type: string; readonly status: string };
}

export class UsernameTakenError extends Error {
  override name = 'UsernameTakenError';
}

/** Password credentials of person entities (table `registrant_credentials`). */
@Injectable()
export class RegistrantCredentials {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    readonly hasher: PasswordHasher,
  ) {}

  async find(username: string): Promise<CredentialHolder | null> {
    const rows: { password_hash: string; id: number; eid: string; name: string; type: string; status: string }[] = await this.dataSource.query(
      `SELECT c.password_hash, e.id, e.eid, e.name, e.type, e.status
         FROM registrant_credentials c JOIN entities e ON e.id = c.entity_id WHERE c.username = $1`,
      [normalizeUsername(username)],
    );
    if (rows.length === 0) return null;
    const { password_hash: passwordHash, ...entity } = rows[0];
    return { passwordHash, entity };
  }

  /** The username a person logs in with, and which company's admin set it (null: the operator), or null without credentials. */
  async ofEntity(entityId: number, manager: EntityManager = this.dataSource.manager): Promise<{ username: string; managedByEntityId: number | null } | null> {
    const [row]: { username: string; managed_by_entity_id: number | null }[] = await manager.query(
      'SELECT username, managed_by_entity_id FROM registrant_credentials WHERE entity_id = $1',
      [entityId],
    );
    return row === undefined ? null : { username: row.username, managedByEntityId: row.managed_by_entity_id };
  }

  /** The company whose admin set the person's credentials; null when there are none or the operator set them. */
  async custodyOf(entityId: number, manager?: EntityManager): Promise<number | null> {
    return (await this.ofEntity(entityId, manager))?.managedByEntityId ?? null;
  }

  /**
   * Sets (or replaces) a person's username and password hash, in the
   * caller's transaction; the caller checked entity and policy.
   * `managedByEntityId` is the company whose admin sets them, null for the operator.
   */
  async set(entityId: number, username: string, passwordHash: string, managedByEntityId: number | null, manager: EntityManager = this.dataSource.manager): Promise<void> {
    try {
      await manager.query(
        `INSERT INTO registrant_credentials (entity_id, username, password_hash, managed_by_entity_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (entity_id) DO UPDATE SET username = EXCLUDED.username, password_hash = EXCLUDED.password_hash,
           managed_by_entity_id = EXCLUDED.managed_by_entity_id, updated_at = now()`,
        [entityId, normalizeUsername(username), passwordHash, managedByEntityId],
      );
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') throw new UsernameTakenError();
      throw error;
    }
  }
}
