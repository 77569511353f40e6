// The cryptography each flow cannot avoid, measured on one core (this process, the service stopped) in the same run
// as the scenarios, and each scenario's limit: cores ÷ the summed per-core cost of its unavoidable cryptography.
import { createCipheriv, createDecipheriv, createHmac, generateKeyPairSync, randomBytes, randomUUID, sign, timingSafeEqual, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { hash } from '@node-rs/argon2';
import { AesTokenCodec } from '../../../dist/src/crypto/aes-token-codec.js';

/** Operations per second of `work` on this thread, over about `ms`. */
function rate(work, ms = 700) {
  for (let i = 0; i < 200; i++) work(); // warm the JIT
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < ms) {
    for (let i = 0; i < 50; i++) work();
    count += 50;
  }
  return Math.round(count / ((performance.now() - started) / 1000));
}

/** argon2id hashes per second with `parallel` hashes at a time (the service's parameters). */
export async function argon2PerSecond(password, parallel) {
  const started = performance.now();
  let count = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (performance.now() - started < 2000) {
      await hash(password, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
      count++;
    }
  }));
  return Math.round(count / ((performance.now() - started) / 1000));
}

/** ES256 sign and verify over an access-token-sized input, HMAC-SHA256 of a 43-character secret, on one core. */
export function primitiveRates() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const input = Buffer.from(`${'e'.repeat(110)}.${'p'.repeat(330)}`);
  const signature = sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const macKey = randomBytes(32);
  const secret = randomBytes(32).toString('base64url');
  return {
    es256_sign_per_s: rate(() => sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' })),
    es256_verify_per_s: rate(() => verify('sha256', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)),
    hmac_sha256_per_s: rate(() => createHmac('sha256', macKey).update(secret, 'utf8').digest(), 300),
  };
}

/**
 * The registrant-token codec beside raw node:crypto over the same bytes: AES-256-CBC with a fresh IV and
 * HMAC-SHA256 over version, key id, IV and ciphertext (encode); the MAC compared, then decrypted (verify).
 */
export function codecRates() {
  const codec = new AesTokenCodec(randomBytes(32).toString('hex'));
  const payload = { typ: 'registrant', eid: randomUUID(), entity_id: 507, name: 'Kari Nordmann', iat: 1, exp: 4102444800, jti: randomUUID() };
  const token = codec.encode(payload);
  const plaintext = Buffer.from(JSON.stringify(payload));
  const encryptionKey = randomBytes(32);
  const macKey = randomBytes(32);
  const header = Buffer.from([1, 2, 3, 4, 5]);
  const rawEncode = () => {
    const iv = randomBytes(16);
    const cipher = createCipheriv('aes-256-cbc', encryptionKey, iv);
    const body = Buffer.concat([header, iv, cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([body, createHmac('sha256', macKey).update(body).digest()]);
  };
  const sealed = rawEncode();
  const rawVerify = () => {
    const body = sealed.subarray(0, sealed.length - 32);
    if (!timingSafeEqual(createHmac('sha256', macKey).update(body).digest(), sealed.subarray(sealed.length - 32))) throw new Error('tag');
    const decipher = createDecipheriv('aes-256-cbc', encryptionKey, body.subarray(5, 21));
    return Buffer.concat([decipher.update(body.subarray(21)), decipher.final()]);
  };
  // Alternated, so that a neighbour's burst falls on both sides alike; the best of five, so that one burst does not decide.
  const runs = { encode_per_s: [], verify_per_s: [], raw_encode_per_s: [], raw_verify_per_s: [] };
  for (let i = 0; i < 5; i++) {
    runs.encode_per_s.push(rate(() => codec.encode(payload), 250));
    runs.raw_encode_per_s.push(rate(rawEncode, 250));
    runs.verify_per_s.push(rate(() => codec.decode(token), 250));
    runs.raw_verify_per_s.push(rate(rawVerify, 250));
  }
  return Object.fromEntries(Object.entries(runs).map(([name, values]) => [name, Math.max(...values)]));
}

/**
 * The unavoidable cryptography of each scenario, as [operation, count] pairs; `argon2id` is measured on all cores
 * together (memory-bound: it does not scale with cores), the rest per core.
 */
export const UNAVOIDABLE = {
  'jwt-bearer-login': [['es256_verify', 1], ['es256_sign', 1]],
  'client-credentials-login': [['hmac_sha256', 1], ['es256_sign', 1]],
  // The secret's HMAC, the refresh token's digest to find it and the new one's, and the access token.
  'refresh-token': [['hmac_sha256', 3], ['es256_sign', 1]],
  // Digests of the session cookie, the page handle, the browser binding and the code; at the token endpoint the
  // secret's, the code's and the refresh token's; the access token and the id_token.
  'code-flow': [['hmac_sha256', 7], ['es256_sign', 2]],
  // With the password: the login page's handle, binding and form token digests too, and the new session's.
  'code-flow-password': [['argon2id', 1], ['hmac_sha256', 13], ['es256_sign', 2]],
  'eid-login': [['raw_encode', 1]],
  'password-login': [['argon2id', 1], ['raw_encode', 1]],
  userinfo: [['es256_verify', 1]],
  'introspect-registrant': [['raw_verify', 1]],
  'dpop-client-credentials-login': [['es256_verify', 1], ['hmac_sha256', 1], ['es256_sign', 1]],
  'dpop-userinfo': [['es256_verify', 2]],
};

/** cores ÷ Σ count/rate (argon2id: its all-core rate stands for all cores): logins per second if nothing else cost anything. */
export function limitPerSecond(name, rates, cores) {
  const costs = UNAVOIDABLE[name];
  if (costs === undefined) return undefined;
  const seconds = costs.reduce((sum, [operation, count]) => sum + (operation === 'argon2id'
    ? count / rates.argon2id_per_s_all_cores
    : count / (cores * rates[`${operation}_per_s`])), 0);
  return Math.round(1 / seconds);
}
