import { Inject, Injectable } from '@nestjs/common';
import type { X509Certificate } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { acceptsClientCertificates } from '../config/tls-config.js';
import { verifyEidCertificate } from '../crypto/eid-certificate.js';
import { DirectoryStore } from '../directory/directory-store.js';

/** RFC 8176: a smart card's hardware key, unlocked by its PIN: two factors. */
export const ID_CARD_AMR = ['sc', 'hwk', 'pin', 'mfa'];

/**
 * Logging in with an ID card at the login page: the browser presents the
 * card's authentication certificate over the issuer's TLS listener (or a
 * trusted proxy forwards it), checked against EID_TRUSTED_CA_FILE as the
 * registrant endpoint checks one. Only a person already known by that
 * personal identifier logs in: a card opens an account here, it does not make one.
 */
@Injectable()
export class IdCardLogin {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: DirectoryStore,
  ) {}

  /** Whether the login page offers it: eID CAs are trusted and certificates can reach the service. */
  get offered(): boolean {
    return this.config.eidTrustedCas.length > 0 && (this.config.tls.listener !== undefined || acceptsClientCertificates(this.config.tls));
  }

  /** The person the certificate is, or a refusal in words. */
  async person(certificate: X509Certificate | undefined): Promise<{ readonly entityId: number } | { readonly problem: string }> {
    if (!this.offered) return { problem: 'Logging in with an ID card is not offered here.' };
    if (certificate === undefined) return { problem: 'No ID card came with the request. Insert the card, choose its certificate when the browser asks, and enter its PIN.' };
    const identity = verifyEidCertificate(certificate.toString(), this.config.eidTrustedCas);
    if (identity === null) return { problem: 'This ID card\'s certificate is not accepted here (not issued by a trusted CA, or expired).' };
    const person = await this.store.findByPid(`PNO${identity.countryCode}-${identity.ident}`);
    if (person === null || person.type !== 'person' || person.status !== 'active') return { problem: 'No active account here belongs to this ID card.' };
    return { entityId: person.id };
  }
}
