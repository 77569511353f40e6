import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ClientAdminService } from '../admin/client-admin.service.js';
import { ClientSecretsService } from '../admin/client-secrets.service.js';
import { CredentialsAdminService } from '../admin/credentials-admin.service.js';
import { DirectoryAdminService } from '../admin/directory-admin.service.js';
import { ensureOperatorParty, OPERATOR_SCOPES } from '../admin/operator-bootstrap.service.js';
import type { AppConfig } from '../config/app-config.js';
import { parsePublicKey } from '../crypto/public-key.js';
import { SecretDigest } from '../crypto/secret-digest.js';
import { DirectoryStore } from '../directory/directory-store.js';
import { EntityRecord } from '../directory/records/entity-record.js';
import { OPERATOR_PARTY_TYPE, partyRole } from '../model/business-id.js';
import { RegistrantCredentials } from '../registrant/registrant-credentials.service.js';
import { Principal, TOKEN_EXCHANGE_CLIENT_ID } from '../tokens/principal.js';
import type { DemoFiles } from './demo-files.js';

/** The seeds' world (../shared/seeds): names, business ids and scopes as the FIS guide has them. */
export const SEED = {
  company: { name: 'Testkraft AS', type: 'organisation', business_id: '123456789', business_id_type: 'org' },
  org: { name: 'Testkraft ORG', type: 'organisation', business_id: '123456789', business_id_type: 'org' },
  sp: { name: 'Testkraft SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' },
  kari: { name: 'Kari Nordmann', type: 'person', business_id: 'knor@testkraft.test', business_id_type: 'email' },
  kariScopes: ['manage:auth', 'manage:data'],
  pc1: { name: 'PC #1', scopes: ['manage:auth', 'manage:data'] },
  backend: { name: 'Testkraft backend', scopes: ['read:data'], token_endpoint_auth_method: 'client_secret_post', grant_types: ['client_credentials', 'password'] },
} as const;

/** The files in DATA_DIR/demo. */
export const FILES = { key: 'pc1.key', secret: 'backend.secret', password: 'kari.password', script: 'pc1-assertion.mjs' } as const;

/** What the printed commands need. */
export interface DemoFacts {
  readonly company: number;
  readonly org: number;
  readonly sp: number;
  readonly kari: number;
  readonly pc1: { readonly clientId: string; readonly kid: string };
  readonly backend: { readonly clientId: string };
  /** What this run made or mended; empty when the world was in place. */
  readonly changed: readonly string[];
}

/**
 * Loads the demo world through the admin services, as the operator: every
 * rule applies and every change is audited (the actor is the operator
 * organisation acting for the operator party, as if it held an operator
 * token). Each object is looked up first and made only when missing, and a
 * key, secret or password is replaced only when its file in DATA_DIR/demo
 * is missing or no longer matches: a second run changes nothing.
 */
export async function loadDemoWorld(app: INestApplicationContext, config: AppConfig, files: DemoFiles): Promise<DemoFacts> {
  const get = <T>(type: new (...args: never[]) => T): T => app.get(type, { strict: false });
  const store = get(DirectoryStore);
  const directory = get(DirectoryAdminService);
  const clients = get(ClientAdminService);
  const secrets = get(ClientSecretsService);
  const database = get(DataSource).manager;
  const changed: string[] = [];

  const operatorParty = await store.transaction((tx) => ensureOperatorParty(store, tx));
  const operator = await database.getRepository(EntityRecord).findOneByOrFail({ id: operatorParty.entityId });
  const now = Math.floor(Date.now() / 1000);
  const actor = Principal.fromAccessToken({
    iss: config.publicUrl, aud: config.publicUrl, sub: operator.eid, client_id: TOKEN_EXCHANGE_CLIENT_ID, iat: now, exp: now + 300, jti: 'npm-run-demo',
    eid: operator.eid, entity_id: operator.id, party_id: operatorParty.id, role: partyRole(OPERATOR_PARTY_TYPE), scope: OPERATOR_SCOPES.toString(),
  });

  const entity = async (seed: typeof SEED.company | typeof SEED.kari): Promise<number> => {
    const found = await store.findEntityByBusinessId(seed.business_id, seed.business_id_type, database);
    if (found !== null) return found.id;
    changed.push(seed.name);
    return (await directory.createEntity(actor, { ...seed })).id;
  };
  const party = async (seed: typeof SEED.org | typeof SEED.sp, entityId: number): Promise<number> => {
    const found = await store.findPartyByBusinessId(seed.business_id, seed.type, database);
    if (found !== null) return found.id;
    changed.push(seed.name);
    return (await directory.createParty(actor, { ...seed, entity_id: entityId })).id;
  };

  const company = await entity(SEED.company);
  const org = await party(SEED.org, company);
  const sp = await party(SEED.sp, company);
  const kari = await entity(SEED.kari);
  if ((await directory.listMemberships(actor, { page: 1, perPage: 1 }, kari, org)).total === 0) {
    changed.push("Kari's membership of Testkraft ORG");
    await directory.createMembership(actor, { entity_id: kari, party_id: org, scopes: [...SEED.kariScopes] });
  }
  if (await kariPasswordChanged(app, files, actor, kari)) changed.push("Kari's password");

  const ofCompany = (await clients.list(actor, { page: 1, perPage: 100 }, company)).items;
  const pc1 = await pc1Client(clients, store, files, actor, ofCompany.find((client) => client.name === SEED.pc1.name)?.client_id, { company, sp }, changed);

  let backend = ofCompany.find((client) => client.name === SEED.backend.name)?.client_id;
  if (backend === undefined) {
    const made = await clients.create(actor, { entity_id: company, party_id: sp, ...SEED.backend, scopes: [...SEED.backend.scopes], grant_types: [...SEED.backend.grant_types] });
    await files.write(FILES.secret, made.client_secret!);
    backend = made.client_id;
    changed.push(SEED.backend.name);
  } else {
    const secret = await files.read(FILES.secret);
    const stored = await store.findClientSecrets(backend);
    if (secret === undefined || get(SecretDigest).matches(secret, stored.map((row) => row.digest)) < 0) {
      // The file is gone or stale: a new secret (a client holds two at most, so the oldest makes room).
      if (stored.length >= 2) await secrets.remove(actor, backend, stored[0].secretId);
      await files.write(FILES.secret, (await secrets.create(actor, backend)).client_secret);
      changed.push(`the secret of ${SEED.backend.name}`);
    }
  }
  return { company, org, sp, kari, pc1, backend: { clientId: backend }, changed };
}

/** Kari's password login, from the password file (made when missing); set again only when the stored one does not match it. */
async function kariPasswordChanged(app: INestApplicationContext, files: DemoFiles, actor: Principal, kari: number): Promise<boolean> {
  const credentials = app.get(RegistrantCredentials, { strict: false });
  let password = await files.read(FILES.password);
  const holder = password === undefined ? null : await credentials.find(SEED.kari.business_id);
  if (holder !== null && holder.entity.id === kari && (await credentials.hasher.verify(holder.passwordHash, password!))) return false;
  password ??= randomBytes(18).toString('base64url');
  await files.write(FILES.password, password); // first, so that a failure below leaves a file the next run sets
  const replace = (await credentials.ofEntity(kari)) !== null;
  await app.get(CredentialsAdminService, { strict: false }).setCredentials(actor, String(kari), { username: SEED.kari.business_id, password, replace });
  return true;
}

/** PC #1 with the ES256 key of its key file (made when missing); the key is added when the client lacks it. */
async function pc1Client(
  clients: ClientAdminService, store: DirectoryStore, files: DemoFiles, actor: Principal, clientId: string | undefined,
  ids: { company: number; sp: number }, changed: string[],
): Promise<{ clientId: string; kid: string }> {
  let pem = await files.read(FILES.key);
  if (pem === undefined) {
    pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await files.write(FILES.key, pem);
    changed.push('the private key of PC #1');
  }
  const publicKey = createPublicKey(pem).export({ type: 'spki', format: 'pem' }) as string;
  if (clientId === undefined) {
    const made = await clients.create(actor, { entity_id: ids.company, name: SEED.pc1.name, scopes: [...SEED.pc1.scopes], party_id: ids.sp, public_key: publicKey });
    changed.push(SEED.pc1.name);
    return { clientId: made.client_id, kid: made.keys[0].kid };
  }
  const thumbprint = parsePublicKey(publicKey).thumbprint;
  const known = (await store.findClientKeys(clientId)).find((key) => key.thumbprint === thumbprint);
  if (known !== undefined) return { clientId, kid: known.kid };
  changed.push('the key of PC #1');
  return { clientId, kid: (await clients.addKey(actor, clientId, { public_key: publicKey })).kid };
}
