import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditTrail } from '../audit/audit-trail.service.js';
import { startPeriodicTask } from '../common/periodic-task.js';
import { OAuthError, RegistrantError } from '../common/protocol-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { GRANT_TYPE } from '../contract/urns.js';
import { SecretDigest } from '../crypto/secret-digest.js';
import { ClientLookup } from '../directory/lookups.js';
import { type AuthenticatedClient, ClientAuthenticator } from '../oauth/client-authentication/client-authenticator.service.js';
import { presentedClientAuth } from '../oauth/client-authentication/presented-client-auth.js';
import { ClientTokens } from '../oauth/client-tokens.service.js';

const PROCESS_ID = /^[A-Z][A-Z0-9_]{0,63}$/;
const MAX_REFERENCES = 100;
const MAX_REFERENCE_LENGTH = 255;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** Ended and expired processes are kept this long after expiry (for support questions), then purged. */
const KEPT_AFTER_EXPIRY_MS = 24 * 3600_000;
const PURGE_INTERVAL_MS = 10 * 60_000;
/** With hashtext(client_id): one creation per client at a time, so its count of open processes holds. */
const OPEN_PROCESSES_LOCK = 724_150_005;

export interface CreateProcessesRequest {
  readonly body: unknown;
  readonly authorization: string | undefined;
  readonly address: string;
}

/**
 * One-time hand-off tokens, finAPI's Process Controller: a client with a
 * secret (or its registered method) opens processes, each with a process
 * token (256 random bits, stored only as its digest, PROCESS_TOKEN_TTL);
 * whoever holds the token redeems it for the client's client-credentials
 * access token, with `process_id` and `client_reference` claims, never
 * outliving the process. With invalidate=true the process ends: of any
 * number of concurrent redemptions on any replica exactly one gets the token
 * (one conditional update). A client holds at most PROCESS_MAX_OPEN open
 * processes (429 beyond), and each process created is audited.
 */
@Injectable()
export class ProcessesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ProcessesService');
  private stopPurge: (() => void) | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly authenticator: ClientAuthenticator,
    private readonly clients: ClientLookup,
    private readonly tokens: ClientTokens,
    private readonly digest: SecretDigest,
    private readonly audit: AuditTrail,
  ) {}

  async create(request: CreateProcessesRequest): Promise<{ processes: { clientReference: string; processToken: string }[] }> {
    const body = asObject(request.body);
    const { processId, references } = validated(body);
    const client = await this.authenticate(body, request);
    const { client: record } = client.credentials;
    if (!record.grantTypes.includes(GRANT_TYPE.clientCredentials)) {
      throw RegistrantError.http(403, 'This client is not registered for client_credentials, which a process hands over');
    }
    const expiresAt = new Date(Date.now() + this.config.processTokenTtlSeconds * 1000);
    const made = references.map((clientReference) => ({ id: randomUUID(), clientReference, token: SecretDigest.generate() }));
    const actor = { entityId: record.entityId, partyId: record.partyId ?? undefined, clientId: record.clientId };
    await this.audit.audited(actor, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [OPEN_PROCESSES_LOCK, record.clientId]);
      const [{ open, next }]: { open: number; next: Date | null }[] = await tx.query(
        'SELECT count(*)::int AS open, min(expires_at) AS next FROM processes WHERE client_id = $1 AND ended_at IS NULL AND expires_at > now()',
        [record.clientId],
      );
      if (open + made.length > this.config.processMaxOpen) {
        const wait = next === null ? 1 : (new Date(next).getTime() - Date.now()) / 1000;
        throw RegistrantError.throttled(wait, `This client has ${open} open processes; at most ${this.config.processMaxOpen} may be open at once`);
      }
      await tx.query(
        `INSERT INTO processes (id, token_digest, client_id, process_id, client_reference, expires_at)
         SELECT id, digest, $3, $4, reference, $5 FROM unnest($1::uuid[], $2::text[], $6::text[]) AS p(id, digest, reference)`,
        [made.map((process) => process.id), made.map((process) => this.digest.digest(process.token)), record.clientId, processId, expiresAt, made.map((process) => process.clientReference)],
      );
      for (const process of made) {
        await this.audit.record(tx, actor, { action: 'process.create', targetType: 'process', targetId: process.id, entityId: record.entityId, diff: { after: { process_id: processId, client_reference: process.clientReference, expires_at: expiresAt.toISOString() } } });
      }
      return { result: undefined, change: null };
    }, 'none-cached'); // processes are no directory table
    return { processes: made.map((process) => ({ clientReference: process.clientReference, processToken: process.token })) };
  }

  /** The client's access token for an open process; with `invalidate` the process ends, once. Anything else is 404. */
  async redeem(token: string, invalidate: string | undefined): Promise<{ accessToken: string }> {
    if (invalidate !== undefined && invalidate !== 'true' && invalidate !== 'false') throw RegistrantError.invalid({ invalidate: ['must be true or false'] });
    const notFound = () => RegistrantError.http(404, 'Not found');
    if (!TOKEN.test(token)) throw notFound();
    const digests = this.digest.digestsUnderEveryKey(token);
    type Row = { process_id: string; client_reference: string; client_id: string; expires_at: Date };
    // One conditional statement: of concurrent redemptions on any replica, only one ends the process.
    const [row]: Row[] = invalidate === 'true'
      ? (await this.dataSource.query(
        `UPDATE processes SET ended_at = now() WHERE token_digest = ANY($1) AND ended_at IS NULL AND expires_at > now()
         RETURNING process_id, client_reference, client_id::text, expires_at`, [digests]))[0]
      : await this.dataSource.query(
        'SELECT process_id, client_reference, client_id::text, expires_at FROM processes WHERE token_digest = ANY($1) AND ended_at IS NULL AND expires_at > now()', [digests]);
    if (row === undefined) throw notFound();
    const credentials = await this.clients.findClientCredentials(row.client_id);
    if (credentials === null || !credentials.client.active || credentials.entity.status !== 'active') throw notFound();
    const notAfter = Math.floor(new Date(row.expires_at).getTime() / 1000);
    const grant = await this.tokens.grant(credentials, undefined, undefined).catch((error: unknown) => {
      if (error instanceof OAuthError) throw notFound(); // its party or scope is gone since
      throw error;
    });
    return { accessToken: this.tokens.issue(grant, { process_id: row.process_id, client_reference: row.client_reference }, { notAfter }).access_token };
  }

  onModuleInit(): void {
    this.stopPurge = startPeriodicTask(
      () => this.dataSource.query('DELETE FROM processes WHERE expires_at < $1', [new Date(Date.now() - KEPT_AFTER_EXPIRY_MS)]),
      PURGE_INTERVAL_MS, this.logger, 'purge of processes',
    );
  }

  onModuleDestroy(): void {
    this.stopPurge?.();
  }

  /** finAPI's clientId and clientSecret in the body (for a client with either secret method), or the client's registered method. */
  private async authenticate(body: Record<string, unknown>, request: CreateProcessesRequest): Promise<AuthenticatedClient> {
    const { clientId, clientSecret } = body;
    const fromBody = clientId !== undefined || clientSecret !== undefined;
    try {
      if (fromBody) {
        if (typeof clientId !== 'string' || typeof clientSecret !== 'string' || clientId === '' || request.authorization !== undefined) throw RegistrantError.notAuthorized();
        return await this.authenticator.authenticate({ method: 'client_secret_post', clientId, secret: clientSecret }, request.address, { anySecretMethod: true });
      }
      const presented = presentedClientAuth(request.authorization, new Map());
      if (presented === undefined || presented.method === 'none') throw RegistrantError.notAuthorized();
      return await this.authenticator.authenticate(presented, request.address);
    } catch (error) {
      if (error instanceof OAuthError) {
        const wait = error.headers.retryAfterSeconds;
        throw wait === undefined ? RegistrantError.notAuthorized() : RegistrantError.throttled(wait);
      }
      throw error;
    }
  }
}

function asObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw RegistrantError.invalid({ base: ['The request body must be a JSON object'] });
  return body as Record<string, unknown>;
}

/** The process and its references, or a 422 naming each field at fault. */
function validated(body: Record<string, unknown>): { processId: string; references: string[] } {
  const errors: Record<string, string[]> = {};
  const unknown = Object.keys(body).filter((name) => !['clientId', 'clientSecret', 'clientReferences', 'processId'].includes(name));
  for (const name of unknown) errors[name.slice(0, 64)] = ['is not a known field'];
  const { processId, clientReferences } = body;
  if (typeof processId !== 'string' || !PROCESS_ID.test(processId)) errors.processId = ['must match ^[A-Z][A-Z0-9_]{0,63}$'];
  const references = Array.isArray(clientReferences) ? clientReferences.map((item) => (item !== null && typeof item === 'object' && !Array.isArray(item) ? (item as Record<string, unknown>).clientReference : undefined)) : [];
  if (!Array.isArray(clientReferences) || clientReferences.length === 0 || clientReferences.length > MAX_REFERENCES) {
    errors.clientReferences = [`must list 1 to ${MAX_REFERENCES} objects {"clientReference": "..."}`];
  } else if (!references.every((reference) => typeof reference === 'string' && reference.length > 0 && reference.length <= MAX_REFERENCE_LENGTH && !/[\u0000-\u001f\u007f-\u009f]/.test(reference))) {
    errors.clientReferences = [`each clientReference must be 1 to ${MAX_REFERENCE_LENGTH} characters without control characters`];
  }
  if (Object.keys(errors).length > 0) throw RegistrantError.invalid(errors);
  return { processId: processId as string, references: references as string[] };
}
