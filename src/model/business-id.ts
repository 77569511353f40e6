/** Business identifiers of entities and parties, and their check digits. */

export const ENTITY_TYPES = ['organisation', 'person'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];
export const ENTITY_BUSINESS_ID_TYPES = ['org', 'email', 'pid', 'uuid'] as const;
export type EntityBusinessIdType = (typeof ENTITY_BUSINESS_ID_TYPES)[number];
export const PARTY_BUSINESS_ID_TYPES = ['gln', 'org', 'eic_x', 'uuid'] as const;
export type PartyBusinessIdType = (typeof PARTY_BUSINESS_ID_TYPES)[number];
export const PARTY_TYPES = [
  'balance_responsible_party',
  'end_user',
  'energy_supplier',
  'flexibility_information_system_operator',
  'market_operator',
  'organisation',
  'service_provider',
  'system_operator',
  'third_party',
] as const;
export type PartyType = (typeof PARTY_TYPES)[number];
/** The operator's party type. Being of this type gives no power: only the one marked operator party does (PartyLookup.operatorPartyId). */
export const OPERATOR_PARTY_TYPE: PartyType = 'flexibility_information_system_operator';

/** GS1 Global Location Number: 13 digits, mod-10 check digit with weights 3,1,3,… from the right. */
export function isValidGln(text: string): boolean {
  if (typeof text !== 'string' || !/^[0-9]{13}$/.test(text)) return false;
  let sum = 0;
  // text[11] is the rightmost digit before the check digit and weighs 3.
  for (let i = 0; i < 12; i++) sum += Number(text[11 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10 === Number(text[12]);
}

/** Norwegian organisation number as the contract defines it: the pattern only, no MOD11 check. */
export function isValidOrgNumber(text: string): boolean {
  return typeof text === 'string' && /^[1-9][0-9]{8}$/.test(text);
}

// EIC character values are their index here: 0-9 → 0-9, A-Z → 10-35, '-' → 36.
const EIC_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-';

/**
 * ENTSO-E Energy Identification Code of object type X (a market party):
 * two-digit issuing office, 'X', twelve [0-9A-Z-] and a check character
 * 36 - ((Σ value × weight(16…2) - 1) mod 37), which can never be '-'.
 */
export function isValidEicX(text: string): boolean {
  if (typeof text !== 'string' || !/^[0-9]{2}X[0-9A-Z-]{12}[0-9A-Z]$/.test(text)) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) sum += EIC_ALPHABET.indexOf(text[i]) * (16 - i);
  return EIC_ALPHABET[36 - ((sum - 1) % 37)] === text[15];
}

// No whitespace, control characters or second '@'; a domain of at least two non-empty labels.
const EMAIL = /^[^\s@\x00-\x1f\x7f]{1,64}@[^\s@.\x00-\x1f\x7f]+(\.[^\s@.\x00-\x1f\x7f]+)+$/;

/** A pragmatic e-mail shape, lower case only so that one address has one spelling. */
export function isValidEmailId(text: string): boolean {
  return typeof text === 'string' && text.length <= 254 && text === text.toLowerCase() && EMAIL.test(text);
}

/**
 * Estonian personal identification code (isikukood): a sex-and-century digit
 * 1-6, the date of birth YYMMDD, a serial and a check digit by two passes of
 * mod 11.
 */
export function isValidEstonianIdent(text: string): boolean {
  if (typeof text !== 'string' || !/^[1-6][0-9]{10}$/.test(text)) return false;
  const digits = [...text].map(Number);
  // 1-2 → 1800s, 3-4 → 1900s, 5-6 → 2000s.
  const year = 1800 + Math.floor((digits[0] - 1) / 2) * 100 + Number(text.slice(1, 3));
  const month = Number(text.slice(3, 5));
  const day = Number(text.slice(5, 7));
  // Date.UTC rolls 31 April over to 1 May; a changed month or day means no such date.
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  const weighted = (weights: readonly number[]) => weights.reduce((sum, weight, i) => sum + weight * digits[i], 0) % 11;
  let check = weighted([1, 2, 3, 4, 5, 6, 7, 8, 9, 1]);
  // A remainder of 10 takes the second weights, and 10 again counts as 0.
  if (check === 10) check = weighted([3, 4, 5, 6, 7, 8, 9, 1, 2, 3]) % 10;
  return check === digits[10];
}

/** ETSI EN 319 412-1 natural-person semantics identifier, e.g. PNOEE-37605030299. */
export function isValidPid(text: string): boolean {
  if (typeof text !== 'string') return false;
  const match = /^PNO([A-Z]{2})-([0-9A-Za-z]{1,64})$/.exec(text);
  if (match === null) return false;
  // Only the Estonian code is checked further: its rules are the ones the eID login knows.
  return match[1] !== 'EE' || isValidEstonianIdent(match[2]);
}

/** A UUID in its canonical 8-4-4-4-12 form, all lower or all upper case (one spelling, not a mix). */
export function isValidUuid(text: string): boolean {
  return isUuid(text) && (text === text.toLowerCase() || text === text.toUpperCase());
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID in 8-4-4-4-12 form, in any case (client ids are looked up lower-cased). */
export function isUuid(text: unknown): text is string {
  return typeof text === 'string' && UUID.test(text);
}

type BusinessIdType = EntityBusinessIdType | PartyBusinessIdType;

const CHECKS: Readonly<Record<BusinessIdType, readonly [(text: string) => boolean, string]>> = {
  org: [isValidOrgNumber, 'must be a 9-digit organisation number not starting with 0'],
  email: [isValidEmailId, 'must be a lower-case e-mail address'],
  pid: [isValidPid, 'must be a personal number such as PNOEE-37605030299 (with a valid check digit for EE)'],
  uuid: [isValidUuid, 'must be a UUID (8-4-4-4-12 hexadecimal digits)'],
  gln: [isValidGln, 'must be a 13-digit GLN with a valid GS1 check digit'],
  eic_x: [isValidEicX, 'must be a 16-character EIC code of type X with a valid check character'],
};

const ENTITY_ID_TYPES: Readonly<Record<EntityType, readonly EntityBusinessIdType[]>> = {
  organisation: ['org', 'uuid'],
  person: ['email', 'pid', 'uuid'],
};

/** Null when valid, otherwise a short message saying what is wrong. */
export function validateEntityBusinessId(type: EntityType, idType: string, id: string): string | null {
  // Own properties only: a type of 'toString' must not find Object.prototype's.
  if (!Object.hasOwn(ENTITY_ID_TYPES, type)) return `entity type must be one of ${ENTITY_TYPES.join(', ')}`;
  const allowed = ENTITY_ID_TYPES[type];
  if (!isOneOf(allowed, idType)) return `${type === 'organisation' ? 'an' : 'a'} ${type} is identified by ${allowed.join(', ')}`;
  return check(idType, id);
}

/** Null when valid, otherwise a short message saying what is wrong. */
export function validatePartyBusinessId(idType: string, id: string): string | null {
  if (!isOneOf(PARTY_BUSINESS_ID_TYPES, idType)) return `a party is identified by ${PARTY_BUSINESS_ID_TYPES.join(', ')}`;
  return check(idType, id);
}

/** The role of a token acting for a party of this type (a PartyType, as stored). */
export function partyRole(type: string): string {
  return `flex_${type}`;
}

function check(idType: BusinessIdType, id: string): string | null {
  const [isValid, message] = CHECKS[idType];
  return isValid(id) ? null : message;
}

function isOneOf<T extends string>(allowed: readonly T[], value: string): value is T {
  return (allowed as readonly string[]).includes(value);
}
