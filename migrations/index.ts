import { Foundation1763800000000 } from './1763800000000-foundation.js';
import { Registrant1763900000000 } from './1763900000000-registrant.js';
import { AuditTrail1764000000000 } from './1764000000000-audit-trail.js';
import { RevokedTokens1764100000000 } from './1764100000000-revoked-tokens.js';
import { SigningKeyStates1764200000000 } from './1764200000000-signing-key-states.js';
import { DirectoryChangeNotifications1764300000000 } from './1764300000000-directory-change-notifications.js';
import { LoginThrottleAdmission1764400000000 } from './1764400000000-login-throttle-admission.js';
import { SealedSigningKeys1764500000000 } from './1764500000000-sealed-signing-keys.js';
import { RevocationSubjects1764600000000 } from './1764600000000-revocation-subjects.js';
import { OperatorAndCredentialCustody1764700000000 } from './1764700000000-operator-and-credential-custody.js';
import { ClientMetadataAndSecrets1764800000000 } from './1764800000000-client-metadata-and-secrets.js';
import { Processes1764900000000 } from './1764900000000-processes.js';
import { DirectoryNotificationOperation1765000000000 } from './1765000000000-directory-notification-operation.js';
import { AuthorizationCodeFlow1765100000000 } from './1765100000000-authorization-code-flow.js';
import { OperatorSetupLinks1765200000000 } from './1765200000000-operator-setup-links.js';

/** Every migration, in order. TypeORM runs those not yet recorded in the `migrations` table. */
export const MIGRATIONS = [
  Foundation1763800000000,
  Registrant1763900000000,
  AuditTrail1764000000000,
  RevokedTokens1764100000000,
  SigningKeyStates1764200000000,
  DirectoryChangeNotifications1764300000000,
  LoginThrottleAdmission1764400000000,
  SealedSigningKeys1764500000000,
  RevocationSubjects1764600000000,
  OperatorAndCredentialCustody1764700000000,
  ClientMetadataAndSecrets1764800000000,
  Processes1764900000000,
  DirectoryNotificationOperation1765000000000,
  AuthorizationCodeFlow1765100000000,
  OperatorSetupLinks1765200000000,
];
