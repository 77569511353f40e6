import { Controller, Delete, Get, Header, HttpCode, Param, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Consents } from '../authorization/consents.service.js';
import { Grants } from '../authorization/grants.service.js';
import { BearerTokenError } from '../common/protocol-errors.js';
import { PORTAL_CLIENT_ID } from '../contract/urns.js';
import { isUuid } from '../model/business-id.js';
import { AccessTokenGuard, CurrentPrincipal } from '../tokens/access-token.guard.js';
import type { Principal } from '../tokens/principal.js';

/**
 * A person's consents: the applications she allowed, and withdrawing one
 * (which also ends every grant she gave it). Only with her own login's
 * tokens (the portal's, or her registrant token): an application must not
 * see or withdraw what she allowed other applications.
 */
@Controller('auth/consents')
@ApiTags('oauth')
export class ConsentsController {
  constructor(
    private readonly consents: Consents,
    private readonly grants: Grants,
  ) {}

  @Get()
  @UseGuards(AccessTokenGuard)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The applications she allowed, with the scopes and when' })
  async list(@CurrentPrincipal() principal: Principal): Promise<{ consents: { client_id: string; scope: string; granted_at: string }[] }> {
    const rows = await this.consents.list(ownLogin(principal));
    return { consents: rows.map((row) => ({ client_id: row.clientId, scope: row.scope, granted_at: row.grantedAt.toISOString() })) };
  }

  @Delete(':clientId')
  @UseGuards(AccessTokenGuard)
  @HttpCode(204)
  @ApiOperation({ summary: 'Withdraws her consent to an application and ends every grant she gave it (its refresh and access tokens)' })
  async revoke(@CurrentPrincipal() principal: Principal, @Param('clientId') clientId: string): Promise<void> {
    const entityId = ownLogin(principal);
    // Unknown or malformed ids answer the same 204: nothing of another person's is revealed, and nothing is left to withdraw.
    if (!isUuid(clientId)) return;
    await this.consents.revoke(entityId, clientId.toLowerCase());
    await this.grants.endForClient(entityId, clientId.toLowerCase());
  }
}

function ownLogin(principal: Principal): number {
  if (principal.kind === 'registrant' || principal.clientId === PORTAL_CLIENT_ID) return principal.entityId;
  throw BearerTokenError.notForThisToken('Only your own login (the portal, or a registrant token) manages your consents');
}
