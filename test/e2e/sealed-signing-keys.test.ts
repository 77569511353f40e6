import { randomBytes } from 'node:crypto';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { DataSource } from 'typeorm';
import { SigningKeySealer } from '../../src/crypto/signing-key-sealer.js';
import { rotateSigningKeys } from '../../src/tokens/signing-key-rotation.js';
import { decodeJwtHeader, PUBLIC_URL, TEST_TOKEN_SECRET, TestApp } from '../support/test-app.js';

const NEW_SECRET = randomBytes(36).toString('base64url');
const OTHER_SECRET = randomBytes(36).toString('base64url');

interface StoredKey {
  kid: string;
  state: string;
  private_jwk: string | null;
  sealed_private_jwk: string | null;
  created_at: Date;
  /** The whole row as text: every column, whatever its type. */
  raw: string;
}

describe('signing keys sealed at rest with TOKEN_SECRET', () => {
  const sealer = new SigningKeySealer(TEST_TOKEN_SECRET);
  const storedKeys = (app: TestApp) =>
    app.query<StoredKey>('SELECT kid, state, private_jwk::text AS private_jwk, sealed_private_jwk, created_at, k::text AS raw FROM signing_keys k ORDER BY created_at, kid');
  const publishNextKey = (app: TestApp, withSealer = sealer) =>
    rotateSigningKeys(app.app.get<DataSource>(getDataSourceToken()), withSealer, { accessTokenTtlSeconds: 3600, minNextAgeSeconds: 0 });
  const userinfoStatus = async (app: TestApp, token: string) => (await app.api('GET', '/auth/userinfo', token)).status;

  it('keeps no private key in clear in the database, yet signs and verifies', async () => {
    const app = await TestApp.start();
    try {
      await publishNextKey(app);
      const token = await app.accessToken(app.operator);
      await expect(jwtVerify(token, createLocalJWKSet((await app.api('GET', '/auth/jwks')).body), { issuer: PUBLIC_URL, typ: 'at+jwt' })).resolves.toBeDefined();
      expect(await userinfoStatus(app, token)).toBe(200);

      const stored = await storedKeys(app);
      expect(stored.map((key) => key.state).sort()).toEqual(['current', 'next']);
      for (const key of stored) {
        expect(key.private_jwk).toBeNull();
        expect(key.raw).not.toMatch(/"d"/);
        expect(key.sealed_private_jwk).toMatch(/^v1\./);
        const jwk = sealer.unseal(key.sealed_private_jwk!, key.kid);
        expect(jwk.kid).toBe(key.kid);
        expect(key.raw).not.toContain(jwk.d as string);
      }

      // A rotation under another secret adds no key that the service could not unseal.
      await expect(publishNextKey(app, new SigningKeySealer(OTHER_SECRET))).rejects.toThrow(/was sealed with a TOKEN_SECRET this service does not have/);
      expect(await storedKeys(app)).toEqual(stored);
    } finally {
      await app.close();
    }
  });

  it('seals a key left in clear from before the upgrade at the next start, and its tokens keep verifying', async () => {
    const first = await TestApp.start();
    const token = await first.accessToken(first.operator);
    const [before] = await storedKeys(first);
    await first.close();

    // A database from before sealing: the same current key, in clear.
    const jwk = sealer.unseal(before.sealed_private_jwk!, before.kid);
    await first.query('DELETE FROM signing_keys WHERE kid = $1', [before.kid]);
    await first.query(`INSERT INTO signing_keys (kid, private_jwk, state, created_at) VALUES ($1, $2, 'current', $3)`, [before.kid, JSON.stringify(jwk), before.created_at]);
    expect((await storedKeys(first))[0].raw).toContain(jwk.d as string);

    const second = await TestApp.start({ restartOf: first });
    try {
      const [after, ...others] = await storedKeys(second);
      expect(others).toEqual([]);
      expect(after).toMatchObject({ kid: before.kid, state: 'current', private_jwk: null });
      expect(after.raw).not.toMatch(/"d"/);
      expect(after.raw).not.toContain(jwk.d as string);
      expect(sealer.unseal(after.sealed_private_jwk!, after.kid)).toEqual(jwk);
      expect(await userinfoStatus(second, token)).toBe(200);
      expect(decodeJwtHeader(await second.accessToken(second.operator)).kid).toBe(before.kid);
    } finally {
      await second.close();
    }
  });

  it('refuses to start with another TOKEN_SECRET, and re-seals under a new one while the old is in TOKEN_SECRETS_PREVIOUS', async () => {
    const first = await TestApp.start();
    await publishNextKey(first);
    const token = await first.accessToken(first.operator);
    const before = await storedKeys(first);
    const privateParts = before.map((key) => sealer.unseal(key.sealed_private_jwk!, key.kid).d as string);
    await first.close();

    const failure = await TestApp.start({ restartOf: first, env: { TOKEN_SECRET: OTHER_SECRET } }).then(
      (app) => app.close().then(() => undefined),
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(/signing key \S+ was sealed with a TOKEN_SECRET this service does not have/);
    expect(before.map((key) => key.kid)).toContain(/signing key (\S+) was sealed/.exec(failure!.message)?.[1]);
    for (const secret of [...privateParts, OTHER_SECRET, TEST_TOKEN_SECRET]) expect(failure!.message).not.toContain(secret);
    expect(await storedKeys(first)).toEqual(before); // nothing was rewritten

    const second = await TestApp.start({ restartOf: first, env: { TOKEN_SECRET: NEW_SECRET, TOKEN_SECRETS_PREVIOUS: TEST_TOKEN_SECRET } });
    try {
      expect(await userinfoStatus(second, token)).toBe(200);
    } finally {
      await second.close();
    }
    const newSealer = new SigningKeySealer(NEW_SECRET);
    const after = await storedKeys(first);
    expect(after.map((key) => key.kid)).toEqual(before.map((key) => key.kid));
    for (const [index, key] of after.entries()) {
      expect(key.sealed_private_jwk).not.toBe(before[index].sealed_private_jwk);
      expect(newSealer.isCurrent(key.sealed_private_jwk!)).toBe(true);
      expect(newSealer.unseal(key.sealed_private_jwk!, key.kid).d).toBe(privateParts[index]);
    }

    // Re-sealed: the old secret is no longer needed.
    const third = await TestApp.start({ restartOf: first, env: { TOKEN_SECRET: NEW_SECRET } });
    try {
      expect(await userinfoStatus(third, token)).toBe(200);
      expect(decodeJwtHeader(await third.accessToken(third.operator)).kid).toBe(decodeJwtHeader(token).kid);
    } finally {
      await third.close();
    }
  });
});
