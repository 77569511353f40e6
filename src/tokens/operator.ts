/** The party type of the operator's party. Being of this type gives no power: only the one marked operator party does (DirectoryService.operatorPartyId). */
export const OPERATOR_PARTY_TYPE = 'flexibility_information_system_operator';
