import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Signing keys get states: next (published, not signing), current (signing), retired (published until its tokens expire). */
export class SigningKeyStates1764200000000 implements MigrationInterface {
  name = 'SigningKeyStates1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "signing_keys" ADD "state" text NOT NULL DEFAULT 'current'`);
    await queryRunner.query(`ALTER TABLE "signing_keys" ADD "retired_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "signing_keys" ADD CONSTRAINT "signing_keys_state_check" CHECK ("state" IN ('next', 'current', 'retired'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "signing_keys" DROP CONSTRAINT "signing_keys_state_check"');
    await queryRunner.query('ALTER TABLE "signing_keys" DROP COLUMN "retired_at"');
    await queryRunner.query('ALTER TABLE "signing_keys" DROP COLUMN "state"');
  }
}
