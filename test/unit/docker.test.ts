import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/app-config.js';
import { SECRET_VARIABLES, serviceVariables } from '../support/service-variables.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const compose = parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, any>; networks: Record<string, any> };
const services = compose.services;
const REPLICAS = ['token-issuer-1', 'token-issuer-2', 'token-issuer-3'];

/** Docker cannot run here: docker-compose.yml is checked by its shape. */
describe('docker-compose.yml', () => {
  it('starts Postgres and one service by default, as before; everything else only in the `replicas` profile', () => {
    expect(Object.keys(services).filter((name) => services[name].profiles === undefined).sort()).toEqual(['postgres', 'token-issuer']);
    expect(Object.keys(services).filter((name) => services[name].profiles !== undefined).sort()).toEqual(['balancer', 'migrate', ...REPLICAS].sort());
    for (const name of ['balancer', 'migrate', ...REPLICAS]) expect(services[name].profiles).toEqual(['replicas']);
  });

  it('replicas: migrations once, then three replicas of one image, then the balancer in front of them', () => {
    const { migrate, balancer } = services;
    expect(migrate.command).toEqual(['node', 'dist/src/database/migrate-cli.js']);
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const name of REPLICAS) {
      expect(services[name].image).toBe(migrate.image);
      expect(services[name].build).toBe(migrate.build);
      expect(services[name].depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
      expect(services[name].healthcheck.test.join(' ')).toContain('/health/ready');
      expect(services[name].ports).toBeUndefined(); // reached through the balancer only
    }
    expect(balancer.image).toMatch(/^nginx:/);
    expect(balancer.depends_on).toEqual(Object.fromEntries(REPLICAS.map((name) => [name, { condition: 'service_healthy' }])));
  });

  it("replicas: the balancer's upstreams are exactly the three replicas, on the service's port", () => {
    const mount = services.balancer.volumes.find((volume: string) => volume.endsWith(':/etc/nginx/nginx.conf:ro'));
    const file = `${ROOT}${mount.split(':')[0].replace(/^\.\//, '')}`;
    expect(existsSync(file)).toBe(true);
    const config = readFileSync(file, 'utf8');
    const upstream = /upstream token_issuer \{([^}]*)\}/.exec(config)![1];
    expect([...upstream.matchAll(/^\s*server\s+([^\s;]+)/gm)].map((match) => match[1])).toEqual(REPLICAS.map((name) => `${name}:${services[name].environment.PORT}`));
    expect(config).toMatch(/proxy_pass http:\/\/token_issuer;/);
  });

  it('replicas: one database, one TOKEN_SECRET, one issuer; only the balancer may name the client address', () => {
    const environments = [...REPLICAS, 'migrate'].map((name) => services[name].environment);
    expect(new Set(environments.map((environment) => environment.DATABASE_URL)).size).toBe(1);
    expect(environments[0].DATABASE_URL).toBe(services['token-issuer'].environment.DATABASE_URL);
    expect(new Set(environments.map((environment) => environment.TOKEN_SECRET)).size).toBe(1);
    expect(environments[0].TOKEN_SECRET).toMatch(/^\$\{TOKEN_SECRET:\?/); // required, never a default
    const replicas = REPLICAS.map((name) => services[name].environment);
    for (const field of ['PUBLIC_URL', 'SIGNING_KEYS', 'TOKEN_SECRETS_PREVIOUS', 'ACCESS_TOKEN_TTL']) expect(new Set(replicas.map((environment) => environment[field])).size).toBe(1);
    const balancerAddress = services.balancer.networks.edge.ipv4_address;
    expect(compose.networks.edge.ipam.config[0].subnet).toBe('172.30.0.0/24');
    for (const environment of replicas) expect(environment.TRUST_PROXY).toBe(balancerAddress);
    for (const name of REPLICAS) expect(services[name].networks.sort()).toEqual(['default', 'edge']);
  });

  it('sets only variables the service reads, secrets only from the environment, and settings the service accepts', () => {
    const read = serviceVariables();
    for (const name of ['token-issuer', 'migrate', ...REPLICAS]) {
      const environment = services[name].environment as Record<string, string | number>;
      expect(Object.keys(environment).filter((variable) => !read.has(variable))).toEqual([]);
      for (const variable of SECRET_VARIABLES.filter((secret) => secret in environment && secret !== 'DATABASE_URL')) {
        expect(String(environment[variable])).toMatch(new RegExp(`^\\$\\{${variable}:[-?]`));
      }
      // With the environment's values substituted as Compose would (defaults, and a real secret), the service starts.
      const substituted = Object.fromEntries(Object.entries(environment).map(([variable, value]) => [variable, String(value).replace(/\$\{([A-Z_]+)(?::[-?]([^}]*))?\}/g, (_match, from: string, fallback = '') => (from === 'TOKEN_SECRET' ? 'x'.repeat(48) : from === 'TOKEN_SECRETS_PREVIOUS' ? '' : fallback))]));
      expect(() => loadConfig(substituted)).not.toThrow();
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
  const stages = dockerfile.split('\n').filter((line) => line.startsWith('FROM '));
  const engines = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).engines.node as string;

  it('builds and runs on Node 24 (bookworm-slim), a version package.json supports, as a non-root user', () => {
    expect(stages).toEqual(['FROM node:24-bookworm-slim AS build', 'FROM node:24-bookworm-slim']);
    expect(engines.split('||').map((range) => /\^(\d+)\./.exec(range.trim())![1])).toContain('24');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/src\/main\.js"\]$/m);
    // The migration entry point the compose profile and the Kubernetes init container run is in the image.
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(existsSync(`${ROOT}src/database/migrate-cli.ts`)).toBe(true);
  });
});
