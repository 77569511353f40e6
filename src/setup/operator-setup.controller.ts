import { Body, Controller, Header, HttpCode, Ip, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { LoginSessions } from '../authorization/login-sessions.service.js';
import { ApiBody, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ErrorFormat } from '../common/error-format.js';
import type { OperatorSetupResponse, SetupLinkView } from '../contract/wire.js';
import { OperatorSetupDto, SetupLinkDto } from './operator-setup.dto.js';
import { OperatorSetupService } from './operator-setup.service.js';

/**
 * The portal's setup page: a form before any login, like the login form,
 * so its errors take the registrant login's shape (`{"errors":[{"<field>":
 * ["..."]}]}`, with Retry-After on a 429). The code travels in the body:
 * request paths are logged, bodies never.
 */
@Controller('api/v1/setup')
@ErrorFormat('registrant')
@ApiTags('setup')
export class OperatorSetupController {
  constructor(
    private readonly setup: OperatorSetupService,
    private readonly sessions: LoginSessions,
  ) {}

  @Post('link')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiBody({ type: SetupLinkDto })
  @ApiOkResponse({ description: '{email, expires_at}: the e-mail the link was made for (null: she chooses), and when it expires' })
  @ApiNotFoundResponse({ description: 'Unknown, used or expired' })
  @ApiTooManyRequestsResponse({ description: 'Too many wrong codes from this address; see Retry-After' })
  link(@Body() body: unknown, @Ip() address: string): Promise<SetupLinkView> {
    return this.setup.inspect(body, address);
  }

  @Post('operator')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @ApiBody({ type: OperatorSetupDto })
  @ApiCreatedResponse({ description: '{entity_id, party_id, username}, and her login session at the issuer (an HttpOnly cookie): the portal logs her in without asking again' })
  @ApiNotFoundResponse({ description: 'The link is unknown, used or expired' })
  @ApiUnprocessableEntityResponse({ description: 'A field at fault: {"errors":[{"<field>":["<message>"]}]}' })
  @ApiTooManyRequestsResponse({ description: 'Too many wrong codes from this address; see Retry-After' })
  async operator(@Body() body: unknown, @Ip() address: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<OperatorSetupResponse> {
    const made = await this.setup.create(body, address);
    // She just chose her password: her login session at the issuer starts now, so the portal's login asks nothing more.
    reply.header('set-cookie', await this.sessions.startCookie(made.entity_id, ['pwd']));
    return made;
  }
}
