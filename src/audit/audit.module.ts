import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module.js';
import { AuditEventRecord } from './audit-event-record.js';
import { AuditTrail } from './audit-trail.service.js';

/** The tables this module owns. */
export const AUDIT_TABLES = [AuditEventRecord];

/** The audit trail: who changed what, when, acting for which party; written in the same transaction as the change. */
@Module({ imports: [DirectoryModule], providers: [AuditTrail], exports: [AuditTrail] })
export class AuditModule {}
