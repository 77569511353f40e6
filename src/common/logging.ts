import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DynamicModule, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import type { AppConfig } from '../config/app-config.js';

/** Object paths never written, should any log call carry them. */
export const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]', 'res.headers["set-cookie"]',
  '*.authorization', '*.password', '*.assertion', '*.access_token', '*.token', '*.subject_token', '*.certificate',
  'err.parameters', 'err.query', 'err.driverError',
];

/**
 * Structured JSON logs (pino). A request is logged as method, path (never
 * the query string), status and time: no headers and no bodies, so tokens,
 * assertions, passwords and Authorization headers cannot reach the log;
 * redaction covers anything else that tries. Successful requests log at
 * debug, client errors at info, server errors at error.
 */
export function loggingModule(config: AppConfig): DynamicModule {
  // Synchronous writes: nothing is lost when the process exits right after a line.
  const destination = pino.destination(config.logFile === undefined ? { fd: 1, sync: true } : { dest: config.logFile, sync: true, mkdir: true });
  return LoggerModule.forRoot({
    // nestjs-pino's default route pattern matches nothing under this Fastify adapter; this one matches every path.
    forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
    pinoHttp: [
      {
        level: config.logLevel,
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
        serializers: {
          req: (req: IncomingMessage & { id?: unknown }) => ({ id: req.id, method: req.method, path: (req.url ?? '').split('?')[0] }),
          res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
        },
        customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) => (error !== undefined || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
        quietReqLogger: true,
      },
      destination,
    ],
  });
}
