import { X509Certificate } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MIN_SECRET_BYTES } from '../crypto/aes-token-codec.js';
import { type BootstrapOperator, parseBootstrap } from './bootstrap-config.js';
import { type CodeFlowConfig, parseCodeFlowConfig } from './code-flow-config.js';
import { parseTlsConfig, type TlsConfig } from './tls-config.js';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js';

/** The whole configuration, read once from the environment and validated. */
export interface AppConfig {
  readonly port: number;
  readonly host: string;
  /** Worker processes sharing the port; 1 runs the service in the main process. */
  readonly workers: number;
  /** Each worker's V8 old-space limit, in MB (--max-old-space-size). */
  readonly workerHeapMb: number;
  /** Externally visible base URL without a trailing slash; the `iss` of every token. */
  readonly publicUrl: string;
  /** Unset means: start an embedded Postgres under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly embeddedPostgresPort: number;
  readonly databasePoolSize: number;
  /** Private signing JWKs from `SIGNING_KEYS`; unset means a key kept in the database. */
  readonly signingKeys: readonly Record<string, unknown>[] | undefined;
  readonly accessTokenTtlSeconds: number;
  readonly timeZone: string;
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** Write logs to this file instead of standard output. */
  readonly logFile: string | undefined;
  /** Issues and verifies registrant tokens; unset only in the embedded default (main.ts keeps one in DATA_DIR). */
  readonly tokenSecret: string | undefined;
  /** Earlier secrets: tokens under them still verify, none are issued. */
  readonly tokenSecretsPrevious: readonly string[];
  readonly registrantTokenTtlSeconds: number;
  /** How long a process token may be redeemed (PROCESS_TOKEN_TTL). */
  readonly processTokenTtlSeconds: number;
  /** Open (unended, unexpired) processes one client may hold (PROCESS_MAX_OPEN). */
  readonly processMaxOpen: number;
  /** Live individual revocations one client or entity may hold; one more revokes all its tokens issued so far instead. */
  readonly revocationSubjectBudget: number;
  /** Revocations kept in memory; beyond, those not in memory are looked up in the database. */
  readonly revocationMemoryMax: number;
  readonly loginThrottle: {
    /** Failures of one username from one address before a lockout of that pair… */
    readonly maxFailures: number;
    /** …of one username from addresses it has not logged in from before… */
    readonly userMaxFailures: number;
    /** …and from one address across usernames, not counting known pairs. */
    readonly addressMaxFailures: number;
    readonly windowSeconds: number;
    /** First lockout; each further lockout of the same key doubles it, up to maxLockoutSeconds. */
    readonly lockoutSeconds: number;
    readonly maxLockoutSeconds: number;
    /** A successful login makes its username and address a known pair for this long. */
    readonly knownAddressDays: number;
  };
  /** Trust anchors for eID certificates; empty means certificate logins are refused. */
  readonly eidTrustedCas: readonly X509Certificate[];
  /** Browser origins allowed by CORS; empty means CORS is closed. */
  readonly corsOrigins: readonly string[];
  readonly trustProxy: TrustProxy;
  /** The TLS listener, client certificates, TRUSTED_PROXIES, MTLS_PUBLIC_URL and DPOP_NONCE (tls-config.ts). */
  readonly tls: TlsConfig;
  readonly codeFlow: CodeFlowConfig;
  readonly bootstrapOperator: BootstrapOperator | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}


/** Reads every variable, collects every problem, and throws once naming them all. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!/^[0-9]+$/.test(raw) || parsed < min || parsed > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return parsed;
  };

  const port = integer('PORT', 3000, 0, 65535);
  const accessTokenTtlSeconds = integer('ACCESS_TOKEN_TTL', 3600, 60, 86400);
  const workers = integer('WORKERS', availableParallelism(), 1, 64);
  const publicUrl = parsePublicUrl(value('PUBLIC_URL') ?? `${value('TLS_CERT_FILE') === undefined ? 'http' : 'https'}://localhost:${port}`, problems);

  const databaseUrl = value('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }

  const logLevel = value('LOG_LEVEL') ?? 'info';
  if (!['error', 'warn', 'info', 'debug'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of error, warn, info, debug (got "${logLevel}")`);
  }

  const timeZone = value('TIME_ZONE') ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
  } catch {
    problems.push(`TIME_ZONE must be an IANA time zone such as Europe/Oslo (got "${timeZone}")`);
  }

  const config: AppConfig = {
    port,
    host: value('HOST') ?? '0.0.0.0',
    workers,
    workerHeapMb: integer('WORKER_HEAP_MB', 128, 64, 65536),
    publicUrl,
    databaseUrl,
    dataDir: resolve(value('DATA_DIR') ?? './.data'),
    embeddedPostgresPort: integer('EMBEDDED_POSTGRES_PORT', 54329, 1, 65535),
    // TypeORM's, per process (each also holds 5 of its own: jti claims, login throttle, LISTEN); by default the workers share about 48, so that many workers stay under Postgres's default limit of 100.
    databasePoolSize: integer('DATABASE_POOL_SIZE', Math.max(2, Math.min(10, Math.floor(48 / workers))), 1, 500),
    signingKeys: parseSigningKeys(value('SIGNING_KEYS'), problems),
    accessTokenTtlSeconds,
    timeZone,
    logLevel: logLevel as AppConfig['logLevel'],
    logFile: value('LOG_FILE'),
    tokenSecret: parseTokenSecret(value('TOKEN_SECRET'), databaseUrl, problems),
    tokenSecretsPrevious: parsePreviousSecrets(value('TOKEN_SECRETS_PREVIOUS'), problems),
    registrantTokenTtlSeconds: integer('REGISTRANT_TOKEN_TTL', 7200, 60, 86400),
    processTokenTtlSeconds: integer('PROCESS_TOKEN_TTL', 900, 60, 86400),
    processMaxOpen: integer('PROCESS_MAX_OPEN', 1000, 1, 100_000),
    revocationSubjectBudget: integer('REVOCATION_SUBJECT_BUDGET', 1000, 1, 1_000_000),
    revocationMemoryMax: integer('REVOCATION_MEMORY_MAX', 200_000, 100, 10_000_000),
    loginThrottle: {
      maxFailures: integer('LOGIN_THROTTLE_MAX_FAILURES', 5, 1, 1000),
      userMaxFailures: integer('LOGIN_THROTTLE_USER_MAX_FAILURES', 20, 1, 10000),
      addressMaxFailures: integer('LOGIN_THROTTLE_ADDRESS_MAX_FAILURES', 100, 1, 100000),
      windowSeconds: integer('LOGIN_THROTTLE_WINDOW', 900, 1, 86400),
      lockoutSeconds: integer('LOGIN_THROTTLE_LOCKOUT', 900, 1, 86400),
      maxLockoutSeconds: integer('LOGIN_THROTTLE_MAX_LOCKOUT', 86400, 1, 604800),
      knownAddressDays: integer('LOGIN_THROTTLE_KNOWN_ADDRESS_DAYS', 30, 1, 365),
    },
    eidTrustedCas: parseTrustedCas(value('EID_TRUSTED_CA_FILE'), problems),
    trustProxy: parseTrustProxy(value('TRUST_PROXY'), problems),
    tls: parseTlsConfig(value, publicUrl, problems),
    corsOrigins: parseOrigins(value('CORS_ORIGINS'), problems),
    codeFlow: parseCodeFlowConfig(integer, accessTokenTtlSeconds, problems),
    bootstrapOperator: parseBootstrap(env, value, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function parseTokenSecret(raw: string | undefined, databaseUrl: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined) {
    if (databaseUrl !== undefined) problems.push(`TOKEN_SECRET is required with DATABASE_URL: at least ${MIN_SECRET_BYTES} bytes of random text (e.g. openssl rand -base64 48)`);
    return undefined;
  }
  if (Buffer.byteLength(raw) < MIN_SECRET_BYTES) problems.push(`TOKEN_SECRET must be at least ${MIN_SECRET_BYTES} bytes (e.g. openssl rand -base64 48)`);
  return raw;
}

function parsePreviousSecrets(raw: string | undefined, problems: string[]): string[] {
  const secrets = raw === undefined ? [] : raw.split(',').map((secret) => secret.trim()).filter((secret) => secret !== '');
  if (secrets.some((secret) => Buffer.byteLength(secret) < MIN_SECRET_BYTES)) {
    problems.push(`TOKEN_SECRETS_PREVIOUS must list secrets of at least ${MIN_SECRET_BYTES} bytes each, separated by commas`);
  }
  return secrets;
}

function parseTrustedCas(path: string | undefined, problems: string[]): X509Certificate[] {
  if (path === undefined) return [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    problems.push(`EID_TRUSTED_CA_FILE cannot be read (${path})`);
    return [];
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  try {
    const cas = blocks.map((block) => new X509Certificate(block));
    if (cas.length === 0) throw new Error('none');
    return cas;
  } catch {
    problems.push(`EID_TRUSTED_CA_FILE must hold one or more PEM certificates (${path})`);
    return [];
  }
}

function parseOrigins(raw: string | undefined, problems: string[]): string[] {
  const origins = raw === undefined ? [] : raw.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
  for (const origin of origins) {
    let valid = false;
    try {
      const url = new URL(origin);
      valid = (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === origin;
    } catch {
      // reported below
    }
    if (!valid) problems.push(`CORS_ORIGINS must list origins such as https://portal.example.com, without paths (got "${origin}")`);
  }
  return origins;
}

function parsePublicUrl(raw: string, problems: string[]): string {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    if (url.search || url.hash || url.username || url.password) throw new Error('parts');
    return url.toString().replace(/\/+$/, '');
  } catch {
    problems.push(`PUBLIC_URL must be an http(s) URL without query, fragment or credentials (got "${raw}")`);
    return raw;
  }
}

function parseSigningKeys(raw: string | undefined, problems: string[]): AppConfig['signingKeys'] {
  if (raw === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    const keys = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown })?.keys;
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => k && typeof k === 'object')) {
      throw new Error('shape');
    }
    return keys as Record<string, unknown>[];
  } catch {
    // Never echo the value: it holds private keys.
    problems.push('SIGNING_KEYS must be a JSON Web Key Set ({"keys":[...]}) or a JSON array of private JWKs');
    return undefined;
  }
}
