/**
 * The sentiment seam as control-api injects it: the engine lives in @lib-stream/sentiment (pure TypeScript); this
 * token lets another SentimentProcessor implementation be swapped in without touching the callers.
 */
export type { MessageContext, SentimentProcessor, SentimentResult, SentimentVerdict } from '@lib-stream/sentiment';

export const SENTIMENT_PROCESSOR = Symbol('SENTIMENT_PROCESSOR');
