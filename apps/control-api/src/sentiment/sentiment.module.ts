import { Module } from '@nestjs/common';

import { LexiconSentimentProcessor } from './lexicon-sentiment.processor';
import { PulseAdminController } from './pulse-admin.controller';
import { SentimentAdminController } from './sentiment-admin.controller';
import { SENTIMENT_PROCESSOR } from './sentiment-processor';

@Module({
  controllers: [PulseAdminController, SentimentAdminController],
  exports: [SENTIMENT_PROCESSOR],
  providers: [{ provide: SENTIMENT_PROCESSOR, useFactory: () => new LexiconSentimentProcessor() }],
})
export class SentimentModule {}
