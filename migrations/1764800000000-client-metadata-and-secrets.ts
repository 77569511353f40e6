import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Client metadata (RFC 7591 names) and client secrets. Every existing client
 * keeps working as it did: a JWT-bearer client authenticating with its keys
 * (private_key_jwt), by the columns' defaults.
 */
export class ClientMetadataAndSecrets1764800000000 implements MigrationInterface {
  name = 'ClientMetadataAndSecrets1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "entity_clients"
        ADD "grant_types" text array NOT NULL DEFAULT '{urn:ietf:params:oauth:grant-type:jwt-bearer}',
        ADD "token_endpoint_auth_method" text NOT NULL DEFAULT 'private_key_jwt',
        ADD "redirect_uris" text array NOT NULL DEFAULT '{}',
        ADD "post_logout_redirect_uris" text array NOT NULL DEFAULT '{}',
        ADD "require_pushed_authorization_requests" boolean NOT NULL DEFAULT false,
        ADD "tls_client_auth_subject_dn" text,
        ADD "dpop_bound_access_tokens" boolean NOT NULL DEFAULT false,
        ADD "tls_client_certificate_bound_access_tokens" boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT "entity_clients_auth_method_check" CHECK ("token_endpoint_auth_method" IN ('private_key_jwt', 'client_secret_basic', 'client_secret_post', 'tls_client_auth', 'self_signed_tls_client_auth', 'none')),
        ADD CONSTRAINT "entity_clients_one_binding_check" CHECK (NOT ("dpop_bound_access_tokens" AND "tls_client_certificate_bound_access_tokens"))`);
    await queryRunner.query(`
      CREATE TABLE "entity_client_secrets" (
        "secret_id" uuid NOT NULL,
        "client_id" uuid NOT NULL,
        "digest" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "last_used_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "entity_client_secrets_pkey" PRIMARY KEY ("secret_id"),
        CONSTRAINT "entity_client_secrets_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "entity_clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE INDEX "entity_client_secrets_client_id_idx" ON "entity_client_secrets" ("client_id")`);
    // Caches follow secrets like keys; marking a secret used (last_used_at) is no change to follow.
    await queryRunner.query(`CREATE TRIGGER "entity_client_secrets_changed" AFTER INSERT OR UPDATE OF "digest", "client_id" OR DELETE OR TRUNCATE ON "entity_client_secrets" FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_changed()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "entity_client_secrets"');
    await queryRunner.query(`
      ALTER TABLE "entity_clients" DROP CONSTRAINT "entity_clients_one_binding_check", DROP CONSTRAINT "entity_clients_auth_method_check",
        DROP COLUMN "tls_client_certificate_bound_access_tokens", DROP COLUMN "dpop_bound_access_tokens", DROP COLUMN "tls_client_auth_subject_dn",
        DROP COLUMN "require_pushed_authorization_requests", DROP COLUMN "post_logout_redirect_uris", DROP COLUMN "redirect_uris",
        DROP COLUMN "token_endpoint_auth_method", DROP COLUMN "grant_types"`);
  }
}
