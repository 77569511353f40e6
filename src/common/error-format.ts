import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

/**
 * The shape a route answers errors in, chosen by the module that owns it:
 * `oauth` (RFC 6749 §5.2 JSON), `registrant` (the registry's error list),
 * `problem` (RFC 9457, the admin API), `resource` (RFC 6750 bearer errors,
 * problem details for the rest; also every request that matched no route).
 */
export type ErrorFormat = 'oauth' | 'registrant' | 'problem' | 'resource';

/**
 * Class decorator: every route of the controller answers errors as `format`.
 * Kept in Fastify's route config, so that the exception filter finds it
 * even for errors raised before Nest runs the handler (an unreadable body).
 */
export function ErrorFormat(format: ErrorFormat): ClassDecorator {
  return (target) => {
    const prototype = (target as unknown as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const descriptor = Object.getOwnPropertyDescriptor(prototype, name)!;
      if (name !== 'constructor' && typeof descriptor.value === 'function') RouteConfig({ errorFormat: format })(prototype, name, descriptor);
    }
  };
}

export function errorFormatOf(request: FastifyRequest): ErrorFormat {
  return (request.routeOptions?.config as { errorFormat?: ErrorFormat } | undefined)?.errorFormat ?? 'resource';
}
