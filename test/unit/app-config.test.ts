import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';
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
});
