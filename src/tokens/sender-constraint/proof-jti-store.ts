/**
 * Single use of DPoP proof `jti`s across every replica. tokens/ declares
 * what it needs; oauth/'s jti store (ReplayStore) provides it, to every
 * module (ReplayModule is global), so the guard here need not import upward.
 */
export abstract class ProofJtiStore {
  /** True when no proof of the key `jkt` used this jti before; the claim holds until `acceptedUntil`. */
  abstract claimProof(jkt: string, jti: string, acceptedUntil: Date): Promise<boolean>;
}
