import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { AesTokenCodec, type RegistrantTokenPayload } from '../../src/crypto/aes-token-codec.js';
import { AssertionError, parseAssertion, verifyAssertion, type AssertionPolicy } from '../../src/crypto/jwt-bearer-assertion.js';
import { parsePublicKey } from '../../src/crypto/public-key.js';

const NOW = 1_800_000_000;
const codec = new AesTokenCodec('fuzzing secret of at least thirty-two bytes', ['a previous secret of thirty-two bytes or more']);
const AUD = 'https://issuer.test/auth/token';
const CLIENT = '7a9016dc-ac40-4908-9462-ffb0809726ce';
const policy: AssertionPolicy = { audiences: new Set([AUD]), maxLifetimeSeconds: 120, clockLeewaySeconds: 30, now: () => NOW };
const registered = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keys = [parsePublicKey(registered.publicKey.export({ format: 'jwk' }))];

const payloadArbitrary = fc.record({
  typ: fc.constant('registrant' as const),
  eid: fc.uuid(),
  entity_id: fc.integer({ min: 1, max: 2_147_483_647 }),
  name: fc.string({ maxLength: 255 }),
  iat: fc.constant(NOW),
  exp: fc.integer({ min: NOW, max: NOW + 7200 }),
  jti: fc.uuid(),
});

/** Tries parse + verify; only AssertionError may come out, and "accepted" is reported. */
async function accepts(token: string): Promise<boolean> {
  try {
    await verifyAssertion(parseAssertion(token), keys, policy);
    return true;
  } catch (error) {
    if (!(error instanceof AssertionError)) throw error;
    return false;
  }
}

describe('fuzzing the AES token codec', () => {
  it('never throws and never accepts arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 3000 }), (text) => codec.decode(text, NOW) === null), { numRuns: 2000 });
  });

  it('never throws and never accepts arbitrary bytes in base64url', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1600 }), (bytes) => codec.decode(Buffer.from(bytes).toString('base64url'), NOW) === null), { numRuns: 2000 });
  });

  it('round-trips every payload, and refuses it after any one byte is changed', () => {
    fc.assert(
      fc.property(payloadArbitrary, fc.nat(), fc.integer({ min: 1, max: 255 }), (payload: RegistrantTokenPayload, position, flip) => {
        const token = codec.encode(payload);
        expect(codec.decode(token, NOW)).toEqual(payload);
        const bytes = Buffer.from(token, 'base64url');
        bytes[position % bytes.length] ^= flip;
        return codec.decode(bytes.toString('base64url'), NOW) === null;
      }),
      { numRuns: 500 },
    );
  });
});

describe('fuzzing the assertion parser', () => {
  it('only refuses (never throws otherwise) arbitrary text and dotted text', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ maxLength: 400 }), fc.array(fc.base64String({ maxLength: 120 }), { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.'))), async (text) => !(await accepts(text))), { numRuns: 1500 });
  });

  it('refuses arbitrary JSON headers and payloads with an arbitrary signature', async () => {
    const segment = fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value)).toString('base64url'));
    await fc.assert(fc.asyncProperty(segment, segment, fc.uint8Array({ maxLength: 80 }), async (header, payload, signature) => !(await accepts(`${header}.${payload}.${Buffer.from(signature).toString('base64url')}`))), { numRuns: 1000 });
  });

  it('accepts a well-formed claim set only when signed by the registered key', async () => {
    const claim = fc.record({
      iss: fc.constantFrom(CLIENT, 'someone-else'),
      aud: fc.constantFrom(AUD, 'https://elsewhere.test', [AUD, 'x']),
      jti: fc.oneof(fc.uuid(), fc.constant('')),
      iat: fc.integer({ min: NOW - 200, max: NOW + 60 }),
      lifetime: fc.integer({ min: -10, max: 200 }),
    });
    await fc.assert(
      fc.asyncProperty(claim, fc.boolean(), async ({ lifetime, ...claims }, byRegisteredKey) => {
        const payload = { ...claims, exp: claims.iat + lifetime };
        const token = await new SignJWT(payload).setProtectedHeader({ alg: 'ES256' }).sign(byRegisteredKey ? registered.privateKey : stranger.privateKey);
        // `keys` stand for the keys of the client that iss names (the grant looks them up), so iss does not decide here.
        const valid = byRegisteredKey && (claims.aud === AUD || Array.isArray(claims.aud)) && claims.jti !== ''
          && lifetime > 0 && lifetime <= 120 && claims.iat <= NOW + 30 && payload.exp >= NOW - 30;
        return (await accepts(token)) === valid;
      }),
      { numRuns: 400 },
    );
  });
});

