// Seeding through the admin API, and the signed material the scenarios send.
import { createPrivateKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const PASSWORD = 'benchmark passphrase 2026';
export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
export const JSON_BODY = { 'content-type': 'application/json' };

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
export function signJwt(privateKey, header, payload) {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

export function assertionFor(base, client, sub) {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(client.key, { alg: 'ES256', kid: client.kid }, { iss: client.clientId, aud: `${base}/auth/token`, jti: randomUUID(), iat: now, exp: now + 120, ...(sub ? { sub } : {}) });
}

/** An access token of a key-bearing client (JWT-bearer). */
export async function token(base, client) {
  const response = await fetch(`${base}/auth/token`, { method: 'POST', headers: FORM, body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: assertionFor(base, client) }) });
  const body = await response.json();
  if (!response.ok) throw new Error(`login failed: ${JSON.stringify(body)}`);
  return body.access_token;
}

export function basicAuthorization(clientId, secret) {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** The admin API as the operator. */
export async function operatorAdmin(service) {
  const operator = { clientId: service.operatorId, kid: undefined, key: createPrivateKey(service.operatorKey.export({ type: 'pkcs8', format: 'pem' })) };
  const bearer = await token(service.base, operator);
  return async (method, path, body) => {
    const response = await fetch(`${service.base}${path}`, { method, headers: { authorization: `Bearer ${bearer}`, ...JSON_BODY }, body: JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  };
}

/** A client with an ES256 key (private_key_jwt, JWT-bearer). */
export async function keyClient(admin, entityId, scopes, partyId) {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const created = await admin('POST', '/admin/entity-clients', { entity_id: entityId, name: 'bench', scopes, ...(partyId ? { party_id: partyId } : {}), public_key: keys.publicKey.export({ type: 'spki', format: 'pem' }) });
  return { clientId: created.client_id, kid: created.keys[0].kid, key: createPrivateKey(keys.privateKey.export({ type: 'pkcs8', format: 'pem' })), jwk: { ...keys.privateKey.export({ format: 'jwk' }), kid: created.keys[0].kid } };
}

/** `count` people with password credentials (PASSWORD), made a few at a time: [{id, username}]. */
export async function people(admin, count) {
  const made = [];
  for (let i = 0; i < count; i += 8) {
    made.push(...await Promise.all(Array.from({ length: Math.min(8, count - i) }, async (_, j) => {
      const username = `bench${i + j}@bench.test`;
      const person = await admin('POST', '/admin/entities', { name: 'Bench Person', type: 'person', business_id: username, business_id_type: 'email' });
      await admin('PUT', `/admin/entities/${person.id}/credentials`, { username, password: PASSWORD });
      return { id: person.id, username };
    })));
  }
  return made;
}

/** Valid Estonian personal codes (check digit computed), all distinct: at most 18,000. */
export function estonianIdents(count) {
  const idents = new Set();
  for (let serial = 0; idents.size < count; serial++) {
    const base = `38001${String(10 + (serial % 18)).padStart(2, '0')}${String(Math.floor(serial / 18) % 1000).padStart(3, '0')}`;
    const digits = [...base].map(Number);
    let check = digits.reduce((sum, d, i) => sum + d * [1, 2, 3, 4, 5, 6, 7, 8, 9, 1][i], 0) % 11;
    if (check === 10) check = (digits.reduce((sum, d, i) => sum + d * [3, 4, 5, 6, 7, 8, 9, 1, 2, 3][i], 0) % 11) % 10;
    idents.add(`${base}${check}`);
  }
  return [...idents];
}

/** A DPoP proof maker for one ES256 key: the header is built once, each proof costs one signature. */
export function dpopProver() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const header = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } });
  return ({ method, url, ath, iat = Math.floor(Date.now() / 1000) }) => {
    const input = `${header}.${b64({ jti: randomUUID(), htm: method, htu: url, iat, ...(ath ? { ath } : {}) })}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
}
