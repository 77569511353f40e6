import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { BearerTokenError } from '../common/protocol-errors.js';
import { Principal } from './principal.js';
import { RegistrantTokens } from './registrant-tokens.service.js';
import { TokenReader } from './token-reader.service.js';

// RFC 6750 §2.1 b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Reads `Authorization: Bearer …`; no credentials, bad syntax and bad tokens get their RFC 6750 answers. */
export function extractBearerToken(header: string | string[] | undefined): string {
  if (header === undefined || Array.isArray(header) || !/^Bearer(\s|$)/i.test(header)) throw BearerTokenError.missing();
  const match = BEARER.exec(header);
  if (match === null) throw BearerTokenError.malformed('The Authorization header is not a valid Bearer credential');
  return match[1];
}

/** Either kind of token: a JWT access token (it has dots) or a registrant token (base64url, no dots). */
@Injectable()
export class BearerTokenStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(private readonly tokens: TokenReader) {
    super();
  }

  async validate(request: FastifyRequest): Promise<Principal> {
    const read = await this.tokens.read(extractBearerToken(request.headers.authorization));
    if (read === null) throw BearerTokenError.invalid();
    return read.principal;
  }
}

/** Registrant tokens only: for routes that a person, not a machine, calls. */
@Injectable()
export class RegistrantTokenStrategy extends PassportStrategy(Strategy, 'registrant') {
  constructor(private readonly registrantTokens: RegistrantTokens) {
    super();
  }

  async validate(request: FastifyRequest): Promise<Principal> {
    const payload = await this.registrantTokens.verify(extractBearerToken(request.headers.authorization));
    if (payload === null) throw BearerTokenError.invalid();
    return Principal.fromRegistrantToken(payload);
  }
}
