import { type DynamicModule, type LoggerService, Module } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';

/** Path parameters that are secrets: their routes are logged by pattern (`/api/v1/processes/:processToken`). */
const SECRET_PATH_PARAMETER = /:processToken\b/;

/** Object paths never written, should any log call carry them. */
export const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]', 'res.headers["set-cookie"]',
  '*.authorization', '*.password', '*.assertion', '*.access_token', '*.token', '*.subject_token', '*.certificate',
  'err.parameters', 'err.query', 'err.driverError',
];

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Structured JSON logs (pino) for Nest's own Logger calls. Redaction covers
 * anything that tries to log a secret. Plain pino rather than a per-request
 * logger: nothing here needs request-scoped state, and keeping none spares
 * every request a child logger and async-context tracking.
 */
export class AppLogger implements LoggerService {
  constructor(readonly pino: pino.Logger) {}

  log(message: unknown, ...parameters: unknown[]): void {
    this.write('info', message, parameters);
  }
  error(message: unknown, ...parameters: unknown[]): void {
    this.write('error', message, parameters);
  }
  warn(message: unknown, ...parameters: unknown[]): void {
    this.write('warn', message, parameters);
  }
  debug(message: unknown, ...parameters: unknown[]): void {
    this.write('debug', message, parameters);
  }
  verbose(message: unknown, ...parameters: unknown[]): void {
    this.write('trace', message, parameters);
  }
  fatal(message: unknown, ...parameters: unknown[]): void {
    this.write('fatal', message, parameters);
  }

  /** Nest passes the context (the logger's name) last, and for errors a stack before it. */
  private write(level: Level, message: unknown, parameters: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const rest = [...parameters];
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') fields.context = rest.pop();
    if (level === 'error' && typeof rest[0] === 'string') fields.stack = rest.shift();
    if (message instanceof Error) {
      this.pino[level]({ ...fields, err: message }, message.message);
    } else if (message !== null && typeof message === 'object') {
      this.pino[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      this.pino[level](fields, String(message));
    }
  }
}

/** Where and how much to log: AppConfig's logLevel and logFile. */
export interface LogSettings {
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  readonly logFile: string | undefined;
}

export function createRootLogger(config: LogSettings): pino.Logger {
  // Synchronous writes: nothing is lost when the process exits right after a line.
  const destination = pino.destination(config.logFile === undefined ? { fd: 1, sync: true } : { dest: config.logFile, sync: true, mkdir: true });
  return pino({ level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

/** The AppLogger, for app.useLogger and for whoever injects it. */
export function loggingModule(config: LogSettings): DynamicModule {
  return { module: LoggingModule, global: true, providers: [{ provide: AppLogger, useValue: new AppLogger(createRootLogger(config)) }], exports: [AppLogger] };
}

@Module({})
class LoggingModule {}

/**
 * A request is logged as method, path (never the query string), status and
 * time: no headers and no bodies, so tokens, assertions, passwords and
 * Authorization headers cannot reach the log. Successful requests log at
 * debug, client errors at info, server errors at error; a level that is off
 * costs one comparison.
 */
export function registerRequestLogging(fastify: FastifyInstance, logger: pino.Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level: Level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
    if (logger.isLevelEnabled(level)) {
      const pattern = request.routeOptions.url;
      // A route whose path carries a secret (a process token) is logged by its pattern, never its path.
      const path = pattern !== undefined && SECRET_PATH_PARAMETER.test(pattern) ? pattern : request.url.split('?')[0];
      logger[level](
        { req: { id: request.id, method: request.method, path }, res: { statusCode: status }, responseTime: reply.elapsedTime },
        'request completed',
      );
    }
    done();
  });
}
