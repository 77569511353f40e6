import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/**
 * What each person approved for each client, remembered until revoked: a
 * request within it skips the consent page. Scopes are kept as the strings
 * asked for (assume:party:<id> among them), so a new party or a wider scope
 * asks again.
 */
@Injectable()
export class Consents {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async covers(entityId: number, clientId: string, scopes: readonly string[]): Promise<boolean> {
    const [row]: { scope: string }[] = await this.dataSource.query('SELECT scope FROM consents WHERE entity_id = $1 AND client_id = $2', [entityId, clientId]);
    if (row === undefined) return false;
    const approved = new Set(row.scope.split(' '));
    return scopes.every((scope) => approved.has(scope));
  }

  /** Adds these scopes to what she approved for the client. */
  async remember(entityId: number, clientId: string, scopes: readonly string[]): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO consents (entity_id, client_id, scope) VALUES ($1, $2, $3)
       ON CONFLICT (entity_id, client_id) DO UPDATE SET granted_at = now(),
         scope = (SELECT string_agg(DISTINCT s, ' ' ORDER BY s) FROM unnest(string_to_array(consents.scope || ' ' || EXCLUDED.scope, ' ')) AS s WHERE s <> '')`,
      [entityId, clientId, [...new Set(scopes)].sort().join(' ')],
    );
  }

  /** The clients she approved, newest first. */
  async list(entityId: number): Promise<{ clientId: string; scope: string; grantedAt: Date }[]> {
    return this.dataSource.query('SELECT client_id AS "clientId", scope, granted_at AS "grantedAt" FROM consents WHERE entity_id = $1 ORDER BY granted_at DESC LIMIT 200', [entityId]);
  }

  /** Forgets her approval of a client; true when there was one. */
  async revoke(entityId: number, clientId: string): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.dataSource.query('DELETE FROM consents WHERE entity_id = $1 AND client_id = $2 RETURNING client_id', [entityId, clientId]);
    return rows.length === 1;
  }
}
