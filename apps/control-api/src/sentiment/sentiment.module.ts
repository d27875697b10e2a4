import { Module } from '@nestjs/common';

import { APP_CONFIG, type AppConfig } from '@lib-stream/nest-kit';
import { LexiconSentimentProcessor } from '@lib-stream/sentiment';

import { SENTIMENT_PROCESSOR } from './sentiment-processor';

/** Provides the engine from @lib-stream/sentiment with the configured confidence floor. */
@Module({
  exports: [SENTIMENT_PROCESSOR],
  providers: [
    {
      provide: SENTIMENT_PROCESSOR,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new LexiconSentimentProcessor({ floor: config.STREAM_SENTIMENT_CONFIDENCE_FLOOR }),
    },
  ],
})
export class SentimentModule {}
