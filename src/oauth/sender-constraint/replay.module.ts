import { createHash } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import { ProofJtiStore } from '../../tokens/sender-constraint/proof-jti-store.js';
import { ReplayStore } from '../replay-store.js';

/**
 * The jti store, for assertions and for DPoP proofs. Global, so that the
 * resource guard in tokens/ (below oauth/) reaches it through the port it
 * declares (ProofJtiStore) without importing upward.
 */
@Global()
@Module({
  providers: [
    ReplayStore,
    { provide: ProofJtiStore, useFactory: (replays: ReplayStore): ProofJtiStore => ({ claimProof: (jkt, jti, until) => replays.claim(proofKeyId(jkt), jti, until) }), inject: [ReplayStore] },
  ],
  exports: [ReplayStore, ProofJtiStore],
})
export class ReplayModule {}

/**
 * The store keys jtis by client id (a uuid column); a proof's jtis are the
 * key's own, so they are kept under a UUID derived from its thumbprint
 * (SHA-256, shaped as an RFC 9562 version 8 UUID), which no client id is.
 */
function proofKeyId(jkt: string): string {
  const bytes = createHash('sha256').update(`dpop-jkt:${jkt}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
