import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The admin audit trail. */
export class AuditTrail1764000000000 implements MigrationInterface {
  name = 'AuditTrail1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "audit_events" (
        "id" BIGSERIAL NOT NULL,
        "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "actor_entity_id" integer NOT NULL,
        "actor_party_id" integer,
        "actor_client_id" uuid,
        "action" text NOT NULL,
        "target_type" text NOT NULL,
        "target_id" text NOT NULL,
        "entity_id" integer,
        "diff" jsonb NOT NULL,
        CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "audit_events_entity_id_idx" ON "audit_events" ("entity_id", "id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "audit_events"');
  }
}
