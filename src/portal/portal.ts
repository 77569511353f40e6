import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export const PORTAL_PREFIX = '/portal';

/**
 * The built portal (`npm run build` writes it to dist/portal), found from the
 * package root so that it is the same folder whether this runs from src/
 * (tests) or dist/src/ (the service).
 */
export function portalDirectory(): string | undefined {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
  const portal = join(directory, 'dist', 'portal');
  return existsSync(join(portal, 'index.html')) ? portal : undefined;
}

/**
 * Serves the portal's static files at /portal/ from the same process. They
 * are revalidated on every load (ETag), so a deployment is picked up at once;
 * the portal's own CSP is set with the other security headers.
 */
export async function servePortal(app: NestFastifyApplication): Promise<void> {
  const root = portalDirectory();
  if (root === undefined) {
    new Logger('Portal').warn('dist/portal is missing (run npm run build): /portal is not served');
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: PORTAL_PREFIX,
    decorateReply: false,
    redirect: true,
    index: 'index.html',
    cacheControl: false,
    setHeaders: (response) => response.setHeader('cache-control', 'no-cache'),
  });
}
