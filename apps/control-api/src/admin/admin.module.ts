import { Module } from '@nestjs/common';

import { SentimentModule } from '../sentiment/sentiment.module';
import { AdminConfigController } from './admin-config.controller';
import { PulseAdminController } from './pulse-admin.controller';
import { SentimentAdminController } from './sentiment-admin.controller';

/** Operators' views under `/stream/admin/*` (admin role): settings, the last pulses, the sentiment engine. */
@Module({
  controllers: [AdminConfigController, PulseAdminController, SentimentAdminController],
  imports: [SentimentModule],
})
export class AdminModule {}
