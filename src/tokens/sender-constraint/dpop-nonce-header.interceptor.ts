import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { DpopProofs } from './dpop-proofs.service.js';

/**
 * RFC 9449 §8.2: the token endpoint hands a fresh DPoP-Nonce to every
 * request that sent a proof (when DPOP_NONCE is on), so a client's next
 * proof carries it without a use_dpop_nonce round trip.
 */
@Injectable()
export class DpopNonceHeader implements NestInterceptor {
  constructor(private readonly dpop: DpopProofs) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const nonce = this.dpop.currentNonce();
    if (nonce !== undefined && context.switchToHttp().getRequest<FastifyRequest>().headers.dpop !== undefined) {
      context.switchToHttp().getResponse<FastifyReply>().header('dpop-nonce', nonce);
    }
    return next.handle();
  }
}
