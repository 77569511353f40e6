import { Controller, Get, Header, Injectable, UseGuards } from '@nestjs/common';
import { BearerTokenError } from '../common/protocol-errors.js';
import { DirectoryService } from '../directory/directory.service.js';
import { AccessTokenGuard, CurrentPrincipal, TokenClaimsSuffice } from '../tokens/access-token.guard.js';
import type { Principal } from '../tokens/access-token.js';

export interface UserinfoResponse {
  readonly sub: string;
  readonly current_role: string;
  readonly entity_id: number;
  readonly entity_name: string;
  readonly party_id?: number;
  readonly party_name?: string;
}

@Injectable()
export class UserinfoService {
  constructor(private readonly directory: DirectoryService) {}

  /** Who the token speaks for, with current names; party fields are absent for entity-level tokens. */
  async describe(principal: Principal): Promise<UserinfoResponse> {
    const names = await this.directory.names(principal.entityId, principal.partyId, principal.entityName);
    if (names === null) throw BearerTokenError.invalid('The entity or party of this token no longer exists');
    const base = { sub: principal.subject, current_role: principal.role, entity_id: principal.entityId, entity_name: names.entityName };
    return principal.partyId === undefined ? base : { ...base, party_id: principal.partyId, party_name: names.partyName! };
  }
}

@Controller('auth')
export class UserinfoController {
  constructor(private readonly userinfo: UserinfoService) {}

  @Get('userinfo')
  @UseGuards(AccessTokenGuard)
  @TokenClaimsSuffice()
  @Header('Cache-Control', 'no-store')
  describe(@CurrentPrincipal() principal: Principal): Promise<UserinfoResponse> {
    return this.userinfo.describe(principal);
  }
}
