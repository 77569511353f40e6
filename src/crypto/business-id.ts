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

/** GS1 Global Location Number: 13 digits, mod-10 check digit with weights 3,1 from the right. */
export function isValidGln(text: string): boolean {
  if (!/^[0-9]{13}$/.test(text)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(text[11 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10 === Number(text[12]);
}

/** Norwegian organisation number as the contract defines it (pattern only). */
export function isValidOrgNumber(text: string): boolean {
  return /^[1-9][0-9]{8}$/.test(text);
}

const EIC_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-';

/** ENTSO-E Energy Identification Code of object type X (a party), with its check character. */
export function isValidEicX(text: string): boolean {
  if (!/^[0-9]{2}X[0-9A-Z-]{12}[0-9A-Z]$/.test(text)) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) sum += EIC_ALPHABET.indexOf(text[i]) * (16 - i);
  return EIC_ALPHABET[36 - ((sum - 1) % 37)] === text[15];
}

/** A pragmatic e-mail shape, lower case only so one address has one spelling. */
export function isValidEmailId(text: string): boolean {
  return text.length <= 254 && text === text.toLowerCase() && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(text);
}

/** Estonian personal identification code: century/sex digit, birth date, two-pass mod-11 check digit. */
export function isValidEstonianIdent(text: string): boolean {
  if (!/^[1-6][0-9]{10}$/.test(text)) return false;
  const digits = [...text].map(Number);
  const century = 1800 + Math.floor((digits[0] - 1) / 2) * 100;
  const year = century + Number(text.slice(1, 3));
  const month = Number(text.slice(3, 5));
  const day = Number(text.slice(5, 7));
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  const weighted = (weights: number[]) => weights.reduce((sum, weight, i) => sum + weight * digits[i], 0) % 11;
  let check = weighted([1, 2, 3, 4, 5, 6, 7, 8, 9, 1]);
  if (check === 10) check = weighted([3, 4, 5, 6, 7, 8, 9, 1, 2, 3]) % 10;
  return check === digits[10];
}

/** ETSI EN 319 412-1 natural-person semantics identifier, e.g. PNOEE-30110100103. */
export function isValidPid(text: string): boolean {
  const match = /^PNO([A-Z]{2})-([0-9A-Za-z]{1,64})$/.exec(text);
  if (match === null) return false;
  return match[1] !== 'EE' || isValidEstonianIdent(match[2]);
}

export function isValidUuid(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);
}

const CHECKS: Record<string, [(text: string) => boolean, string]> = {
  org: [isValidOrgNumber, 'must be a 9-digit organisation number not starting with 0'],
  email: [isValidEmailId, 'must be a lower-case e-mail address'],
  pid: [isValidPid, 'must be a personal number such as PNOEE-30110100103 (with a valid check digit for EE)'],
  uuid: [isValidUuid, 'must be a UUID'],
  gln: [isValidGln, 'must be a 13-digit GLN with a valid GS1 check digit'],
  eic_x: [isValidEicX, 'must be a 16-character EIC code of type X with a valid check character'],
};

const ENTITY_ID_TYPES: Record<EntityType, readonly EntityBusinessIdType[]> = {
  organisation: ['org', 'uuid'],
  person: ['email', 'pid', 'uuid'],
};

/** Null when valid, otherwise what is wrong. */
export function validateEntityBusinessId(type: EntityType, idType: string, id: string): string | null {
  const allowed = ENTITY_ID_TYPES[type];
  if (allowed === undefined) return 'unknown entity type';
  if (!(allowed as readonly string[]).includes(idType)) return `an ${type} is identified by ${allowed.join(', ')}`;
  const [check, message] = CHECKS[idType];
  return check(id) ? null : message;
}

export function validatePartyBusinessId(idType: string, id: string): string | null {
  if (!(PARTY_BUSINESS_ID_TYPES as readonly string[]).includes(idType)) return `a party is identified by ${PARTY_BUSINESS_ID_TYPES.join(', ')}`;
  const [check, message] = CHECKS[idType];
  return check(id) ? null : message;
}

export function partyRole(type: PartyType): string {
  return `flex_${type}`;
}
