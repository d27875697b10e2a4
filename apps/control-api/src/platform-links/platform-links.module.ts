import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { QueueNames } from '@lib-stream/contracts';

import { LinkCipherProvider } from './link-cipher.provider';
import { OAuthClients } from './oauth/oauth-clients';
import { OAuthStateStore } from './oauth-state.store';
import { PlatformLinksController } from './platform-links.controller';
import { PlatformLinksRepository } from './platform-links.repository';
import { PlatformLinksService } from './platform-links.service';
import { TokenRefreshService } from './token-refresh.service';
import { TokenRefreshProcessor, TokenRefreshScheduler } from './token-refresh.worker';

@Module({
  controllers: [PlatformLinksController],
  exports: [LinkCipherProvider, PlatformLinksRepository, TokenRefreshService],
  imports: [BullModule.registerQueue({ name: QueueNames.TokenRefresh })],
  providers: [
    LinkCipherProvider,
    OAuthClients,
    OAuthStateStore,
    PlatformLinksRepository,
    PlatformLinksService,
    TokenRefreshProcessor,
    TokenRefreshScheduler,
    TokenRefreshService,
  ],
})
export class PlatformLinksModule {}
