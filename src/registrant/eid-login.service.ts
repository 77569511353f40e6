import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { BearerTokenError, RegistrantError } from '../common/protocol-errors.js';
import { isValidEstonianIdent } from '../model/business-id.js';
import { verifyEidCertificate } from '../crypto/eid-certificate.js';
import { AuditTrail } from '../audit/audit-trail.service.js';
import { DirectoryStore } from '../directory/directory-store.js';
import { type PersonByPid, PersonLookup } from '../directory/lookups.js';
import { AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import { type Principal } from '../tokens/principal.js';
import { extractBearerToken } from '../tokens/bearer-token-authenticator.js';
import { PrincipalStanding } from '../tokens/principal-standing.service.js';
import type { EidLoginDto } from './registrant-login.dto.js';

export const EID_SCOPE = 'use:registrant:eid';
const MAX_NAME_LENGTH = 255;

/**
 * The person an eID login is for. A trusted partner vouches for her: with
 * the values alone it is the partner's word (nothing from the person is
 * checked), with a certificate it is the certificate's subject, chained to a
 * CA in EID_TRUSTED_CA_FILE. An unknown identity becomes a person, a known
 * one is renamed when her name changed; either is written to the audit
 * trail in the same transaction, with the partner client that vouched.
 */
@Injectable()
export class EidLoginService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: DirectoryStore,
    private readonly persons: PersonLookup,
    private readonly accessTokens: AccessTokenVerifier,
    private readonly standing: PrincipalStanding,
    private readonly audit: AuditTrail,
  ) {}

  /** The person `partner` (from authorizePartner) vouches for with `input`. */
  async person(input: EidLoginDto, partner: Principal): Promise<PersonByPid> {
    const values = input.certificate === undefined ? valuesOf(input) : this.valuesFromCertificate(input);
    const pid = `PNO${values.countryCode}-${values.ident}`;
    const name = `${values.firstName} ${values.lastName}`;
    const via = { via: 'eid_login', certificate: input.certificate !== undefined };
    // An unchanged person is only read, from the directory cache (which follows every change within a
    // second): a returning person costs no round trip, and a write would be a notification to every replica.
    let person = await this.persons.findByPid(pid);
    if (person === null) {
      // A new person changes no cached answer anywhere ('none-cached'): first logins leave the caches warm.
      person = await this.audit.audited(partner, async (tx) => {
        const created = await this.store.createPersonByPid(pid, name, tx);
        const after = { name, business_id: pid, business_id_type: 'pid', type: 'person' };
        return { result: created, change: created === null ? null : { action: 'entity.create', targetType: 'entity', targetId: created.id, entityId: created.id, diff: { after, ...via } } };
      }, 'none-cached') ?? await this.store.findByPid(pid); // null: a concurrent login created her first
    }
    if (person !== null && person.type === 'person' && person.name !== name) {
      person = await this.audit.audited(partner, async (tx) => {
        const renamed = await this.store.renamePersonByPid(pid, name, tx);
        if (renamed === null) return { result: null, change: null };
        const { previousName, ...current } = renamed;
        const change = previousName === name ? null : { action: 'entity.update', targetType: 'entity', targetId: current.id, entityId: current.id, diff: { before: { name: previousName }, after: { name }, ...via } };
        return { result: current, change };
      });
    }
    if (person === null || person.type !== 'person' || person.status !== 'active') throw RegistrantError.notAuthorized();
    return person;
  }

  /** The partner's own access token must stand now and cover use:registrant:eid (manage:auth does not). */
  async authorizePartner(authorization: string | undefined): Promise<Principal> {
    let token: string;
    try {
      token = extractBearerToken(authorization);
    } catch (error) {
      if (error instanceof BearerTokenError) throw RegistrantError.notAuthorized();
      throw error;
    }
    // A sender-constrained token is refused here: this endpoint takes bearer tokens only, and a bound one used as such would be a stolen one's way in.
    const verified = await this.accessTokens.verify(token);
    const partner = verified === null || verified.claims?.cnf !== undefined ? null : await this.standing.check(verified);
    if (partner === null || !partner.scope.covers(EID_SCOPE)) throw RegistrantError.notAuthorized();
    return partner;
  }

  /** The certificate's subject is the truth; values sent beside it must agree with it. */
  private valuesFromCertificate(input: EidLoginDto): EidValues {
    const identity = verifyEidCertificate(input.certificate!, this.config.eidTrustedCas);
    if (identity === null) throw RegistrantError.notAuthorized();
    const fromCertificate = valuesOf({ ident: identity.ident, first_name: identity.firstName, last_name: identity.lastName, country_code: identity.countryCode });
    const same = (given: string | undefined, actual: string) => given === undefined || given.trim().toLocaleUpperCase('en') === actual.toLocaleUpperCase('en');
    if (!same(input.ident, fromCertificate.ident) || !same(input.first_name, fromCertificate.firstName) ||
        !same(input.last_name, fromCertificate.lastName) || !same(input.country_code, fromCertificate.countryCode)) {
      throw RegistrantError.notAuthorized();
    }
    return fromCertificate;
  }
}

interface EidValues {
  readonly ident: string;
  readonly countryCode: string;
  readonly firstName: string;
  readonly lastName: string;
}

/** Required values, trimmed and checked: names non-empty and ≤ 255, Estonian idents by their check digit. */
function valuesOf(input: Pick<EidLoginDto, 'ident' | 'first_name' | 'last_name' | 'country_code'>): EidValues {
  const errors: Record<string, string[]> = {};
  const countryCode = input.country_code ?? 'EE';
  const ident = input.ident?.trim();
  if (!ident) errors.ident = ['is required'];
  else if (countryCode === 'EE' && !isValidEstonianIdent(ident)) errors.ident = ['is invalid'];
  else if (!/^[0-9A-Za-z]{1,64}$/.test(ident)) errors.ident = ['is invalid'];
  const name = (field: 'first_name' | 'last_name') => {
    const value = input[field]?.trim() ?? '';
    if (value === '') errors[field] = ['is required'];
    else if (value.length > MAX_NAME_LENGTH) errors[field] = [`is too long (at most ${MAX_NAME_LENGTH} characters)`];
    return value;
  };
  const firstName = name('first_name');
  const lastName = name('last_name');
  if (Object.keys(errors).length > 0) throw RegistrantError.invalid(errors);
  return { ident: ident!, countryCode, firstName, lastName };
}
