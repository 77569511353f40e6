import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { QueueFullError } from '../common/concurrency-limit.js';
import { RegistrantError } from '../common/protocol-errors.js';
import { ThrottledError } from '../common/throttled-error.js';
import type { RegistrantLoginResponse } from '../contract/wire.js';
import { Metrics } from '../health/metrics.service.js';
import { RegistrantTokens } from '../tokens/registrant-tokens.service.js';
import { EidLoginService } from './eid-login.service.js';
import { PasswordCheck } from './password-check.service.js';
import { EidLoginDto, PasswordLoginDto } from './registrant-login.dto.js';

const OUTCOMES: Record<number, string> = { 401: 'not_authorized', 422: 'invalid', 429: 'throttled', 503: 'unavailable' };

/** Registrant login: a username and password, or eID values (or a certificate) from a trusted partner. */
@Injectable()
export class RegistrantLoginService {
  constructor(
    private readonly passwords: PasswordCheck,
    private readonly eid: EidLoginService,
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
      this.metrics.login(`registrant-${kind}`, error instanceof RegistrantError ? OUTCOMES[error.status] ?? 'error' : error instanceof QueueFullError ? 'unavailable' : 'error');
      throw error;
    }
  }

  private async passwordLogin(body: Record<string, unknown>, clientAddress: string): Promise<RegistrantLoginResponse> {
    const input = validated(PasswordLoginDto, body);
    let person: Awaited<ReturnType<PasswordCheck['check']>>;
    try {
      person = await this.passwords.check(input.username, input.password, clientAddress);
    } catch (error) {
      if (error instanceof ThrottledError) throw RegistrantError.throttled(error.retryAfterSeconds);
      throw error;
    }
    if (person === null) throw RegistrantError.notAuthorized();
    return this.respond(person);
  }

  private async eidLogin(body: Record<string, unknown>, authorization: string | undefined): Promise<RegistrantLoginResponse> {
    const partner = await this.eid.authorizePartner(authorization);
    return this.respond(await this.eid.person(validated(EidLoginDto, body), partner));
  }

  private respond(entity: { id: number; eid: string; name: string }): RegistrantLoginResponse {
    const { token, expiresAt } = this.tokens.issue(entity);
    return { access_token: token, expires_at: `${expiresAt.toISOString().slice(0, 19).replace('T', ' ')} UTC`, type: 'Bearer' };
  }
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
