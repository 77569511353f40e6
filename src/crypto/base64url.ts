/** Strict base64url (RFC 4648 §5, no padding): node's decoder silently skips bad characters. */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function isBase64Url(text: string): boolean {
  return BASE64URL.test(text) && text.length % 4 !== 1;
}

export function encodeBase64Url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Returns null for anything that is not canonical base64url. */
export function decodeBase64Url(text: string): Buffer | null {
  if (!isBase64Url(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}
