import { Injectable } from '@nestjs/common';
import { OAuthError } from '../common/protocol-errors.js';
import { Metrics } from '../health/metrics.service.js';
import { GrantRegistry } from './grants/grant-registry.js';
import type { TokenForm, TokenResponse } from './grants/grant.js';

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;
const MAX_PARAMETERS = 32;

/** RFC 6749 §3.2 request rules shared by every grant, then dispatch by grant_type. */
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
    if (contentType === undefined || !FORM_CONTENT_TYPE.test(contentType)) {
      throw new OAuthError('invalid_request', 'The request body must be application/x-www-form-urlencoded');
    }
    // RFC 6749 Appendix B: the form is UTF-8; any other declared charset would be misread.
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1];
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
      throw new OAuthError('invalid_request', 'The form must be encoded in UTF-8');
    }
    const form = toForm(body);
    const type = form.get('grant_type');
    if (type === undefined || type === '') throw new OAuthError('invalid_request', 'The grant_type parameter is required');
    const grant = this.registry.get(type);
    if (grant === undefined) throw new OAuthError('unsupported_grant_type', 'This grant_type is not supported');
    named(grant.metricName);
    return grant.exchange(new Map([...form].filter(([name]) => grant.parameters.has(name))));
  }
}

/** Parameters must not repeat (RFC 6749 §3.2); anything else a parser produced is refused too. */
function toForm(body: unknown): TokenForm {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new OAuthError('invalid_request', 'The request body is empty or not a form');
  }
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.length > MAX_PARAMETERS) throw new OAuthError('invalid_request', 'The request has too many parameters');
  const form = new Map<string, string>();
  for (const [name, value] of entries) {
    if (Array.isArray(value)) throw new OAuthError('invalid_request', `The parameter ${name.slice(0, 40)} is repeated`);
    if (typeof value !== 'string') throw new OAuthError('invalid_request', 'The request body is not a form');
    // The form decoder turns bytes that are not UTF-8 into U+FFFD; no honest parameter contains it.
    if (value.includes('\uFFFD') || name.includes('\uFFFD')) throw new OAuthError('invalid_request', 'The form must be encoded in UTF-8');
    form.set(name, value);
  }
  return form;
}
