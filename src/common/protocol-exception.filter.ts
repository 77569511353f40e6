import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from './database-availability.js';
import { QueueFullError } from './concurrency-limit.js';
import { errorFormatOf, type ErrorFormat } from './error-format.js';
import { BearerTokenError, OAuthError, type OAuthErrorCode, ProblemError, RegistrantError } from './protocol-errors.js';

/**
 * The one place protocol errors become HTTP. Anything unexpected becomes a
 * bare 500 without details: stack traces and secrets stay in the process.
 */
@Catch()
export class ProtocolExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProtocolExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProtocolError(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), this.logger);
  }
}

/**
 * The filter's mapping, also for errors Fastify raises before Nest routes a
 * request (its `frameworkErrors`). The shape is the route's (ErrorFormat).
 */
export function sendProtocolError(exception: unknown, request: FastifyRequest, reply: FastifyReply, logger = new Logger('ProtocolExceptionFilter')): void {
  const format = errorFormatOf(request);
  sendError(reply, toProtocolError(exception, format, logger), format);
}

/** For Fastify's clientErrorHandler: the HTTP parser refused the request (431, 400…) before there was a request object. */
export function rawClientErrorResponse(statusCode: number): string {
  const status = statusCode >= 400 && statusCode < 500 ? statusCode : 400;
  const body = JSON.stringify({ type: 'about:blank', title: titleOf(status), status });
  return `HTTP/1.1 ${status} ${titleOf(status)}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

type ProtocolError = OAuthError | BearerTokenError | ProblemError | RegistrantError;

/** One failure in the route's own words: the token endpoint's, the registry's, or problem details. */
function inFormat(format: ErrorFormat, status: number, words: string, oauthCode: OAuthErrorCode): ProtocolError {
  if (format === 'oauth') return new OAuthError(oauthCode, words, status);
  if (format === 'registrant') return RegistrantError.http(status, words);
  return new ProblemError(status, titleOf(status), words);
}

/** Errors the code did not raise as a protocol error (unknown route, unreadable body, an outage…), in the route's shape. */
function toProtocolError(exception: unknown, format: ErrorFormat, logger: Logger): ProtocolError {
  if (exception instanceof OAuthError || exception instanceof BearerTokenError || exception instanceof ProblemError || exception instanceof RegistrantError) {
    return exception;
  }
  // An unreachable database is the service down, a full queue it busy: either way, retry shortly.
  const databaseDown = isDatabaseUnavailable(exception);
  if (databaseDown || exception instanceof QueueFullError) {
    if (databaseDown) logger.warn(`database unavailable: ${(exception as Error).message}`);
    return inFormat(format, 503, 'The service is temporarily unavailable; retry shortly', 'temporarily_unavailable');
  }
  if (isUnstorableText(exception)) {
    // A character Postgres cannot store (NUL) slipped past the input rules: the input is at fault, not the server.
    if (format === 'oauth') return new OAuthError('invalid_request', 'A parameter contains characters that are not accepted');
    if (format === 'registrant') return RegistrantError.invalid({ base: ['contains characters that are not accepted'] });
    return ProblemError.validation({ body: ['contains characters that are not accepted'] });
  }
  const status = statusOf(exception);
  if (status === 503) return new ProblemError(503, titleOf(503), 'The service is not ready; try again shortly');
  if (status === undefined || status >= 500) {
    logger.error(exception instanceof Error ? `${exception.name}: ${exception.message}` : 'non-error thrown', exception instanceof Error ? exception.stack : undefined);
    return format === 'problem' || format === 'resource' ? new ProblemError(500, 'Internal Server Error') : inFormat(format, 500, 'The server could not complete the request', 'server_error');
  }
  // The registry answers a body it cannot read as a malformed body: 422.
  if (format === 'registrant' && status === 400) return RegistrantError.invalid({ base: ['The request body must be a JSON object'] });
  // RFC 6749 §5.2 has no code for these; invalid_request with the HTTP status that fits (400, 413, 415…).
  if (format === 'oauth' && status === 400) return new OAuthError('invalid_request', 'The request body could not be read as a form', 400);
  if (format === 'oauth' || format === 'registrant') return inFormat(format, status, detailOf(exception) ?? titleOf(status), 'invalid_request');
  return new ProblemError(status, titleOf(status), detailOf(exception));
}

/** Postgres: 22021 character_not_in_repertoire (NUL in text), 22P05 untranslatable_character. */
/** Postgres refused the text (a NUL, bytes that are no UTF-8): through TypeORM (driverError) or a pool of our own (pg's error itself). */
function isUnstorableText(exception: unknown): boolean {
  const error = exception as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = error?.driverError?.code ?? error?.code;
  return code === '22021' || code === '22P05';
}

function statusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  // Fastify's own errors (body parser, content type, size limit) carry a statusCode.
  const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600 ? statusCode : undefined;
}

function detailOf(exception: unknown): string | undefined {
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    if (typeof response === 'string') return response;
    const message = (response as { message?: unknown }).message;
    return typeof message === 'string' ? message : undefined;
  }
  const code = (exception as { code?: unknown }).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'The content type is not supported';
    default:
      return 'The request could not be read';
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function titleOf(status: number): string {
  return TITLES[status] ?? 'Error';
}

/** Seconds a client should wait before retrying a 503. */
const RETRY_AFTER_UNAVAILABLE = 5;

function sendError(reply: FastifyReply, error: ProtocolError, format: ErrorFormat): void {
  reply.header('cache-control', 'no-store');
  if (error.status === 503) reply.header('retry-after', String(RETRY_AFTER_UNAVAILABLE));
  if (error instanceof OAuthError) {
    reply.header('pragma', 'no-cache');
    if (error.headers.wwwAuthenticate !== undefined) reply.header('www-authenticate', error.headers.wwwAuthenticate);
    if (error.headers.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.headers.retryAfterSeconds));
    if (error.headers.dpopNonce !== undefined) reply.header('dpop-nonce', error.headers.dpopNonce);
    reply.status(error.status).type('application/json').send({ error: error.code, error_description: error.description });
    return;
  }
  if (error instanceof BearerTokenError) {
    reply.header('www-authenticate', bearerChallenge(error));
    if (error.dpopNonce !== undefined) reply.header('dpop-nonce', error.dpopNonce);
    const body = error.code === undefined ? { error: 'unauthorized', error_description: error.description } : { error: error.code, error_description: error.description };
    if (format === 'problem') {
      sendProblem(reply, new ProblemError(error.status, titleOf(error.status), error.description));
      return;
    }
    reply.status(error.status).type('application/json').send(body);
    return;
  }
  if (error instanceof RegistrantError) {
    if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
    reply.status(error.status).type('application/json').send({ errors: Object.entries(error.errors).map(([field, messages]) => ({ [field]: messages })) });
    return;
  }
  sendProblem(reply, error);
}

function sendProblem(reply: FastifyReply, error: ProblemError): void {
  const body: Record<string, unknown> = { type: 'about:blank', title: error.title, status: error.status };
  if (error.detail !== undefined) body.detail = error.detail;
  if (error.fieldErrors !== undefined) {
    body.errors = Object.entries(error.fieldErrors).map(([field, messages]) => ({ field, messages }));
  }
  reply.status(error.status).type('application/problem+json').send(body);
}

/** RFC 6750 §3 (RFC 9449 §7.1 for the DPoP scheme): no error attribute when the request carried no credentials. */
function bearerChallenge(error: BearerTokenError): string {
  const parts = ['realm="token-issuer"'];
  if (error.dpopAlgs !== undefined) parts.push(`algs="${error.dpopAlgs.join(' ')}"`);
  if (error.code !== undefined) {
    parts.push(`error="${error.code}"`, `error_description="${error.description.replace(/["\\]/g, '')}"`);
  }
  if (error.scope !== undefined) parts.push(`scope="${error.scope}"`);
  return `${error.dpopAlgs === undefined ? 'Bearer' : 'DPoP'} ${parts.join(', ')}`;
}
