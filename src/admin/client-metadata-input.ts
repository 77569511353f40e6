import { ProblemError } from '../common/protocol-errors.js';
import { DistinguishedNameError, parseDistinguishedName } from '../crypto/distinguished-name.js';
import type { EntityClientRecord } from '../directory/records/entity-client-record.js';
import { type ClientMetadata, clientMetadataProblems } from '../model/client-metadata.js';
import type { ClientMetadataDto } from './entity-client.dto.js';

/** A client's metadata as stored. */
export function metadataOf(client: EntityClientRecord): ClientMetadata {
  return {
    grantTypes: client.grantTypes,
    tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
    redirectUris: client.redirectUris,
    postLogoutRedirectUris: client.postLogoutRedirectUris,
    requirePushedAuthorizationRequests: client.requirePushedAuthorizationRequests,
    tlsClientAuthSubjectDn: client.tlsClientAuthSubjectDn,
    dpopBoundAccessTokens: client.dpopBoundAccessTokens,
    tlsClientCertificateBoundAccessTokens: client.tlsClientCertificateBoundAccessTokens,
  };
}

/**
 * The metadata a request asks for, each field it sends over `current`,
 * checked as a whole (a 422 naming every field at fault). `hasKey`: the
 * client will have a registered key.
 */
export function metadataFrom(input: ClientMetadataDto, current: ClientMetadata, hasKey: boolean): ClientMetadata {
  const metadata: ClientMetadata = {
    grantTypes: input.grant_types ?? current.grantTypes,
    tokenEndpointAuthMethod: input.token_endpoint_auth_method ?? current.tokenEndpointAuthMethod,
    redirectUris: input.redirect_uris ?? current.redirectUris,
    postLogoutRedirectUris: input.post_logout_redirect_uris ?? current.postLogoutRedirectUris,
    requirePushedAuthorizationRequests: input.require_pushed_authorization_requests ?? current.requirePushedAuthorizationRequests,
    tlsClientAuthSubjectDn: input.tls_client_auth_subject_dn === undefined ? current.tlsClientAuthSubjectDn : input.tls_client_auth_subject_dn,
    dpopBoundAccessTokens: input.dpop_bound_access_tokens ?? current.dpopBoundAccessTokens,
    tlsClientCertificateBoundAccessTokens: input.tls_client_certificate_bound_access_tokens ?? current.tlsClientCertificateBoundAccessTokens,
  };
  const problems = clientMetadataProblems(metadata, hasKey);
  const dnProblem = subjectDnProblem(metadata.tlsClientAuthSubjectDn);
  if (dnProblem !== null) (problems.tls_client_auth_subject_dn ??= []).push(dnProblem);
  if (Object.keys(problems).length > 0) throw ProblemError.validation(problems);
  return metadata;
}

/**
 * Whether a change lets someone new use the client: another way to
 * authenticate, another grant, another place to send codes, or tokens no
 * longer bound to their holder (a stolen one would then work).
 */
export function widensUse(before: ClientMetadata, after: ClientMetadata): boolean {
  const added = (from: readonly string[], to: readonly string[]) => to.some((item) => !from.includes(item));
  return before.tokenEndpointAuthMethod !== after.tokenEndpointAuthMethod
    || added(before.grantTypes, after.grantTypes)
    || added(before.redirectUris, after.redirectUris)
    || before.tlsClientAuthSubjectDn !== after.tlsClientAuthSubjectDn
    || (before.dpopBoundAccessTokens && !after.dpopBoundAccessTokens)
    || (before.tlsClientCertificateBoundAccessTokens && !after.tlsClientCertificateBoundAccessTokens);
}

/** A subject DN is compared as a parsed name (RFC 4514), so it must parse: null when it does (or is unset). */
function subjectDnProblem(dn: string | null): string | null {
  if (dn === null) return null;
  try {
    parseDistinguishedName(dn);
    return null;
  } catch (error) {
    if (error instanceof DistinguishedNameError) return `is not an RFC 4514 distinguished name such as CN=pc1,O=Testkraft AS,C=NO: ${error.message}`;
    throw error;
  }
}
