import { Injectable } from '@nestjs/common';
import { OAuthError } from '../common/protocol-errors.js';
import { Metrics } from '../health/metrics.service.js';
import { GrantRegistry } from './grants/grant-registry.js';
import type { TokenResponse } from './grants/grant.js';
import { readForm } from './form-body.js';


/** The form rules shared by every grant (readForm), then dispatch by grant_type. */
@Injectable()
export class TokenEndpointService {
  constructor(
    private readonly registry: GrantRegistry,
    private readonly metrics: Metrics,
  ) {}

  /** Counts every request by grant and outcome, then answers it. */
  async exchange(contentType: string | undefined, body: unknown): Promise<TokenResponse> {
    let grant = 'unknown';
    try {
      const response = await this.dispatch(contentType, body, (type) => (grant = type));
      this.metrics.login(grant, 'success');
      return response;
    } catch (error) {
      this.metrics.login(grant, error instanceof OAuthError ? error.code : 'error');
      throw error;
    }
  }

  private async dispatch(contentType: string | undefined, body: unknown, named: (grant: string) => void): Promise<TokenResponse> {
    const form = readForm(contentType, body);
    const type = form.get('grant_type');
    if (type === undefined || type === '') throw new OAuthError('invalid_request', 'The grant_type parameter is required');
    const grant = this.registry.get(type);
    if (grant === undefined) throw new OAuthError('unsupported_grant_type', 'This grant_type is not supported');
    named(grant.metricName);
    return grant.exchange(new Map([...form].filter(([name]) => Object.hasOwn(grant.parameters, name))));
  }
}
