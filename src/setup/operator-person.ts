import type { EntityManager } from 'typeorm';

/**
 * Whether the directory has an operator person: an active person entity
 * with a membership of the operator party (`parties.operator`, the one
 * AdminPolicy treats as the operator) whose scopes include `manage:auth`,
 * the scope every admin route requires (no other scope covers it). Such a
 * person can log in, assume the operator party and manage everything; once
 * one exists, a start prints no setup link and a start link is refused.
 */
export async function hasOperatorPerson(manager: EntityManager): Promise<boolean> {
  const [row]: { found: boolean }[] = await manager.query(
    `SELECT EXISTS (
       SELECT 1 FROM party_memberships m
         JOIN parties p ON p.id = m.party_id AND p.operator
         JOIN entities e ON e.id = m.entity_id AND e.type = 'person' AND e.status = 'active'
        WHERE 'manage:auth' = ANY(m.scopes)) AS found`,
  );
  return row.found;
}
