import { AUDIT_TABLES } from './audit/audit.module.js';
import { AUTHORIZATION_TABLES } from './authorization/authorization.module.js';
import { DIRECTORY_TABLES } from './directory/directory.module.js';
import { OAUTH_TABLES } from './oauth/oauth.module.js';
import { PROCESSES_TABLES } from './processes/processes.module.js';
import { REGISTRANT_TABLES } from './registrant/registrant.module.js';
import { SETUP_TABLES } from './setup/setup.module.js';
import { TOKENS_TABLES } from './tokens/tokens.module.js';

/** Every mapped table, as the modules that own them list them: for the data source and the migrations check. */
export const ALL_TABLES = [...DIRECTORY_TABLES, ...AUDIT_TABLES, ...TOKENS_TABLES, ...OAUTH_TABLES, ...REGISTRANT_TABLES, ...PROCESSES_TABLES, ...AUTHORIZATION_TABLES, ...SETUP_TABLES];
