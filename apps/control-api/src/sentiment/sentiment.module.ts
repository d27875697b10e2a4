import { Module } from '@nestjs/common';

import { SentimentSettings } from '@lib-stream/nest-kit';
import { LexiconSentimentProcessor } from '@lib-stream/sentiment';

import { SENTIMENT_PROCESSOR } from './sentiment-processor';

/** Provides the engine from @lib-stream/sentiment with the configured confidence floor. */
@Module({
  exports: [SENTIMENT_PROCESSOR],
  providers: [
    {
      provide: SENTIMENT_PROCESSOR,
      inject: [SentimentSettings],
      useFactory: (sentiment: SentimentSettings) => new LexiconSentimentProcessor({ floor: sentiment.confidenceFloor }),
    },
  ],
})
export class SentimentModule {}
