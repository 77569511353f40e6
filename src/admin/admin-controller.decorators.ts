import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorFormat } from '../common/error-format.js';
import { AccessTokenGuard, RequireScope } from '../tokens/access-token.guard.js';

/** Every admin controller: under /admin, a bearer token covering manage:auth, documented as such. */
export function AdminController(path: string, tag: string) {
  return applyDecorators(
    Controller(`admin/${path}`),
    ErrorFormat('problem'),
    UseGuards(AccessTokenGuard),
    RequireScope('manage:auth'),
    ApiTags(tag),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No valid bearer token' }),
    ApiForbiddenResponse({ description: 'The token may not do this (AdminPolicy)' }),
  );
}
