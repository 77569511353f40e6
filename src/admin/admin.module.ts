import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module.js';
import { RegistrantModule } from '../registrant/registrant.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AdminController } from './admin.controller.js';
import { AdminService } from './admin.service.js';
import { OperatorBootstrap } from './operator-bootstrap.service.js';

@Module({ imports: [DirectoryModule, TokensModule, RegistrantModule], controllers: [AdminController], providers: [AdminService, OperatorBootstrap] })
export class AdminModule {}
