import { createLocalJWKSet, jwtVerify } from 'jose';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { SigningKeySealer } from '../../src/crypto/signing-key-sealer.js';
import { rotateSigningKeys, RotationError } from '../../src/tokens/signing-key-rotation.js';
import { decodeJwtHeader, PUBLIC_URL, TEST_TOKEN_SECRET, TestApp } from '../support/test-app.js';

describe('signing-key rotation: next, current, retired', () => {
  let a: TestApp;
  let b: TestApp;
  let dataSource: DataSource;
  const TTL = 60;
  const sealer = new SigningKeySealer(TEST_TOKEN_SECRET);

  beforeAll(async () => {
    a = await TestApp.start({ env: { ACCESS_TOKEN_TTL: String(TTL) } });
    b = await TestApp.start({ restartOf: a, env: { ACCESS_TOKEN_TTL: String(TTL) } });
    dataSource = a.app.get<DataSource>(getDataSourceToken());
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const kids = async (app: TestApp) => ((await app.api('GET', '/auth/jwks')).body.keys as { kid: string }[]).map((key) => key.kid);
  const rotate = () => rotateSigningKeys(dataSource, sealer, { accessTokenTtlSeconds: TTL, minNextAgeSeconds: 0 });
  /** Waits (at most 1 s: replicas reload on the rotation's NOTIFY) until both replicas publish exactly `expected`. */
  async function replicasPublish(expected: string[]) {
    for (const app of [a, b]) {
      const started = Date.now();
      while (Date.now() - started < 1000 && JSON.stringify(await kids(app)) !== JSON.stringify(expected)) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await kids(app)).toEqual(expected);
    }
  }
  async function verifiesAgainstJwks(app: TestApp, token: string) {
    const jwks = createLocalJWKSet((await app.api('GET', '/auth/jwks')).body);
    await expect(jwtVerify(token, jwks, { issuer: PUBLIC_URL, typ: 'at+jwt' })).resolves.toBeDefined();
    expect((await app.api('GET', '/auth/userinfo', token)).status).toBe(200);
  }

  it('publishes a key before it signs, keeps retired keys while their tokens live, then drops them', async () => {
    const [k1] = await kids(a);
    const t1 = await a.accessToken(a.operator);
    expect(decodeJwtHeader(t1).kid).toBe(k1);

    // Step 1: K2 is published as next; K1 still signs.
    const first = await rotate();
    const k2 = first.published!;
    await replicasPublish([k1, k2]);
    expect(decodeJwtHeader(await b.accessToken(b.operator)).kid).toBe(k1);

    // Step 2: K2 signs, K1 is retired but still published, K3 is next.
    const second = await rotate();
    expect(second).toMatchObject({ promoted: k2, retired: k1 });
    const k3 = second.published!;
    await replicasPublish([k2, k3, k1]);
    const t2 = await b.accessToken(b.operator);
    expect(decodeJwtHeader(t2).kid).toBe(k2);
    for (const app of [a, b]) {
      await verifiesAgainstJwks(app, t1);
      await verifiesAgainstJwks(app, t2);
    }

    // Step 3: once K1's tokens have all expired (its retirement is moved back past TTL + slack), it is deleted.
    await a.query(`UPDATE signing_keys SET retired_at = now() - interval '${TTL + 61} seconds' WHERE kid = $1`, [k1]);
    const third = await rotate();
    expect(third).toMatchObject({ promoted: k3, retired: k2, deleted: [k1] });
    await replicasPublish([k3, third.published!, k2]);
    await verifiesAgainstJwks(b, t2);
    expect((await b.api('GET', '/auth/userinfo', t1)).status).toBe(401);
  });

  it('refuses to promote a next key younger than the JWKS cache lifetime', async () => {
    const before = await a.query<{ kid: string; state: string }>('SELECT kid, state FROM signing_keys ORDER BY kid');
    expect(before.some((key) => key.state === 'next')).toBe(true);
    await expect(rotateSigningKeys(dataSource, sealer, { accessTokenTtlSeconds: TTL })).rejects.toThrow(/validators cache the JWKS for 300 s/);
    await expect(rotateSigningKeys(dataSource, sealer, { accessTokenTtlSeconds: TTL })).rejects.toThrow(RotationError);
    expect(await a.query('SELECT kid, state FROM signing_keys ORDER BY kid')).toEqual(before);
  });
});
