import { randomBytes } from 'node:crypto';
import { decodeBase64Url, encodeBase64Url } from '../../src/crypto/base64url.js';

describe('decodeBase64Url', () => {
  it('decodes what it encodes, at every length', () => {
    for (let length = 0; length <= 64; length++) {
      const bytes = randomBytes(length);
      expect(decodeBase64Url(encodeBase64Url(bytes))).toEqual(bytes);
    }
  });

  it('refuses every spelling but the canonical one', () => {
    const text = encodeBase64Url(Buffer.from([0xfb, 0xff, 0xbf, 0x01])); // '-_-_AQ'
    expect(text).toBe('-_-_AQ');
    for (const other of [
      '+/+/AQ', // standard base64 alphabet
      '-_-_AQ==', '-_-_AQ=', // padding
      '-_-_AR', '-_-_AZ', // spare bits of the last character set
      '-_-_AQB', '-_-_A', // a spare bit set after three characters, a length of 4n+1
      ' -_-_AQ', '-_-_AQ\n', '-_-_ AQ', '-_-_A.Q', '-_-_A\u0000Q', '-_-_AQ\u00e9', '-_-_AQ\u2603',
    ]) expect(decodeBase64Url(other)).toBeNull();
  });
});
