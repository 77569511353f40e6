import { parsePublicKey, type RegisteredPublicKey } from '../crypto/public-key.js';
import { isUuid } from '../model/business-id.js';

/** The operator client made at start-up from BOOTSTRAP_OPERATOR_*. */
export interface BootstrapOperator {
  readonly clientId: string;
  readonly publicKey: RegisteredPublicKey;
  readonly name: string;
}

/** BOOTSTRAP_OPERATOR_*: both or neither; the client id a UUID, the key one we accept. */
export function parseBootstrap(
  env: NodeJS.ProcessEnv,
  value: (name: string) => string | undefined,
  problems: string[],
): BootstrapOperator | undefined {
  const clientId = value('BOOTSTRAP_OPERATOR_CLIENT_ID');
  const publicKey = env.BOOTSTRAP_OPERATOR_PUBLIC_KEY?.trim() || undefined;
  if (clientId === undefined && publicKey === undefined) return undefined;
  if (clientId === undefined || publicKey === undefined) {
    problems.push('BOOTSTRAP_OPERATOR_CLIENT_ID and BOOTSTRAP_OPERATOR_PUBLIC_KEY must be set together');
    return undefined;
  }
  if (!isUuid(clientId)) {
    problems.push(`BOOTSTRAP_OPERATOR_CLIENT_ID must be a UUID (got "${clientId}")`);
    return undefined;
  }
  try {
    return { clientId: clientId.toLowerCase(), publicKey: parsePublicKey(publicKey), name: value('BOOTSTRAP_OPERATOR_NAME') ?? 'FIS Operator' };
  } catch (error) {
    problems.push(`BOOTSTRAP_OPERATOR_PUBLIC_KEY is not an acceptable public key: ${(error as Error).message}`);
    return undefined;
  }
}
