import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { PartyDataController } from './party-data.controller.js';
import { PartyDataService } from './party-data.service.js';

@Module({ imports: [DirectoryModule, TokensModule], controllers: [PartyDataController], providers: [PartyDataService] })
export class DataModule {}
