import 'reflect-metadata';
import { type Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module.js';
import { ProblemError } from './common/protocol-errors.js';
import { AppLogger, registerRequestLogging } from './common/logging.js';
import { registerSecurityHeaders } from './common/security-headers.js';
import { Metrics } from './health/metrics.service.js';
import { GrantRegistry } from './oauth/grants/grant-registry.js';
import { rawClientErrorResponse, sendProtocolError } from './common/protocol-exception.filter.js';
import type { AppConfig } from './config/app-config.js';
import { fastifyTrustProxy } from './config/trust-proxy.js';
import { httpsOptions } from './config/tls-config.js';
import { registerClientCertificates } from './tokens/sender-constraint/presented-certificate.js';
import { servePortal } from './portal/portal.js';

/** Largest request body accepted (413 above it): ample for keys, certificates and assertions. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** The Nest application on Fastify, ready to listen; shared by main.ts and the tests (which may add modules). */
export async function createApp(config: AppConfig, databaseUrl: string, extraModules: Type[] = []): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, databaseUrl, extraModules),
    new FastifyAdapter({
      bodyLimit: BODY_LIMIT_BYTES,
      // Fastify turns Node's request timeout off by default: a request trickled in slowly must not hold a worker.
      requestTimeout: 10_000,
      trustProxy: fastifyTrustProxy(config.trustProxy),
      // Errors Fastify meets before routing (bad URL, over-long path parameter) get the same shapes as the rest.
      frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => sendProtocolError(error, request, reply),
      clientErrorHandler: (error: Error & { code?: string; statusCode?: number }, socket) => {
        if (socket.writable) socket.end(rawClientErrorResponse(error.code === 'HPE_HEADER_OVERFLOW' ? 431 : (error.statusCode ?? 400)));
        else socket.destroy();
      },
      // TLS_CERT_FILE: HTTPS on PORT, asking for (not requiring) client certificates when TLS_CLIENT_CA_FILE is set.
      ...httpsOptions(config.tls, config.eidTrustedCas.map((ca) => ca.toString())),
    }),
    { bufferLogs: true, abortOnError: false },
  );
  const logger = app.get(AppLogger);
  app.useLogger(logger);
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      forbidUnknownValues: true,
      exceptionFactory: (errors) => ProblemError.validation(fieldErrors(errors)),
    }),
  );
  const fastify = app.getHttpAdapter().getInstance();
  registerSecurityHeaders(fastify, { https: config.publicUrl.startsWith('https:') });
  registerRequestLogging(fastify, logger.pino);
  registerClientCertificates(fastify, config.tls.trustedProxies);
  const metrics = app.get(Metrics);
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.requestDuration.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
  if (config.corsOrigins.length > 0) {
    app.enableCors({ origin: [...config.corsOrigins], methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], allowedHeaders: ['authorization', 'content-type', 'dpop'], exposedHeaders: ['dpop-nonce', 'www-authenticate'], maxAge: 600 });
  }
  serveOpenApi(app, config);
  await servePortal(app);
  return app;
}

/** OpenAPI built from the controllers and DTOs themselves, so it cannot drift: UI at /docs, JSON at /docs/openapi.json. */
function serveOpenApi(app: NestFastifyApplication, config: AppConfig): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('token-issuer')
      .setDescription('Entity-client login (RFC 7523 JWT-bearer), registrant login, userinfo, the data API and the admin API.')
      .setVersion('0.1.0')
      .addServer(config.publicUrl)
      .addBearerAuth()
      .build(),
  );
  document.components!.schemas!.TokenRequest = app.get(GrantRegistry).requestSchema();
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
}

function fieldErrors(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const error of errors) {
    const field = `${prefix}${error.property}`;
    if (error.constraints !== undefined) {
      result[field] = Object.values(error.constraints).map((message) => message.replace(/^property (\S+) should not exist$/, 'is not a known field'));
    }
    Object.assign(result, fieldErrors(error.children ?? [], `${field}.`));
  }
  return result;
}
