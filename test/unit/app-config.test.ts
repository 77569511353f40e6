import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';
import { fastifyTrustProxy } from '../../src/config/trust-proxy.js';
import { generateSigningJwk } from '../../src/crypto/signing-key-ring.js';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, publicUrl: 'http://localhost:3000', databaseUrl: undefined, accessTokenTtlSeconds: 3600, timeZone: 'UTC', logLevel: 'info' });
    expect(config.dataDir).toMatch(/\.data$/);
  });

  it('sizes each worker\'s connection pool for the number of workers unless DATABASE_POOL_SIZE says otherwise', () => {
    expect(loadConfig({ WORKERS: '1' }).databasePoolSize).toBe(10);
    expect(loadConfig({ WORKERS: '2' }).databasePoolSize).toBe(10);
    expect(loadConfig({ WORKERS: '8' }).databasePoolSize).toBe(6);
    expect(loadConfig({ WORKERS: '64' }).databasePoolSize).toBe(2);
    expect(loadConfig({ WORKERS: '8', DATABASE_POOL_SIZE: '20' }).databasePoolSize).toBe(20);
    expect(loadConfig({ WORKER_HEAP_MB: '256' }).workerHeapMb).toBe(256);
    expect(() => loadConfig({ WORKER_HEAP_MB: '16' })).toThrow(ConfigError);
  });

  it('bounds revocations: a budget per client or entity and a memory maximum, each a whole number in range', () => {
    expect(loadConfig({})).toMatchObject({ revocationSubjectBudget: 1000, revocationMemoryMax: 200_000 });
    expect(loadConfig({ REVOCATION_SUBJECT_BUDGET: '5', REVOCATION_MEMORY_MAX: '1000' })).toMatchObject({ revocationSubjectBudget: 5, revocationMemoryMax: 1000 });
    for (const [name, bad] of [['REVOCATION_SUBJECT_BUDGET', '0'], ['REVOCATION_SUBJECT_BUDGET', 'many'], ['REVOCATION_MEMORY_MAX', '99'], ['REVOCATION_MEMORY_MAX', '1e6']]) {
      expect(() => loadConfig({ [name]: bad })).toThrow(new RegExp(`${name} must be a whole number`));
    }
  });

  it('normalizes PUBLIC_URL without its trailing slash', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://auth.example.test/' }).publicUrl).toBe('https://auth.example.test');
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'eighty', PUBLIC_URL: 'ftp://x', DATABASE_URL: 'mysql://db', TIME_ZONE: 'Mars/Olympus', ACCESS_TOKEN_TTL: '5' });
      throw new Error('no error');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'PUBLIC_URL', 'DATABASE_URL', 'TIME_ZONE', 'ACCESS_TOKEN_TTL']) expect(problems).toContain(name);
    }
  });

  it('reads SIGNING_KEYS as a JWK set or an array, and never echoes a bad value', () => {
    const jwk = generateSigningJwk();
    expect(loadConfig({ SIGNING_KEYS: JSON.stringify({ keys: [jwk] }) }).signingKeys).toEqual([jwk]);
    expect(loadConfig({ SIGNING_KEYS: JSON.stringify([jwk]) }).signingKeys).toEqual([jwk]);
    const secret = `{"keys":[${JSON.stringify(jwk)}`;
    expect(() => loadConfig({ SIGNING_KEYS: secret })).toThrow(/SIGNING_KEYS/);
    try {
      loadConfig({ SIGNING_KEYS: secret });
    } catch (error) {
      expect((error as Error).message).not.toContain(jwk.d as string);
    }
  });

  it('validates the bootstrap operator: both or neither, a UUID, an acceptable key', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const id = randomUUID();
    expect(loadConfig({ BOOTSTRAP_OPERATOR_CLIENT_ID: id, BOOTSTRAP_OPERATOR_PUBLIC_KEY: key }).bootstrapOperator).toMatchObject({ clientId: id, name: 'FIS Operator' });
    expect(() => loadConfig({ BOOTSTRAP_OPERATOR_CLIENT_ID: id })).toThrow(/set together/);
    expect(() => loadConfig({ BOOTSTRAP_OPERATOR_CLIENT_ID: 'op', BOOTSTRAP_OPERATOR_PUBLIC_KEY: key })).toThrow(/must be a UUID/);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(() => loadConfig({ BOOTSTRAP_OPERATOR_CLIENT_ID: id, BOOTSTRAP_OPERATOR_PUBLIC_KEY: weak })).toThrow(/BOOTSTRAP_OPERATOR_PUBLIC_KEY/);
  });

  it('reads the login throttle: a limit per pair, username and address, and how long a pair stays known', () => {
    expect(loadConfig({}).loginThrottle).toEqual({
      maxFailures: 5, userMaxFailures: 20, addressMaxFailures: 100, windowSeconds: 900, lockoutSeconds: 900, maxLockoutSeconds: 86400, knownAddressDays: 30,
    });
    expect(loadConfig({ LOGIN_THROTTLE_USER_MAX_FAILURES: '50', LOGIN_THROTTLE_ADDRESS_MAX_FAILURES: '1000', LOGIN_THROTTLE_KNOWN_ADDRESS_DAYS: '7' }).loginThrottle)
      .toMatchObject({ userMaxFailures: 50, addressMaxFailures: 1000, knownAddressDays: 7 });
    for (const [name, bad] of [['LOGIN_THROTTLE_USER_MAX_FAILURES', '0'], ['LOGIN_THROTTLE_ADDRESS_MAX_FAILURES', 'lots'], ['LOGIN_THROTTLE_KNOWN_ADDRESS_DAYS', '0']]) {
      expect(() => loadConfig({ [name]: bad })).toThrow(new RegExp(`${name} must be a whole number`));
    }
  });

  it('reads TRUST_PROXY as no proxy, a number of proxy hops, or the proxies\' addresses and ranges', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.7 ,fd00::/8,::1' }).trustProxy).toEqual(['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '::1']);
  });

  it('refuses TRUST_PROXY=true, saying what to set instead, and anything that is no hop count, address or range', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY=true .*the proxies' addresses or CIDR ranges .*number of proxy hops/);
    expect(() => loadConfig({ TRUST_PROXY: 'TRUE' })).toThrow(/TRUST_PROXY=true/);
    for (const bad of ['yes', '11', '-1', '10.0.0.1,proxy.internal', '300.1.1.1', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/8', '10.0.0.0/x', '0.0.0.0/0', '::/0', 'fe80::1%eth0', ',']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
    }
  });

  it('gives Fastify a hop count as a function of the hop, since Fastify ignores X-Forwarded-For under a number', () => {
    const trustsHop = fastifyTrustProxy(2) as (address: string, hop: number) => boolean;
    expect([0, 1, 2].map((hop) => trustsHop('192.0.2.1', hop))).toEqual([true, true, false]);
    expect(fastifyTrustProxy(['10.0.0.0/8'])).toEqual(['10.0.0.0/8']);
    expect(fastifyTrustProxy(false)).toBe(false);
  });
});
