import { PARTY_BUSINESS_ID_TYPES, PARTY_TYPES, type PartyBusinessIdType, type PartyType } from './business-id.js';

/**
 * The assertion `sub` naming a party: `no:party:<id type>:<business id>`
 * with an optional `:<party type>` to pick one when the id is ambiguous.
 */
export class PartyIdentifier {
  private constructor(
    readonly businessIdType: PartyBusinessIdType,
    readonly businessId: string,
    readonly partyType: PartyType | undefined,
  ) {}

  /** Null when `text` is not of that form. */
  static parse(text: string): PartyIdentifier | null {
    const parts = text.split(':');
    if ((parts.length !== 4 && parts.length !== 5) || parts[0] !== 'no' || parts[1] !== 'party') return null;
    const [, , idType, businessId, partyType] = parts;
    if (!(PARTY_BUSINESS_ID_TYPES as readonly string[]).includes(idType) || businessId.length === 0 || businessId.length > 64) return null;
    if (partyType !== undefined && !(PARTY_TYPES as readonly string[]).includes(partyType)) return null;
    const normalizedId = idType === 'uuid' ? businessId.toLowerCase() : businessId;
    return new PartyIdentifier(idType as PartyBusinessIdType, normalizedId, partyType as PartyType | undefined);
  }

  matches(party: { businessIdType: string; businessId: string; type: string }): boolean {
    return (
      party.businessIdType === this.businessIdType &&
      party.businessId === this.businessId &&
      (this.partyType === undefined || party.type === this.partyType)
    );
  }
}
