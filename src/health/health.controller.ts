import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Liveness: the process answers. Readiness: the database answers and no migration is pending. */
@Controller('health')
@ApiTags('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Get('live')
  @ApiOkResponse({ description: '{"status":"ok"}' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOkResponse({ description: 'Ready: database reachable, migrations applied' })
  @ApiServiceUnavailableResponse({ description: 'Not ready' })
  ready() {
    return this.health.check([
      () => this.indicators.check('database').attempt(async () => {
        await this.dataSource.query('SELECT 1');
      }).withTimeout(1500),
      () => this.indicators.check('migrations').attempt(async () => {
        if (await this.dataSource.showMigrations()) throw new Error('migrations are pending');
      }).withTimeout(1500),
    ]);
  }
}
