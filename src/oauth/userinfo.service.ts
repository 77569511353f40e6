import { Injectable } from '@nestjs/common';
import { BearerTokenError } from '../common/protocol-errors.js';
import type { UserinfoResponse } from '../contract/wire.js';
import { EntityLookup } from '../directory/lookups.js';
import type { Principal } from '../tokens/principal.js';

@Injectable()
export class UserinfoService {
  constructor(
    private readonly entities: EntityLookup,
  ) {}

  /** Who the token speaks for, with current names; party fields are absent for entity-level tokens. */
  async describe(principal: Principal): Promise<UserinfoResponse> {
    const names = await this.entities.names(principal.entityId, principal.partyId, principal.entityName);
    if (names === null) throw BearerTokenError.invalid('The entity or party of this token no longer exists');
    // OpenID Connect: the profile scope adds the standard `name` (the person's, as the entity name is).
    const profile = principal.openidScopes.includes('profile') ? { name: names.entityName } : {};
    const base = { sub: principal.subject, current_role: principal.role, entity_id: principal.entityId, entity_name: names.entityName, ...profile };
    return principal.partyId === undefined ? base : { ...base, party_id: principal.partyId, party_name: names.partyName! };
  }
}
