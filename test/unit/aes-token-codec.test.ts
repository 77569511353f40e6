import { createCipheriv, createHmac, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { AesTokenCodec, MAX_TOKEN_LENGTH, TokenSecretError, type RegistrantTokenPayload } from '../../src/crypto/aes-token-codec.js';

const SECRET = 'a'.repeat(16) + randomBytes(24).toString('hex');
const OLD_SECRET = randomBytes(32).toString('base64');
const NOW = 1_800_000_000;
const payload = (overrides: Partial<RegistrantTokenPayload> = {}): RegistrantTokenPayload => ({
  typ: 'registrant', eid: randomUUID(), entity_id: 507, name: 'Kari Nordmann', iat: NOW, exp: NOW + 7200, jti: randomUUID(), ...overrides,
});

// Issued by the codec before decode was reworked for speed (with these secrets): the format must not move.
const FIXED_SECRET = 'a fixed test secret, thirty-two bytes or more';
const FIXED_PREVIOUS = 'a previous fixed secret, thirty-two bytes long';
const FIXED_PAYLOAD = { typ: 'registrant', eid: '2f1c3a56-7d0e-4b8a-9c1d-5e6f7a8b9c0d', entity_id: 507, name: 'Jüri Ööbik', iat: 1800000000, exp: 1800007200, jti: 'b7e1d2c3-4a5b-4c6d-8e7f-9a0b1c2d3e4f' } as const;
const FIXED_TOKEN = 'AafAL76bFn_agHuPqsIlbGgm2Mg6h-GIHPjjmdANRZjG7uJVOzS9nd-IH0B4GENj8q7rk7NevbXyyhrORqiqv_1f3s4IOSKdDSRFvtMEAFiDwZTqPBvi3ilhkg8kLqh-2x-GcYtJmwjP44tieX_TfkPv8o9ZUXqxWk_TGwZ7PJIYGZ_XpGvgJj1p7vFurbtwTk6H8hYS98yOrq5WQmzdNJ4ErNJeij7qUV6rFApFM4ApYa2hIOHhIcATBdxJzxT0jRHyjmcHFRe6DzoN8-Uu5MoSX_zM3QBPYYiI3ehWB7HVHmQMaS8UB5Jm7X9DFvMimtx84kM';
const FIXED_PREVIOUS_TOKEN = 'AacrAdeHT-8Bo3CBYBgFxfou5Q0bwjf3iL4FMetJvjDxlrFTFsqYDPlW2l4tgfg0LwDolRRty-58XT-o39G9wom93Qml6TtCFLcQEMGLocflIDtX7FI7q-dPd0fquOpvhxpXlBrV3dzzc7zzI5HarV-YrnJt1ouP2Q4yrVPTF-QPppKqEsw_LGPmJFQMJjBaSkLWLEvhkE2clXm6R1--cb0Akwyk67pnvlvx6bZ84UR9eHSFcQqnhLZRCf2ypdBlU2QsbKH-GcbpBPaJjhiNYa-RcNzXMf1j55PM9UHE8rDKdZOnOHjMKl7AGxWOMBQpIf_LK60';

/** Seals `plaintext` as the codec would under `secret`, padded by hand: the layout, independently of the codec. */
function seal(secret: string, plaintext: Buffer): string {
  const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', secret, 'token-issuer registrant token v1', info, length));
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', derive('aes-256-cbc key', 32), iv).setAutoPadding(false);
  const body = Buffer.concat([Buffer.from([1]), derive('key id', 4), iv, cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([body, createHmac('sha256', derive('hmac-sha256 key', 32)).update(body).digest()]).toString('base64url');
}
const pkcs7 = (data: Buffer) => Buffer.concat([data, Buffer.alloc(16 - (data.length % 16), 16 - (data.length % 16))]);

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

  it('decodes tokens issued before, under the current and a previous secret', () => {
    const rotated = new AesTokenCodec(randomBytes(32).toString('hex'), [FIXED_SECRET, FIXED_PREVIOUS]);
    expect(new AesTokenCodec(FIXED_SECRET, [FIXED_PREVIOUS]).decode(FIXED_TOKEN, NOW)).toEqual(FIXED_PAYLOAD);
    expect(rotated.decode(FIXED_TOKEN, NOW)).toEqual(FIXED_PAYLOAD);
    expect(rotated.decode(FIXED_PREVIOUS_TOKEN, NOW)).toEqual({ ...FIXED_PAYLOAD, name: 'Kari Nordmann' });
    expect(new AesTokenCodec(FIXED_SECRET).currentKeyId).toBe('a7c02fbe');
  });

  it('issues the layout it reads: version, key id, IV, PKCS#7-padded ciphertext, HMAC tag', () => {
    const sealed = seal(FIXED_SECRET, pkcs7(Buffer.from(JSON.stringify(FIXED_PAYLOAD))));
    expect(new AesTokenCodec(FIXED_SECRET).decode(sealed, NOW)).toEqual(FIXED_PAYLOAD);
    const issued = Buffer.from(new AesTokenCodec(FIXED_SECRET).encode(FIXED_PAYLOAD), 'base64url');
    expect(issued.subarray(0, 5).toString('hex')).toBe('01a7c02fbe');
    expect(issued.length).toBe(Buffer.from(sealed, 'base64url').length);
  });

  it('selects the key by the key id alone: a previous key id with the current key\'s tag is refused', () => {
    const token = Buffer.from(codec.encode(payload()), 'base64url');
    Buffer.from(new AesTokenCodec(OLD_SECRET).encode(payload()), 'base64url').copy(token, 1, 1, 5);
    expect(codec.decode(token.toString('base64url'), NOW)).toBeNull();
  });

  it('refuses authentic tokens whose padding or plaintext is malformed, without throwing', () => {
    const original = payload();
    const json = JSON.stringify(original);
    // JSON allows trailing spaces: a body of whole blocks ending in at least three of them.
    const body = Buffer.from(json.padEnd(json.length + 3 + ((16 - ((json.length + 3) % 16)) % 16)));
    const ending = (...bytes: number[]) => Buffer.concat([body.subarray(0, body.length - bytes.length), Buffer.from(bytes)]);
    const fullBlock = (...bytes: number[]) => Buffer.concat([body, Buffer.alloc(16 - bytes.length, 16), Buffer.from(bytes)]);
    for (const valid of [ending(1), ending(3, 3, 3), fullBlock()]) expect(codec.decode(seal(SECRET, valid), NOW)).toEqual(original);
    const malformed = [
      ending(0), ending(17), ending(0xff), ending(3, 2, 3), ending(2, 3, 3), fullBlock(15), fullBlock(16, 15),
      Buffer.concat([body, Buffer.alloc(32, 0x20)]), // 32 bytes of 32 (spaces): longer than a block
      Buffer.alloc(16, 16), // nothing but padding
      Buffer.concat([Buffer.from([0xff]), body.subarray(1), Buffer.alloc(16, 16)]), // not UTF-8, not JSON
    ];
    for (const plaintext of malformed) expect(codec.decode(seal(SECRET, plaintext), NOW)).toBeNull();
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
