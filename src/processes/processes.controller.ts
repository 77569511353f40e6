import { Body, Controller, Get, Header, Headers, HttpCode, Ip, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ErrorFormat } from '../common/error-format.js';
import { ProcessesService } from './processes.service.js';

/** finAPI's Process Controller, in its shapes (camelCase, the registry's error list). */
@Controller('api/v1/processes')
@ErrorFormat('registrant')
@ApiTags('processes')
export class ProcessesController {
  constructor(private readonly processes: ProcessesService) {}

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @ApiCreatedResponse({ description: '{"processes":[{"clientReference","processToken"}]}: each token is shown this once' })
  @ApiUnauthorizedResponse({ description: 'The client did not authenticate (clientId and clientSecret in the body, or its registered method)' })
  @ApiUnprocessableEntityResponse({ description: 'processId or clientReferences out of their grammar: {"errors":[{"<field>":["..."]}]}' })
  @ApiTooManyRequestsResponse({ description: 'The client holds PROCESS_MAX_OPEN open processes already, or its authentication is locked out' })
  create(@Body() body: unknown, @Headers('authorization') authorization: string | undefined, @Ip() address: string) {
    return this.processes.create({ body, authorization, address });
  }

  @Get(':processToken')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ description: '{"accessToken"}: the client\'s access token, with process_id and client_reference, never outliving the process' })
  @ApiNotFoundResponse({ description: 'Unknown, ended or expired: {"errors":[{"base":["Not found"]}]}' })
  redeem(@Param('processToken') processToken: string, @Query('invalidate') invalidate: string | undefined) {
    return this.processes.redeem(processToken, invalidate);
  }
}
