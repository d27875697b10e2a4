import { BullModule } from '@nestjs/bull';
import { Logger, Module, type OnModuleInit } from '@nestjs/common';

import { QueueNames } from '@lib-stream/contracts';
import { CipherProvider } from '@lib-stream/nest-kit';

import { OAuthClients } from './oauth/oauth-clients';
import { OAuthStateStore } from './oauth-state.store';
import { PlatformLinksController } from './platform-links.controller';
import { PlatformLinksRepository } from './platform-links.repository';
import { PlatformLinksService } from './platform-links.service';
import { TokenRefreshService } from './token-refresh.service';
import { TokenRefreshProcessor, TokenRefreshScheduler } from './token-refresh.worker';

@Module({
  controllers: [PlatformLinksController],
  exports: [PlatformLinksRepository, TokenRefreshService],
  imports: [BullModule.registerQueue({ name: QueueNames.TokenRefresh })],
  providers: [
    OAuthClients,
    OAuthStateStore,
    PlatformLinksRepository,
    PlatformLinksService,
    TokenRefreshProcessor,
    TokenRefreshScheduler,
    TokenRefreshService,
  ],
})
export class PlatformLinksModule implements OnModuleInit {
  constructor(private readonly cipher: CipherProvider) {}

  /** Linking needs the cipher (tokens and platform user ids are stored sealed): say so once at start. */
  onModuleInit(): void {
    if (this.cipher.unusableReason === null) return;
    new Logger('PlatformLinks').warn({ msg: `platform linking is unavailable: STREAM_TOKEN_ENCRYPTION_KEY ${this.cipher.unusableReason}` });
  }
}
