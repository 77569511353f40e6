import { Inject, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { BearerTokenError, RegistrantError } from '../common/protocol-errors.js';
import { isValidEstonianIdent } from '../crypto/business-id.js';
import { verifyEidCertificate } from '../crypto/eid-certificate.js';
import { DirectoryService } from '../directory/directory.service.js';
import { Metrics } from '../health/metrics.service.js';
import { AccessTokenVerifier } from '../tokens/access-token.js';
import { extractBearerToken } from '../tokens/bearer-token.strategy.js';
import { RegistrantTokens } from '../tokens/registrant-tokens.service.js';
import { LoginThrottle } from './login-throttle.service.js';
import { RegistrantCredentials } from './registrant-credentials.service.js';
import { EidLoginDto, PasswordLoginDto } from './registrant-login.dto.js';
import { normalizeUsername } from './username.js';

export interface RegistrantLoginResponse {
  readonly access_token: string;
  /** "2018-07-13 11:30:51 UTC", as the registry has always written it. */
  readonly expires_at: string;
  readonly type: 'Bearer';
}

export const EID_SCOPE = 'use:registrant:eid';
const OUTCOMES: Record<number, string> = { 401: 'not_authorized', 422: 'invalid', 429: 'throttled', 503: 'unavailable' };
const MAX_NAME_LENGTH = 255;

/** Registrant login: a username and password, or eID values (or a certificate) from a trusted partner. */
@Injectable()
export class RegistrantLoginService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly credentials: RegistrantCredentials,
    private readonly throttle: LoginThrottle,
    private readonly directory: DirectoryService,
    private readonly accessTokens: AccessTokenVerifier,
    private readonly tokens: RegistrantTokens,
    private readonly metrics: Metrics,
  ) {}

  /** Counts every login by kind and outcome, then answers it. */
  async login(body: unknown, clientAddress: string, authorization: string | undefined): Promise<RegistrantLoginResponse> {
    const fields = (body !== null && typeof body === 'object' && !Array.isArray(body) ? body : undefined) as Record<string, unknown> | undefined;
    const kind = fields !== undefined && ('username' in fields || 'password' in fields) ? 'password' : 'eid';
    try {
      if (fields === undefined) throw RegistrantError.invalid({ base: ['The request body must be a JSON object'] });
      const response = kind === 'password' ? await this.passwordLogin(fields, clientAddress) : await this.eidLogin(fields, authorization);
      this.metrics.login(`registrant-${kind}`, 'success');
      return response;
    } catch (error) {
      this.metrics.login(`registrant-${kind}`, error instanceof RegistrantError ? OUTCOMES[error.status] ?? 'error' : 'error');
      throw error;
    }
  }

  private async passwordLogin(body: Record<string, unknown>, clientAddress: string): Promise<RegistrantLoginResponse> {
    const input = validated(PasswordLoginDto, body);
    const keys = [`user:${normalizeUsername(input.username)}`, `addr:${clientAddress}`];
    const throttle = await this.throttle.check(keys);
    if (throttle.retryAfter > 0) throw RegistrantError.throttled(throttle.retryAfter);

    const holder = await this.credentials.find(input.username);
    // The same work and the same answer whether or not the username exists.
    const verified = holder === null
      ? await this.credentials.hasher.verifyNothing(input.password)
      : await this.credentials.hasher.verify(holder.passwordHash, input.password);
    if (!verified || holder === null || holder.entity.type !== 'person' || holder.entity.status !== 'active') {
      await this.throttle.recordFailure(keys);
      throw RegistrantError.notAuthorized();
    }
    await this.throttle.recordSuccess(keys[0], throttle.recorded);
    return this.respond(holder.entity);
  }

  private async eidLogin(body: Record<string, unknown>, authorization: string | undefined): Promise<RegistrantLoginResponse> {
    await this.authorizePartner(authorization);
    const input = validated(EidLoginDto, body);
    const values = input.certificate === undefined ? valuesOf(input) : this.valuesFromCertificate(input);
    const entity = await this.directory.upsertPersonByPid(`PNO${values.countryCode}-${values.ident}`, `${values.firstName} ${values.lastName}`);
    if (entity === null || entity.status !== 'active') throw RegistrantError.notAuthorized();
    return this.respond(entity);
  }

  /** The partner's own access token must cover use:registrant:eid (manage:auth does not). */
  private async authorizePartner(authorization: string | undefined): Promise<void> {
    let token: string;
    try {
      token = extractBearerToken(authorization);
    } catch (error) {
      if (error instanceof BearerTokenError) throw RegistrantError.notAuthorized();
      throw error;
    }
    const partner = await this.accessTokens.verify(token);
    if (partner === null || !partner.scope.covers(EID_SCOPE)) throw RegistrantError.notAuthorized();
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

  private respond(entity: { id: number; eid: string; name: string }): RegistrantLoginResponse {
    const { token, expiresAt } = this.tokens.issue(entity);
    return { access_token: token, expires_at: `${expiresAt.toISOString().slice(0, 19).replace('T', ' ')} UTC`, type: 'Bearer' };
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

function validated<T extends object>(type: new () => T, body: Record<string, unknown>): T {
  const instance = plainToInstance(type, body);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw RegistrantError.invalid(Object.fromEntries(errors.map((error) => [
      error.property,
      Object.values(error.constraints ?? {}).map((message) => message.replace(/^property \S+ should not exist$/, 'is not a known field')),
    ])));
  }
  return instance;
}
