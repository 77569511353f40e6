import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { BearerTokenError } from '../common/protocol-errors.js';
import { Principal } from './principal.js';
import { RegistrantTokens } from './registrant-tokens.service.js';
import { type PresentedAccessToken, SenderBinding } from './sender-constraint/sender-binding.service.js';
import { TokenReader } from './token-reader.service.js';

// RFC 6750 §2.1 b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
// RFC 9449 §7.1: the same token68, under the DPoP scheme.
const DPOP = /^DPoP +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Reads `Authorization: Bearer …`; no credentials, bad syntax and bad tokens get their RFC 6750 answers. */
export function extractBearerToken(header: string | string[] | undefined): string {
  if (header === undefined || Array.isArray(header) || !/^Bearer(\s|$)/i.test(header)) throw BearerTokenError.missing();
  const match = BEARER.exec(header);
  if (match === null) throw BearerTokenError.malformed('The Authorization header is not a valid Bearer credential');
  return match[1];
}

/** `Authorization: DPoP …` or `Bearer …`, with their RFC 6750 / RFC 9449 answers to anything else. */
export function extractAccessToken(header: string | string[] | undefined, dpopAlgs: readonly string[]): PresentedAccessToken {
  if (typeof header !== 'string' || !/^DPoP(\s|$)/i.test(header)) return { scheme: 'Bearer', token: extractBearerToken(header) };
  const match = DPOP.exec(header);
  if (match === null) throw BearerTokenError.malformed('The Authorization header is not a valid DPoP credential', dpopAlgs);
  return { scheme: 'DPoP', token: match[1] };
}

/**
 * Either kind of token: a JWT access token (it has dots) or a registrant
 * token (base64url, no dots), as a bearer token or, bound to a DPoP key,
 * with the DPoP scheme; then its sender must hold what it is bound to.
 */
@Injectable()
export class BearerTokenAuthenticator {
  constructor(
    private readonly tokens: TokenReader,
    private readonly binding: SenderBinding,
  ) {}

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const presented = extractAccessToken(request.headers.authorization, this.binding.dpopAlgs);
    const read = await this.tokens.read(presented.token);
    if (read === null) throw BearerTokenError.invalid(undefined, presented.scheme === 'DPoP' ? this.binding.dpopAlgs : undefined);
    await this.binding.check(request, presented, read.kind === 'access_token' ? read.claims.cnf : undefined);
    return read.principal;
  }
}

/** Registrant tokens only: for routes that a person, not a machine, calls. */
@Injectable()
export class RegistrantTokenAuthenticator {
  constructor(private readonly registrantTokens: RegistrantTokens) {}

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const payload = await this.registrantTokens.verify(extractBearerToken(request.headers.authorization));
    if (payload === null) throw BearerTokenError.invalid();
    return Principal.fromRegistrantToken(payload);
  }
}
