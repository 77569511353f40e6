import { Get, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { CurrentPrincipal } from '../tokens/access-token.guard.js';
import type { Principal } from '../tokens/principal.js';
import { AdminController } from './admin-controller.decorators.js';
import { AdminPolicy } from './admin-policy.js';
import { PageQueryDto } from './admin.dto.js';
import { AuditTrail } from '../audit/audit-trail.service.js';
import { pageOf } from './pagination.js';

@AdminController('audit-events', 'admin: audit trail')
export class AuditEventsController {
  constructor(
    private readonly policy: AdminPolicy,
    private readonly audit: AuditTrail,
  ) {}

  /** Newest first; a company admin sees the changes to its own entity's objects. */
  @Get()
  @ApiOkResponse({ description: 'A page of audit events, newest first' })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto) {
    const only = this.policy.listScope(await this.policy.actorOf(principal), query.entity_id);
    return pageOf(query, (page) => this.audit.page(page, only));
  }
}
