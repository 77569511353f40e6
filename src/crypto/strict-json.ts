import { decodeBase64Url } from './base64url.js';

/**
 * JSON.parse keeps the last of duplicate member names; other parsers keep
 * the first. A token read differently by two parsers is an attack surface
 * (RFC 8725 §3.7, RFC 7519 §4), so tokens with duplicates are refused.
 * `text` must already be valid JSON; names are compared after unescaping.
 */
export function hasDuplicateMemberNames(text: string): boolean {
  const open: (Set<string> | null)[] = []; // a Set per object being read, null per array
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const names = open[open.length - 1];
      if (expectName && names) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (names.has(name)) return true;
        names.add(name);
        expectName = false;
      }
      i = end;
    } else if (c === '{') {
      open.push(new Set());
      expectName = true;
    } else if (c === '[') {
      open.push(null);
      expectName = false;
    } else if (c === '}' || c === ']') {
      open.pop();
      expectName = false;
    } else if (c === ',') {
      expectName = open[open.length - 1] instanceof Set;
    }
  }
  return false;
}

/**
 * A JWS header or payload segment (RFC 7515 §5.2 steps 2-4): base64url of a
 * UTF-8 JSON object with no repeated member name. The object, or what is
 * wrong with it, worded to follow "The <token> <part> ".
 */
export function decodeJsonObjectSegment(segment: string): { readonly object: Record<string, unknown> } | { readonly problem: string } {
  const bytes = decodeBase64Url(segment);
  if (bytes === null || bytes.length === 0) return { problem: 'is not base64url' };
  let text: string;
  let parsed: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    parsed = JSON.parse(text);
  } catch {
    return { problem: 'is not JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { problem: 'is not a JSON object' };
  if (hasDuplicateMemberNames(text)) return { problem: 'repeats a member name' };
  return { object: parsed as Record<string, unknown> };
}
