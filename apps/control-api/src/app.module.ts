import { BullModule } from '@nestjs/bull';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';

import { AppConfig, DatabaseSettings, RedisSettings, ServiceIdentity, StreamKitModule, bullQueueOptions } from '@lib-stream/nest-kit';

import { AdminModule } from './admin/admin.module';
import { AudienceModule } from './audience/audience.module';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { BroadcastsModule } from './broadcasts/broadcasts.module';
import { CamerasModule } from './cameras/cameras.module';
import { DatabaseModule } from './database/database.module';
import { LiveStatusModule } from './live-status/live-status.module';
import { OpsModule } from './ops/ops.module';
import { PlatformLinksModule } from './platform-links/platform-links.module';
import { SessionsModule } from './sessions/sessions.module';
import { WebhookSubscriptionsModule } from './webhook-subscriptions/webhook-subscriptions.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { YouTubeModule } from './youtube/youtube.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, identity: ServiceIdentity): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AdminModule,
        AudienceModule,
        BroadcastsModule,
        CamerasModule,
        BullModule.forRoot(bullQueueOptions(new RedisSettings(config))),
        DatabaseModule.forRoot(new DatabaseSettings(config)),
        LiveStatusModule,
        EventEmitterModule.forRoot(),
        OpsModule,
        PlatformLinksModule,
        ScheduleModule.forRoot(),
        SessionsModule,
        StreamKitModule.forRoot({ config, identity }),
        WebhookSubscriptionsModule,
        WebhooksModule,
        YouTubeModule,
      ],
      providers: [{ provide: APP_GUARD, useClass: JwtAuthGuard }],
    };
  }
}
