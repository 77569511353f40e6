import { Body, Controller, Get, Headers, Ip, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthorizationRequestError } from '../authorization/authorization-parameters.js';
import { presentedCertificate } from '../tokens/sender-constraint/presented-certificate.js';
import { AuthorizationFlow } from './authorization-flow.service.js';
import { readCookies } from './cookies.js';
import { EndSession } from './end-session.service.js';
import type { FlowOutcome } from './flow-outcome.js';
import { LoginSteps, type PostedForm } from './login-steps.service.js';
import { PAGES_CSS } from './pages.js';

/**
 * The front channel: /auth/authorize and the pages after it, and the
 * end-session endpoint. Thin: the rules are in AuthorizationFlow, LoginSteps
 * and EndSession; this reads parameters and cookies and writes the answer.
 */
@Controller('auth/authorize')
@ApiTags('authorization (browser)')
export class LoginController {
  constructor(
    private readonly flow: AuthorizationFlow,
    private readonly steps: LoginSteps,
    private readonly endSession: EndSession,
  ) {}

  @Get()
  @ApiOperation({ summary: 'RFC 6749 §4.1.1 authorization request (PKCE S256 required; request_uri from PAR): 303 to the login or consent page, or to the redirect URI with code, state and iss' })
  async authorizeByGet(@Query() query: unknown, @Headers('cookie') cookie: string | undefined, @Ip() address: string, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.flow.authorize(single(query, true), readCookies(cookie), address));
  }

  /** OpenID Connect Core §3.1.2.1: the same request as a form. */
  @Post()
  @ApiOperation({ summary: 'The authorization request as a form (OpenID Connect Core §3.1.2.1)' })
  async authorizeByPost(@Body() body: unknown, @Headers('cookie') cookie: string | undefined, @Ip() address: string, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.flow.authorize(single(body, true), readCookies(cookie), address));
  }

  @Get('login')
  @ApiOperation({ summary: 'The login page of an authorization request (HTML)' })
  async showLogin(@Query('request') handle: unknown, @Headers('cookie') cookie: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.steps.showLogin(typeof handle === 'string' ? handle : undefined, readCookies(cookie).browser));
  }

  @Post('login')
  @ApiOperation({ summary: 'The login form: username, password, its single-use form token; throttled as the registrant login' })
  async submitLogin(@Body() body: unknown, @Headers('cookie') cookie: string | undefined, @Ip() address: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.steps.submitLogin(single(body, false), readCookies(cookie).browser, address, presentedCertificate(request)?.certificate));
  }

  @Get('consent')
  @ApiOperation({ summary: 'The consent page: the client, its company, the scopes in words, the party (or a choice of parties)' })
  async showConsent(@Query('request') handle: unknown, @Headers('cookie') cookie: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.steps.showConsent(typeof handle === 'string' ? handle : undefined, readCookies(cookie).browser));
  }

  @Post('consent')
  @ApiOperation({ summary: 'The consent form: allow or deny, and the party picked' })
  async submitConsent(@Body() body: unknown, @Headers('cookie') cookie: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.steps.submitConsent(single(body, false), readCookies(cookie).browser));
  }

  /** end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0). */
  @Get('logout')
  @ApiOperation({ summary: 'end_session_endpoint (RP-Initiated Logout 1.0): id_token_hint, post_logout_redirect_uri, state' })
  async logoutByGet(@Query() query: unknown, @Headers('cookie') cookie: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.endSession.request(single(query, false), readCookies(cookie).session));
  }

  @Post('logout')
  @ApiOperation({ summary: 'end_session_endpoint as a form, and the confirmation of a logout without a hint' })
  async logoutByPost(@Body() body: unknown, @Headers('cookie') cookie: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    const form = single(body, false);
    const session = readCookies(cookie).session;
    send(reply, form('form_token') !== undefined && form('id_token_hint') === undefined ? await this.endSession.confirm(form('form_token'), session) : await this.endSession.request(form, session));
  }

  @Get('pages.css')
  @ApiOperation({ summary: 'The stylesheet of the login pages' })
  stylesheet(@Res() reply: FastifyReply): void {
    reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PAGES_CSS);
  }
}

/**
 * A getter over query or form parameters: strings only. A repeated one is
 * refused (RFC 6749 §3.1) as a page when `strict` (the authorization request),
 * and read as absent otherwise.
 */
function single(source: unknown, strict: boolean): PostedForm {
  const values = source !== null && typeof source === 'object' ? (source as Record<string, unknown>) : {};
  return (name) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (Array.isArray(value) && strict) throw new AuthorizationRequestError('invalid_request', `The parameter ${name} was sent more than once.`, false);
    return typeof value === 'string' ? value : undefined;
  };
}

/** Pages: our stylesheet only, no script, forms to us and to the application's redirect origin, never framed. */
function send(reply: FastifyReply, outcome: FlowOutcome): void {
  if (outcome.cookies !== undefined && outcome.cookies.length > 0) reply.header('set-cookie', [...outcome.cookies]);
  reply.header('cache-control', 'no-store');
  if (outcome.kind === 'redirect') {
    reply.status(303).header('location', outcome.location).send();
    return;
  }
  const targets = (outcome.page.formTargets ?? []).join(' ');
  reply
    .status(outcome.page.status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', `default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'${targets === '' ? '' : ` ${targets}`}; frame-ancestors 'none'; base-uri 'none'`)
    .send(outcome.page.html);
}
