import { Injectable } from '@nestjs/common';
import type { ActingPartiesResponse, ActingPartyItem } from '../contract/wire.js';
import { EntityLookup, PartyLookup } from '../directory/lookups.js';
import { partyRole } from '../model/business-id.js';
import type { Principal } from '../tokens/principal.js';

@Injectable()
export class ActingPartiesService {
  constructor(
    private readonly parties: PartyLookup,
    private readonly entities: EntityLookup,
  ) {}

  /**
   * The active parties the bearer's entity may act for: the same list the
   * token-exchange grant consults, so every item can be assumed. Sorted by
   * owning entity name, then party name, then id.
   */
  async list(principal: Principal): Promise<ActingPartiesResponse> {
    const acting = await this.parties.actingParties(principal.entityId);
    const owners = new Map<number, string>();
    for (const entityId of new Set(acting.map(({ party }) => party.entityId))) {
      const entity = await this.entities.findEntity(entityId); // cached
      if (entity !== null) owners.set(entityId, entity.name);
    }
    const parties = acting
      // A party's owner cannot be deleted while the party exists (foreign key); the guard is for types only.
      .filter(({ party }) => owners.has(party.entityId))
      .map(({ party, scopes, owned }): ActingPartyItem => ({
        party_id: party.id,
        party_name: party.name,
        type: party.type,
        role: partyRole(party.type),
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
