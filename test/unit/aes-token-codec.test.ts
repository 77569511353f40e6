import { randomBytes, randomUUID } from 'node:crypto';
import { AesTokenCodec, MAX_TOKEN_LENGTH, TokenSecretError, type RegistrantTokenPayload } from '../../src/crypto/aes-token-codec.js';

const SECRET = 'a'.repeat(16) + randomBytes(24).toString('hex');
const OLD_SECRET = randomBytes(32).toString('base64');
const NOW = 1_800_000_000;
const payload = (overrides: Partial<RegistrantTokenPayload> = {}): RegistrantTokenPayload => ({
  typ: 'registrant', eid: randomUUID(), entity_id: 507, name: 'Kari Nordmann', iat: NOW, exp: NOW + 7200, jti: randomUUID(), ...overrides,
});

describe('AesTokenCodec', () => {
  const codec = new AesTokenCodec(SECRET, [OLD_SECRET]);

  it('round-trips a payload', () => {
    const original = payload({ name: 'Jüri Ööbik ☃' });
    expect(codec.decode(codec.encode(original), NOW)).toEqual(original);
  });

  it('refuses every single-byte change of a token', () => {
    const token = codec.encode(payload());
    const bytes = Buffer.from(token, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const changed = Buffer.from(bytes);
        changed[i] ^= flip;
        expect(codec.decode(changed.toString('base64url'), NOW)).toBeNull();
      }
    }
  });

  it('refuses every change of one character of the text', () => {
    const token = codec.encode(payload());
    for (let i = 0; i < token.length; i++) {
      const replacement = token[i] === 'A' ? 'B' : 'A';
      expect(codec.decode(token.slice(0, i) + replacement + token.slice(i + 1), NOW)).toBeNull();
    }
  });

  it('refuses every truncation and every extension', () => {
    const token = codec.encode(payload());
    for (let length = 0; length < token.length; length++) expect(codec.decode(token.slice(0, length), NOW)).toBeNull();
    expect(codec.decode(`${token}A`, NOW)).toBeNull();
    expect(codec.decode(`${token}AAAA`, NOW)).toBeNull();
  });

  it('verifies a token of a previous secret, and issues only under the current one', () => {
    const before = new AesTokenCodec(OLD_SECRET);
    const original = payload();
    const oldToken = before.encode(original);
    expect(codec.decode(oldToken, NOW)).toEqual(original);
    expect(new AesTokenCodec(SECRET).decode(oldToken, NOW)).toBeNull();
    expect(Buffer.from(codec.encode(original), 'base64url').subarray(1, 5).toString('hex')).toBe(codec.currentKeyId);
    expect(codec.currentKeyId).not.toBe(before.currentKeyId);
  });

  it('refuses a token under an unknown key id, even with a valid structure', () => {
    const stranger = new AesTokenCodec(randomBytes(32).toString('hex'));
    expect(codec.decode(stranger.encode(payload()), NOW)).toBeNull();
  });

  it('gives two tokens of one payload no ciphertext block in common', () => {
    const same = payload();
    const blocks = (token: string) => {
      const bytes = Buffer.from(token, 'base64url').subarray(5);
      return new Set(Array.from({ length: Math.floor(bytes.length / 16) }, (_, i) => bytes.subarray(i * 16, i * 16 + 16).toString('hex')));
    };
    const [a, b] = [blocks(codec.encode(same)), blocks(codec.encode(same))];
    expect([...a].filter((block) => b.has(block))).toEqual([]);
  });

  it('refuses an expired token, allowing a few seconds of leeway', () => {
    const token = codec.encode(payload({ exp: NOW }));
    expect(codec.decode(token, NOW + 5)).not.toBeNull();
    expect(codec.decode(token, NOW + 6)).toBeNull();
  });

  it('refuses garbage of every length without throwing', () => {
    for (let length = 0; length <= MAX_TOKEN_LENGTH + 8; length++) {
      expect(codec.decode(randomBytes(length).toString('base64url').slice(0, length), NOW)).toBeNull();
      expect(codec.decode(randomBytes(length).toString('latin1'), NOW)).toBeNull();
    }
    for (const value of [undefined, null, 42, {}, [], 'a.b.c', '=', '\u0000']) expect(codec.decode(value, NOW)).toBeNull();
  });

  it('refuses an authentic token whose payload is not a registrant payload', () => {
    // Encoded with the real key, so only the payload check can refuse it.
    expect(codec.decode(codec.encode({ ...payload(), typ: 'other' } as never), NOW)).toBeNull();
    expect(codec.decode(codec.encode({ ...payload(), exp: 'later' } as never), NOW)).toBeNull();
  });

  it('refuses secrets shorter than 32 bytes', () => {
    expect(() => new AesTokenCodec('short')).toThrow(TokenSecretError);
    expect(() => new AesTokenCodec(SECRET, ['x'.repeat(31)])).toThrow(TokenSecretError);
    expect(() => new AesTokenCodec('x'.repeat(32))).not.toThrow();
  });
});
