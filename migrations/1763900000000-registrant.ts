import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Registrant password credentials and the login throttle. */
export class Registrant1763900000000 implements MigrationInterface {
  name = 'Registrant1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "registrant_credentials" (
        "entity_id" integer NOT NULL,
        "username" text NOT NULL,
        "password_hash" text NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "registrant_credentials_pkey" PRIMARY KEY ("entity_id"),
        CONSTRAINT "registrant_credentials_username_key" UNIQUE ("username"),
        CONSTRAINT "registrant_credentials_entity_id_fkey" FOREIGN KEY ("entity_id") REFERENCES "entities"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`
      CREATE TABLE "login_throttles" (
        "key" text NOT NULL,
        "failures" integer NOT NULL DEFAULT '0',
        "window_started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "locked_until" TIMESTAMP WITH TIME ZONE,
        "lockouts" integer NOT NULL DEFAULT '0',
        CONSTRAINT "login_throttles_pkey" PRIMARY KEY ("key")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "login_throttles"');
    await queryRunner.query('DROP TABLE "registrant_credentials"');
  }
}
