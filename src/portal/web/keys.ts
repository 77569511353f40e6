/**
 * Client key pairs made in the browser with WebCrypto: the public key goes
 * to the service, the private key only to the person, once, as a download.
 * ES256 (P-256) because it is the smallest key every JWT library signs with.
 */
export interface GeneratedKeyPair {
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

export async function generateClientKeyPair(): Promise<GeneratedKeyPair> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const [spki, pkcs8] = await Promise.all([crypto.subtle.exportKey('spki', pair.publicKey), crypto.subtle.exportKey('pkcs8', pair.privateKey)]);
  return { publicKeyPem: pem('PUBLIC KEY', spki), privateKeyPem: pem('PRIVATE KEY', pkcs8) };
}

function pem(label: string, der: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(der)) binary += String.fromCharCode(byte);
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * A link that saves the private key as a file. The object URL is the only
 * copy; `forget` drops it, so the key is offered once.
 */
export function privateKeyDownload(privateKeyPem: string, fileName: string): { url: string; fileName: string; forget: () => void } {
  const url = URL.createObjectURL(new Blob([privateKeyPem], { type: 'application/x-pem-file' }));
  return { url, fileName, forget: () => URL.revokeObjectURL(url) };
}
