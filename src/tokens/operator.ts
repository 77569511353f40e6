import type { Principal } from './access-token.js';

export const OPERATOR_PARTY_TYPE = 'flexibility_information_system_operator';

/** The operator acts for a FIS operator party; its tokens may manage and see everything. */
export function isOperator(principal: Principal): boolean {
  return principal.partyId !== undefined && principal.role === `flex_${OPERATOR_PARTY_TYPE}`;
}
