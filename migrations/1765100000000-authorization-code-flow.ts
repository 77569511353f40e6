import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The authorization-code flow: authorization requests (pushed, then in the
 * browser), codes, the login session at the issuer, consents, and grants
 * (one login of one person at one client: the refresh token family, whose id
 * is the `sid` of every access token issued from it) with their refresh
 * tokens. Every secret (request URI, page handle, browser binding, form
 * token, code, cookie, refresh token) is kept only as its digest.
 */
export class AuthorizationCodeFlow1765100000000 implements MigrationInterface {
  name = 'AuthorizationCodeFlow1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const client = (table: string) => `CONSTRAINT "${table}_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "entity_clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION`;
    const entity = (table: string) => `CONSTRAINT "${table}_entity_id_fkey" FOREIGN KEY ("entity_id") REFERENCES "entities"("id") ON DELETE CASCADE ON UPDATE NO ACTION`;
    await queryRunner.query(`
      CREATE TABLE "login_sessions" (
        "id" uuid NOT NULL,
        "cookie_digest" text NOT NULL,
        "entity_id" integer NOT NULL,
        "auth_time" TIMESTAMP WITH TIME ZONE NOT NULL,
        "amr" text array NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "ended_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "login_sessions_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "login_sessions_cookie_digest_key" UNIQUE ("cookie_digest"),
        ${entity('login_sessions')}
      )`);
    await queryRunner.query(`CREATE INDEX "login_sessions_expires_at_idx" ON "login_sessions" ("expires_at")`);
    await queryRunner.query(`
      CREATE TABLE "authorization_requests" (
        "id" uuid NOT NULL,
        "client_id" uuid NOT NULL,
        "redirect_uri" text NOT NULL,
        "scope" text NOT NULL,
        "state" text,
        "nonce" text,
        "code_challenge" text NOT NULL,
        "prompt" text,
        "max_age" integer,
        "request_uri_digest" text,
        "handle_digest" text,
        "browser_digest" text,
        "form_nonce_digest" text,
        "entity_id" integer,
        "login_session_id" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "ended_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "authorization_requests_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "authorization_requests_request_uri_digest_key" UNIQUE ("request_uri_digest"),
        CONSTRAINT "authorization_requests_handle_digest_key" UNIQUE ("handle_digest"),
        ${client('authorization_requests')},
        ${entity('authorization_requests')},
        CONSTRAINT "authorization_requests_login_session_id_fkey" FOREIGN KEY ("login_session_id") REFERENCES "login_sessions"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE INDEX "authorization_requests_expires_at_idx" ON "authorization_requests" ("expires_at")`);
    await queryRunner.query(`
      CREATE TABLE "grants" (
        "id" uuid NOT NULL,
        "client_id" uuid NOT NULL,
        "entity_id" integer NOT NULL,
        "party_id" integer,
        "scope" text NOT NULL,
        "login_session_id" uuid,
        "auth_time" TIMESTAMP WITH TIME ZONE NOT NULL,
        "amr" text array NOT NULL,
        "dpop_jkt" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "grants_pkey" PRIMARY KEY ("id"),
        ${client('grants')},
        ${entity('grants')},
        CONSTRAINT "grants_party_id_fkey" FOREIGN KEY ("party_id") REFERENCES "parties"("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "grants_login_session_id_fkey" FOREIGN KEY ("login_session_id") REFERENCES "login_sessions"("id") ON DELETE SET NULL ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE INDEX "grants_login_session_id_idx" ON "grants" ("login_session_id")`);
    await queryRunner.query(`CREATE INDEX "grants_expires_at_idx" ON "grants" ("expires_at")`);
    await queryRunner.query(`
      CREATE TABLE "authorization_codes" (
        "code_digest" text NOT NULL,
        "grant_id" uuid NOT NULL,
        "redirect_uri" text NOT NULL,
        "code_challenge" text NOT NULL,
        "nonce" text,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "used_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "authorization_codes_pkey" PRIMARY KEY ("code_digest"),
        CONSTRAINT "authorization_codes_grant_id_fkey" FOREIGN KEY ("grant_id") REFERENCES "grants"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE INDEX "authorization_codes_grant_id_idx" ON "authorization_codes" ("grant_id")`);
    await queryRunner.query(`CREATE INDEX "authorization_codes_expires_at_idx" ON "authorization_codes" ("expires_at")`);
    await queryRunner.query(`
      CREATE TABLE "refresh_tokens" (
        "digest" text NOT NULL,
        "grant_id" uuid NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "used_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "refresh_tokens_pkey" PRIMARY KEY ("digest"),
        CONSTRAINT "refresh_tokens_grant_id_fkey" FOREIGN KEY ("grant_id") REFERENCES "grants"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE INDEX "refresh_tokens_grant_id_idx" ON "refresh_tokens" ("grant_id")`);
    await queryRunner.query(`
      CREATE TABLE "consents" (
        "entity_id" integer NOT NULL,
        "client_id" uuid NOT NULL,
        "scope" text NOT NULL,
        "granted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "consents_pkey" PRIMARY KEY ("entity_id", "client_id"),
        ${entity('consents')},
        ${client('consents')}
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['consents', 'refresh_tokens', 'authorization_codes', 'grants', 'authorization_requests', 'login_sessions']) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
