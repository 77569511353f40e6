import { Injectable } from '@nestjs/common';
import { DirectoryService } from '../directory/directory.service.js';
import type { Principal } from '../tokens/access-token.js';

/** One party the caller's entity may act for: what a portal offers to assume (token exchange). */
export interface ActingPartyItem {
  readonly party_id: number;
  readonly party_name: string;
  readonly type: string;
  readonly role: string;
  readonly business_id: string;
  readonly business_id_type: string;
  /** The party's owning entity, not the caller. */
  readonly entity_id: number;
  readonly entity_name: string;
  /** What the caller's entity holds there: the owner scopes, or its membership's. */
  readonly scope: string;
  readonly owned: boolean;
}

export interface ActingPartiesResponse {
  readonly parties: ActingPartyItem[];
}

@Injectable()
export class ActingPartiesService {
  constructor(private readonly directory: DirectoryService) {}

  /**
   * The active parties the bearer's entity may act for: the same list the
   * token-exchange grant consults, so every item can be assumed. Sorted by
   * owning entity name, then party name, then id.
   */
  async list(principal: Principal): Promise<ActingPartiesResponse> {
    const acting = await this.directory.actingParties(principal.entityId);
    const owners = new Map<number, string>();
    for (const entityId of new Set(acting.map(({ party }) => party.entityId))) {
      const entity = await this.directory.findEntity(entityId); // cached
      if (entity !== null) owners.set(entityId, entity.name);
    }
    const parties = acting
      // A party's owner cannot be deleted while the party exists (foreign key); the guard is for types only.
      .filter(({ party }) => owners.has(party.entityId))
      .map(({ party, scopes, owned }): ActingPartyItem => ({
        party_id: party.id,
        party_name: party.name,
        type: party.type,
        role: `flex_${party.type}`,
        business_id: party.businessId,
        business_id_type: party.businessIdType,
        entity_id: party.entityId,
        entity_name: owners.get(party.entityId)!,
        scope: scopes.toString(),
        owned,
      }))
      .sort((a, b) => compare(a.entity_name, b.entity_name) || compare(a.party_name, b.party_name) || a.party_id - b.party_id);
    return { parties };
  }
}

/** By code unit: the same order whatever the server's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
