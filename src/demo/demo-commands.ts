import { GRANT_TYPE, TOKEN_TYPE } from '../contract/urns.js';
import { type DemoFacts, FILES, SEED } from './demo-world.js';

/** A word for bash, in single quotes unless it needs none. */
function quoted(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The JWT-bearer assertion of PC #1, signed with node:crypto alone from its
 * key file beside it: `node pc1-assertion.mjs` prints a fresh one (RFC 7523:
 * iss the client, sub its party, a new jti, and aud the token endpoint as
 * the service at $ISSUER names it in its metadata, whatever URL reaches it).
 */
export function assertionScript(publicUrl: string, facts: DemoFacts): string {
  return `// Prints a fresh JWT-bearer assertion (RFC 7523) of the demo client "${SEED.pc1.name}", acting for ${SEED.sp.name}.
// Written by npm run demo; reads the private key beside it, and the token endpoint (the aud) from $ISSUER's metadata.
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const key = createPrivateKey(readFileSync(new URL('./${FILES.key}', import.meta.url)));
const issuer = process.env.ISSUER ?? ${JSON.stringify(publicUrl)};
const { token_endpoint: aud } = await (await fetch(new URL('/.well-known/oauth-authorization-server', issuer))).json();
const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const header = { alg: 'ES256', typ: 'JWT', kid: ${JSON.stringify(facts.pc1.kid)} };
const claims = { iss: ${JSON.stringify(facts.pc1.clientId)}, sub: 'no:party:gln:${SEED.sp.business_id}', aud, jti: randomUUID(), iat: now, exp: now + 120 };
const input = \`\${part(header)}.\${part(claims)}\`;
console.log(\`\${input}.\${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}\`);
`;
}

/**
 * What `npm run demo` prints: comments and bash commands (curl and jq) that
 * log in with each flow, reading every secret from its file so that none
 * passes a command line or the terminal. The same text on every run.
 */
export function demoCommands(publicUrl: string, demoDir: string, facts: DemoFacts): string {
  const token = `"$ISSUER/auth/token"`;
  return `# The demo world: ${SEED.company.name} (entity ${facts.company}) with ${SEED.org.name} (party ${facts.org}) and ${SEED.sp.name} (party ${facts.sp}, GLN ${SEED.sp.business_id});
# ${SEED.kari.name} (${SEED.kari.business_id}), member of ${SEED.org.name}; the clients "${SEED.pc1.name}" (${facts.pc1.clientId}, an ES256 key)
# and "${SEED.backend.name}" (${facts.backend.clientId}, a secret). Keys, the secret and Kari's password are in ${demoDir} (mode 600).
# Paste these lines into bash (they need curl and jq); each login prints its answer.
export ISSUER=\${ISSUER:-${publicUrl}}
DEMO=${quoted(demoDir)}

# JWT-bearer (RFC 7523): PC #1 signs an assertion with its private key and acts for ${SEED.sp.name}.
curl -s ${token} --data-urlencode 'grant_type=${GRANT_TYPE.jwtBearer}' --data-urlencode "assertion=$(node "$DEMO/${FILES.script}")" | jq .

# client_credentials: ${SEED.backend.name} authenticates with its secret (client_secret_post) and acts for ${SEED.sp.name}.
curl -s ${token} -d grant_type=client_credentials -d client_id=${facts.backend.clientId} --data-urlencode "client_secret@$DEMO/${FILES.secret}" | jq .

# Registrant login: Kari's username and password; then the parties she may act for.
KARI=$(jq -n --rawfile password "$DEMO/${FILES.password}" '{username: "${SEED.kari.business_id}", password: $password}' \\
  | curl -s "$ISSUER/api/v1/registrant/auth/token" -H 'Content-Type: application/json' -d @- | jq -r .access_token)
curl -s "$ISSUER/auth/parties" -H "Authorization: Bearer $KARI" | jq .

# Token exchange (RFC 8693): Kari acts for ${SEED.org.name}, as her company's admin.
curl -s ${token} --data-urlencode 'grant_type=${GRANT_TYPE.tokenExchange}' --data-urlencode "subject_token=$KARI" \\
  --data-urlencode 'subject_token_type=${TOKEN_TYPE.accessToken}' -d scope=assume:party:${facts.org} | jq .

# The password grant (RFC 6749 §4.3): ${SEED.backend.name} logs Kari in with her password.
curl -s ${token} -d grant_type=password -d client_id=${facts.backend.clientId} --data-urlencode "client_secret@$DEMO/${FILES.secret}" \\
  -d username=${SEED.kari.business_id} --data-urlencode "password@$DEMO/${FILES.password}" | jq .
`;
}
