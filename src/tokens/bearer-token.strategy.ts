import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { BearerTokenError } from '../common/protocol-errors.js';
import { AccessTokenPrincipal, AccessTokenVerifier } from './access-token.js';

// RFC 6750 §2.1 b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Reads `Authorization: Bearer …`; no credentials, bad syntax and bad tokens get their RFC 6750 answers. */
export function extractBearerToken(header: string | string[] | undefined): string {
  if (header === undefined || Array.isArray(header) || !/^Bearer(\s|$)/i.test(header)) throw BearerTokenError.missing();
  const match = BEARER.exec(header);
  if (match === null) throw BearerTokenError.malformed('The Authorization header is not a valid Bearer credential');
  return match[1];
}

@Injectable()
export class BearerTokenStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(private readonly verifier: AccessTokenVerifier) {
    super();
  }

  async validate(request: FastifyRequest): Promise<AccessTokenPrincipal> {
    const principal = await this.verifier.verify(extractBearerToken(request.headers.authorization));
    if (principal === null) throw BearerTokenError.invalid();
    return principal;
  }
}
