import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One-time process tokens (finAPI's Process Controller): kept as digests, ended once. */
export class Processes1764900000000 implements MigrationInterface {
  name = 'Processes1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "processes" (
        "id" uuid NOT NULL,
        "token_digest" text NOT NULL,
        "client_id" uuid NOT NULL,
        "process_id" text NOT NULL,
        "client_reference" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "ended_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "processes_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "processes_token_digest_key" UNIQUE ("token_digest"),
        CONSTRAINT "processes_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "entity_clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE INDEX "processes_open_idx" ON "processes" ("client_id", "expires_at") WHERE "ended_at" IS NULL`);
    await queryRunner.query(`CREATE INDEX "processes_expires_at_idx" ON "processes" ("expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "processes"');
  }
}
