import { redirectMatches } from '../../src/authorization/authorization-parameters.js';

describe('redirectMatches', () => {
  it('matches a registered URI exactly, and nothing near it', () => {
    const registered = 'https://app.example/callback';
    expect(redirectMatches(registered, registered)).toBe(true);
    for (const other of [`${registered}/`, 'https://app.example/Callback', `${registered}?x=1`, 'https://app.example:443/callback', 'https://APP.example/callback', 'http://app.example/callback']) {
      expect({ other, matches: redirectMatches(registered, other) }).toEqual({ other, matches: false });
    }
  });

  it('matches a loopback URI on any port (RFC 8252 §7.3), the rest exactly', () => {
    for (const host of ['127.0.0.1', '[::1]', 'localhost']) {
      const registered = `http://${host}:8400/callback`;
      expect(redirectMatches(registered, `http://${host}:51234/callback`)).toBe(true);
      expect(redirectMatches(`http://${host}/callback`, `http://${host}:51234/callback`)).toBe(true);
      for (const other of [`http://${host}:51234/callback/`, `http://${host}:51234/other`, `http://${host}:51234/callback?x=1`, `https://${host}:51234/callback`, `http://evil@${host}:1/callback`]) {
        expect({ other, matches: redirectMatches(registered, other) }).toEqual({ other, matches: false });
      }
    }
    expect(redirectMatches('http://127.0.0.1:8400/callback', 'http://[::1]:8400/callback')).toBe(false);
    expect(redirectMatches('http://127.0.0.1:8400/callback', 'http://127.0.0.2:8400/callback')).toBe(false);
    expect(redirectMatches('http://127.0.0.1:8400/callback', 'http://127.0.0.1.evil.example:8400/callback')).toBe(false);
  });
});
