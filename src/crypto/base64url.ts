export function encodeBase64Url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * Strict base64url (RFC 4648 §5, no padding): null for anything that is not canonical. Node's decoder
 * silently skips bad characters and takes `+/=` too, but its encoder writes only `[A-Za-z0-9_-]`, never a
 * length of 4n+1 and no spare bits set, so text equal to the re-encoding of its bytes is strict by itself.
 */
export function decodeBase64Url(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}
