import { settingSpec } from '@lib-stream/nest-kit';
import { DEFAULT_CONFIDENCE_FLOOR } from '@lib-stream/sentiment';

describe('STREAM_SENTIMENT_CONFIDENCE_FLOOR', () => {
  it('defaults to the floor the engine was tuned with (tools/sentiment/choose-floor.ts), which evaluate reports', () => {
    expect(settingSpec('STREAM_SENTIMENT_CONFIDENCE_FLOOR').default).toBe(DEFAULT_CONFIDENCE_FLOOR);
  });
});
