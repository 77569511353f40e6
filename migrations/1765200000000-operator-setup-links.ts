import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One-time links to make an operator person (the first on a fresh start, or by `npm run operator`): kept as digests, used once. */
export class OperatorSetupLinks1765200000000 implements MigrationInterface {
  name = 'OperatorSetupLinks1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "operator_setup_links" (
        "id" uuid NOT NULL,
        "code_digest" text NOT NULL,
        "email" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "used_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "operator_setup_links_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "operator_setup_links_code_digest_key" UNIQUE ("code_digest")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "operator_setup_links"');
  }
}
