import type { DataSource, EntityManager } from 'typeorm';
import { generateSigningJwk } from '../crypto/signing-key-ring.js';
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

/**
 * The keys to publish, current first (it signs), then next, then retired keys
 * whose tokens may still be alive. Creates the first current key if there is none.
 */
export async function loadSigningKeys(dataSource: DataSource, accessTokenTtlSeconds: number): Promise<SigningKeyRecord[]> {
  return dataSource.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
    let keys = await tx.getRepository(SigningKeyRecord).find();
    if (!keys.some((key) => key.state === 'current')) {
      await insertKey(tx, 'current');
      keys = await tx.getRepository(SigningKeyRecord).find();
    }
    const cutoff = Date.now() - (accessTokenTtlSeconds + RETIREMENT_SLACK_SECONDS) * 1000;
    return keys
      .filter((key) => key.state !== 'retired' || (key.retiredAt !== null && key.retiredAt.getTime() > cutoff))
      .sort((a, b) => ORDER[a.state] - ORDER[b.state] || b.createdAt.getTime() - a.createdAt.getTime());
  });
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
 * deleted. Every replica is told (NOTIFY) and reloads its ring.
 */
export async function rotateSigningKeys(dataSource: DataSource, options: { accessTokenTtlSeconds: number; minNextAgeSeconds?: number }): Promise<RotationResult> {
  const minNextAge = options.minNextAgeSeconds ?? JWKS_MAX_AGE_SECONDS;
  return dataSource.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
    const repository = tx.getRepository(SigningKeyRecord);
    const keys = await repository.find();
    const next = keys.find((key) => key.state === 'next');
    const current = keys.find((key) => key.state === 'current');
    let result: RotationResult;
    if (next === undefined) {
      result = { published: await insertKey(tx, current === undefined ? 'current' : 'next'), deleted: [] };
    } else {
      const age = (Date.now() - next.createdAt.getTime()) / 1000;
      if (age < minNextAge) {
        throw new RotationError(`The next key ${next.kid} was published ${Math.floor(age)} s ago; validators cache the JWKS for ${minNextAge} s. Rotate again after that.`);
      }
      if (current !== undefined) await repository.update({ kid: current.kid }, { state: 'retired', retiredAt: new Date() });
      await repository.update({ kid: next.kid }, { state: 'current' });
      result = { promoted: next.kid, retired: current?.kid, published: await insertKey(tx, 'next'), deleted: [] };
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

async function insertKey(tx: EntityManager, state: SigningKeyState): Promise<string> {
  const jwk = generateSigningJwk();
  const repository = tx.getRepository(SigningKeyRecord);
  await repository.save(repository.create({ kid: jwk.kid as string, privateJwk: jwk, state, retiredAt: null }));
  return jwk.kid as string;
}
