import type { DataSource, EntityManager } from 'typeorm';
import { generateSigningJwk } from '../crypto/signing-key-ring.js';
import type { SigningKeySealer } from '../crypto/signing-key-sealer.js';
import { SigningKeyRecord, type SigningKeyState } from './signing-key-record.js';

/** How long validators may cache the JWKS (its Cache-Control max-age). */
export const JWKS_MAX_AGE_SECONDS = 300;
export const SIGNING_KEYS_CHANNEL = 'signing_keys_changed';
const KEY_LOCK = 724_150_002;
/** Slack after the last possible expiry of a retired key's tokens, for clock skew. */
const RETIREMENT_SLACK_SECONDS = 60;
const ORDER: Record<SigningKeyState, number> = { current: 0, next: 1, retired: 2 };

export class RotationError extends Error {
  override name = 'RotationError';
}

/** A key as loaded: its record's state with the private JWK unsealed. */
export interface LoadedSigningKey {
  readonly kid: string;
  readonly state: SigningKeyState;
  readonly createdAt: Date;
  readonly retiredAt: Date | null;
  readonly privateJwk: Record<string, unknown>;
}

/**
 * The keys to publish, current first (it signs), then next, then retired keys
 * whose tokens may still be alive. Creates the first current key if there is
 * none. Every row left in clear (from before keys were sealed) or sealed with
 * a previous TOKEN_SECRET is sealed with the current one, in the same
 * transaction; a row that cannot be unsealed fails the load (SealedKeyError).
 */
export async function loadSigningKeys(dataSource: DataSource, sealer: SigningKeySealer, accessTokenTtlSeconds: number): Promise<LoadedSigningKey[]> {
  return dataSource.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
    let records = await tx.getRepository(SigningKeyRecord).find();
    if (!records.some((key) => key.state === 'current')) {
      await insertKey(tx, sealer, 'current');
      records = await tx.getRepository(SigningKeyRecord).find();
    }
    const keys: LoadedSigningKey[] = [];
    for (const record of records) keys.push(await unsealAndReseal(tx, sealer, record));
    const cutoff = Date.now() - (accessTokenTtlSeconds + RETIREMENT_SLACK_SECONDS) * 1000;
    return keys
      .filter((key) => key.state !== 'retired' || (key.retiredAt !== null && key.retiredAt.getTime() > cutoff))
      .sort((a, b) => ORDER[a.state] - ORDER[b.state] || b.createdAt.getTime() - a.createdAt.getTime());
  });
}

async function unsealAndReseal(tx: EntityManager, sealer: SigningKeySealer, record: SigningKeyRecord): Promise<LoadedSigningKey> {
  const { kid, state, createdAt, retiredAt, privateJwk: clear, sealedPrivateJwk: sealed } = record;
  // The table's CHECK holds exactly one of the two.
  const privateJwk = clear ?? sealer.unseal(sealed!, kid);
  if (clear !== null || !sealer.isCurrent(sealed!)) {
    await tx.getRepository(SigningKeyRecord).update({ kid }, { privateJwk: null, sealedPrivateJwk: sealer.seal(privateJwk, kid) });
  }
  return { kid, state, createdAt, retiredAt, privateJwk };
}

export interface RotationResult {
  readonly published?: string;
  readonly promoted?: string;
  readonly retired?: string;
  readonly deleted: string[];
}

/**
 * One step of the schedule. Without a next key: publish one (it signs at the
 * following rotation). With one: retire the current key, promote next to
 * current, and publish a new next. The next key must have been published for
 * at least `minNextAgeSeconds` (the JWKS cache lifetime), so that no validator
 * meets a kid it has not seen. Retired keys whose tokens have all expired are
 * deleted. Every replica is told (NOTIFY) and reloads its ring. Keys are
 * unsealed and sealed again as in loadSigningKeys.
 */
export async function rotateSigningKeys(
  dataSource: DataSource,
  sealer: SigningKeySealer,
  options: { accessTokenTtlSeconds: number; minNextAgeSeconds?: number },
): Promise<RotationResult> {
  const minNextAge = options.minNextAgeSeconds ?? JWKS_MAX_AGE_SECONDS;
  return dataSource.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
    const repository = tx.getRepository(SigningKeyRecord);
    const keys = await repository.find();
    // With the wrong TOKEN_SECRET this fails before a key that no replica could unseal is added.
    for (const key of keys) await unsealAndReseal(tx, sealer, key);
    const next = keys.find((key) => key.state === 'next');
    const current = keys.find((key) => key.state === 'current');
    let result: RotationResult;
    if (next === undefined) {
      result = { published: await insertKey(tx, sealer, current === undefined ? 'current' : 'next'), deleted: [] };
    } else {
      const age = (Date.now() - next.createdAt.getTime()) / 1000;
      if (age < minNextAge) {
        throw new RotationError(`The next key ${next.kid} was published ${Math.floor(age)} s ago; validators cache the JWKS for ${minNextAge} s. Rotate again after that.`);
      }
      if (current !== undefined) await repository.update({ kid: current.kid }, { state: 'retired', retiredAt: new Date() });
      await repository.update({ kid: next.kid }, { state: 'current' });
      result = { promoted: next.kid, retired: current?.kid, published: await insertKey(tx, sealer, 'next'), deleted: [] };
    }
    // TypeORM answers a DELETE with [rows, count].
    const [deleted] = (await tx.query(
      `DELETE FROM signing_keys WHERE state = 'retired' AND retired_at < now() - make_interval(secs => $1) RETURNING kid`,
      [options.accessTokenTtlSeconds + RETIREMENT_SLACK_SECONDS],
    )) as [{ kid: string }[], number];
    await tx.query('SELECT pg_notify($1, $2)', [SIGNING_KEYS_CHANNEL, 'rotated']);
    return { ...result, deleted: deleted.map((row) => row.kid) };
  });
}

/** A new key, stored sealed only. */
async function insertKey(tx: EntityManager, sealer: SigningKeySealer, state: SigningKeyState): Promise<string> {
  const jwk = generateSigningJwk();
  const kid = jwk.kid as string;
  const repository = tx.getRepository(SigningKeyRecord);
  await repository.save(repository.create({ kid, privateJwk: null, sealedPrivateJwk: sealer.seal(jwk, kid), state, retiredAt: null }));
  return kid;
}
