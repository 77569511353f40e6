import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { PartyDataController, PartyDataService } from './party-data.controller.js';

@Module({ imports: [DirectoryModule, TokensModule], controllers: [PartyDataController], providers: [PartyDataService] })
export class DataModule {}
