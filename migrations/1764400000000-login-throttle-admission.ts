import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Login throttling admits attempts before hashing: each key counts the
 * attempts in flight (`pending`, forgotten 60 s after `last_admitted_at`),
 * and the username-address pairs that logged in successfully are remembered.
 */
export class LoginThrottleAdmission1764400000000 implements MigrationInterface {
  name = 'LoginThrottleAdmission1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "login_throttles" ADD "pending" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "login_throttles" ADD "last_admitted_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`
      CREATE TABLE "login_known_addresses" (
        "username" text NOT NULL,
        "address" text NOT NULL,
        "last_success_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "login_known_addresses_pkey" PRIMARY KEY ("username", "address")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "login_known_addresses"');
    await queryRunner.query('ALTER TABLE "login_throttles" DROP COLUMN "last_admitted_at"');
    await queryRunner.query('ALTER TABLE "login_throttles" DROP COLUMN "pending"');
  }
}
