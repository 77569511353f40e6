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

  /** Sets (or replaces) a person's username and password hash, in the caller's transaction; the caller checked entity and policy. */
  async set(entityId: number, username: string, passwordHash: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    try {
      await manager.query(
        `INSERT INTO registrant_credentials (entity_id, username, password_hash) VALUES ($1, $2, $3)
         ON CONFLICT (entity_id) DO UPDATE SET username = EXCLUDED.username, password_hash = EXCLUDED.password_hash, updated_at = now()`,
        [entityId, normalizeUsername(username), passwordHash],
      );
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') throw new UsernameTakenError();
      throw error;
    }
  }
}
