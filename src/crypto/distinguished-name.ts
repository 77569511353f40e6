import type { X509Certificate } from 'node:crypto';

/**
 * A distinguished name as a sequence of RDNs, most significant first (the
 * DER order; an RFC 4514 string lists them the other way round), each RDN a
 * set of attributes (OID, value).
 */
export type DistinguishedName = readonly (readonly NameAttribute[])[];
export interface NameAttribute {
  readonly oid: string;
  readonly value: string;
}

export class DistinguishedNameError extends Error {
  override name = 'DistinguishedNameError';
}

const MAX_DN_LENGTH = 1024;
// RFC 4519 and friends: the names an RFC 4514 string may use for attribute types (compared case-insensitively).
const ATTRIBUTE_TYPES: Readonly<Record<string, string>> = {
  cn: '2.5.4.3', sn: '2.5.4.4', surname: '2.5.4.4', serialnumber: '2.5.4.5', c: '2.5.4.6', l: '2.5.4.7', st: '2.5.4.8',
  street: '2.5.4.9', o: '2.5.4.10', ou: '2.5.4.11', title: '2.5.4.12', businesscategory: '2.5.4.15', postalcode: '2.5.4.17',
  gn: '2.5.4.42', givenname: '2.5.4.42', initials: '2.5.4.43', generationqualifier: '2.5.4.44', dnqualifier: '2.5.4.46',
  pseudonym: '2.5.4.65', organizationidentifier: '2.5.4.97', dc: '0.9.2342.19200300.100.1.25', uid: '0.9.2342.19200300.100.1.1',
  emailaddress: '1.2.840.113549.1.9.1', e: '1.2.840.113549.1.9.1',
};
const NUMERIC_OID = /^(?:oid\.)?([0-2](?:\.(?:0|[1-9][0-9]{0,9})){1,20})$/i;

/**
 * Reads an RFC 4514 string such as `CN=pc1,O=Testkraft AS,C=NO` (spaces
 * around separators tolerated, `\,` and `\XX` escapes, `#hex` values,
 * multi-valued RDNs with `+`), returning it in DER order. Throws
 * DistinguishedNameError saying what is wrong.
 */
export function parseDistinguishedName(text: string): DistinguishedName {
  if (text.length > MAX_DN_LENGTH) throw new DistinguishedNameError(`A distinguished name has at most ${MAX_DN_LENGTH} characters`);
  const rdns: NameAttribute[][] = [[]];
  let i = 0;
  const skipSpaces = () => { while (text[i] === ' ') i++; };
  for (;;) {
    skipSpaces();
    const typeStart = i;
    while (i < text.length && text[i] !== '=' && text[i] !== ',' && text[i] !== '+') i++;
    if (text[i] !== '=') throw new DistinguishedNameError(`Expected type=value at character ${typeStart + 1}`);
    const oid = attributeOid(text.slice(typeStart, i).trim());
    i++;
    skipSpaces();
    const [value, end] = text[i] === '#' ? readHexValue(text, i) : readStringValue(text, i);
    i = end;
    rdns[rdns.length - 1].push({ oid, value: normalized(value) });
    if (i === text.length) break;
    if (text[i] === ',') rdns.push([]); // '+' adds to the same RDN
    i++;
  }
  return rdns.reverse().map(sorted);
}

function attributeOid(type: string): string {
  const known = ATTRIBUTE_TYPES[type.toLowerCase()];
  if (known !== undefined) return known;
  const numeric = NUMERIC_OID.exec(type)?.[1];
  if (numeric === undefined) throw new DistinguishedNameError(`Unknown attribute type "${type.slice(0, 40)}": use a short name (CN, O, OU, C, L, ST, …) or a dotted OID`);
  return numeric;
}

/** An RFC 4514 string value up to the next unescaped `,` or `+`, with its escapes undone (hex pairs as UTF-8 bytes). */
function readStringValue(text: string, start: number): [string, number] {
  const bytes: number[] = [];
  let i = start;
  let trailingSpaces = 0;
  while (i < text.length && text[i] !== ',' && text[i] !== '+') {
    const c = text[i];
    if (c === '\\') {
      const next = text.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(next)) {
        bytes.push(parseInt(next, 16));
        i += 3;
      } else if (next.length > 0 && ' "#+,;<=>\\'.includes(next[0])) {
        bytes.push(next.charCodeAt(0));
        i += 2;
      } else {
        throw new DistinguishedNameError(`A backslash at character ${i + 1} escapes nothing that needs it`);
      }
      trailingSpaces = 0;
      continue;
    }
    if ('";<>'.includes(c) || c === '\u0000') throw new DistinguishedNameError(`The character ${JSON.stringify(c)} at ${i + 1} must be escaped`);
    trailingSpaces = c === ' ' ? trailingSpaces + 1 : 0;
    bytes.push(...Buffer.from(c, 'utf8'));
    i++;
  }
  const decoded = new TextDecoder('utf-8', { fatal: false }).decode(Buffer.from(bytes.slice(0, bytes.length - trailingSpaces)));
  if (decoded.includes('\uFFFD')) throw new DistinguishedNameError('A hex-escaped value is not UTF-8');
  return [decoded, i];
}

/** `#` and the hex of a BER-encoded value (RFC 4514 §2.4): read as the string it encodes. */
function readHexValue(text: string, start: number): [string, number] {
  const match = /^#((?:[0-9A-Fa-f]{2})+) */.exec(text.slice(start));
  if (match === null) throw new DistinguishedNameError(`A #hex value at character ${start + 1} is malformed`);
  const der = Buffer.from(match[1], 'hex');
  const element = readElement(der, 0);
  if (element === null || element.end !== der.length) throw new DistinguishedNameError(`The #hex value at character ${start + 1} is not one DER element`);
  return [valueText(der, element), start + match[0].length];
}

/**
 * The subject of a certificate, read from its DER (the TBSCertificate's
 * sixth field, RFC 5280 §4.1), so that it compares exactly with a parsed
 * RFC 4514 string; null if the DER cannot be read so.
 */
export function certificateSubject(certificate: X509Certificate): DistinguishedName | null {
  const der = certificate.raw;
  const outer = readElement(der, 0);
  const tbs = outer?.tag === 0x30 ? readElement(der, outer.start) : null;
  if (tbs === null || tbs.tag !== 0x30) return null;
  const fields = children(der, tbs);
  if (fields === null) return null;
  const subject = fields[fields[0]?.tag === 0xa0 ? 5 : 4];
  return subject?.tag === 0x30 ? readName(der, subject) : null;
}

/** Equal as names: the same RDNs in the same order, each the same set of attributes, values compared case- and space-insensitively. */
export function sameDistinguishedName(a: DistinguishedName, b: DistinguishedName): boolean {
  return a.length === b.length && a.every((rdn, i) => rdn.length === b[i].length && rdn.every((attribute, j) => attribute.oid === b[i][j].oid && attribute.value === b[i][j].value));
}

function readName(der: Buffer, name: Element): DistinguishedName | null {
  const rdns = children(der, name);
  if (rdns === null || rdns.some((rdn) => rdn.tag !== 0x31)) return null;
  const result: NameAttribute[][] = [];
  for (const rdn of rdns) {
    const attributes: NameAttribute[] = [];
    for (const pair of children(der, rdn) ?? []) {
      const parts = pair.tag === 0x30 ? children(der, pair) : null;
      if (parts === null || parts.length !== 2 || parts[0].tag !== 0x06) return null;
      const oid = oidText(der.subarray(parts[0].start, parts[0].end));
      if (oid === null) return null;
      attributes.push({ oid, value: normalized(valueText(der, parts[1])) });
    }
    if (attributes.length === 0) return null;
    result.push(sorted(attributes));
  }
  return result;
}

interface Element {
  readonly tag: number;
  /** Where the element begins (its tag), where its content begins, and where it ends. */
  readonly offset: number;
  readonly start: number;
  readonly end: number;
}

/** One DER element at `offset` (single-byte tags, definite lengths), or null if it runs past the buffer. */
function readElement(der: Buffer, offset: number): Element | null {
  if (offset + 2 > der.length) return null;
  const tag = der[offset];
  if ((tag & 0x1f) === 0x1f) return null;
  let length = der[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > der.length) return null;
    length = der.readUIntBE(start, count);
    start += count;
  }
  const end = start + length;
  return end <= der.length ? { tag, offset, start, end } : null;
}

function children(der: Buffer, parent: Element): Element[] | null {
  const result: Element[] = [];
  for (let offset = parent.start; offset < parent.end;) {
    const child = readElement(der, offset);
    if (child === null || child.end > parent.end) return null;
    result.push(child);
    offset = child.end;
  }
  return result;
}

function oidText(bytes: Buffer): string | null {
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (value > 0x1ffffff) return null;
    value = value * 128 + (bytes[i] & 0x7f);
    if ((bytes[i] & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    } else if (i === bytes.length - 1) {
      return null;
    }
  }
  if (arcs.length === 0) return null;
  const first = arcs[0] < 40 ? [0, arcs[0]] : arcs[0] < 80 ? [1, arcs[0] - 40] : [2, arcs[0] - 80];
  return [...first, ...arcs.slice(1)].join('.');
}

/** A directory string as text; any other value as `#` and the hex of its whole element, which an RFC 4514 `#hex` value equals. */
function valueText(der: Buffer, element: Element): string {
  const content = der.subarray(element.start, element.end);
  switch (element.tag) {
    case 0x0c: // UTF8String
      return new TextDecoder('utf-8').decode(content);
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x1a: // VisibleString
    case 0x14: // TeletexString, read as Latin-1 as OpenSSL does
      return content.toString('latin1');
    case 0x1e: // BMPString, UTF-16BE
      if (content.length % 2 === 0) return Buffer.from(content).swap16().toString('utf16le');
      break;
    case 0x1c: // UniversalString, UTF-32BE
      return String.fromCodePoint(...Array.from({ length: Math.floor(content.length / 4) }, (_, k) => Math.min(content.readUInt32BE(k * 4), 0x10ffff)));
  }
  return `#${der.subarray(element.offset, element.end).toString('hex')}`;
}

function normalized(value: string): string {
  return value.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

function sorted(attributes: NameAttribute[]): NameAttribute[] {
  return [...attributes].sort((a, b) => (a.oid === b.oid ? (a.value < b.value ? -1 : 1) : a.oid < b.oid ? -1 : 1));
}
