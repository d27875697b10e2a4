export * from './sentiment-processor';
export { LexiconSentimentProcessor, DEFAULT_CONFIDENCE_FLOOR, type LexiconSentimentOptions } from './lexicon-sentiment.processor';
export { normaliseChat, deleet } from './normalise';
export { EMOTES, type EmoteReading, type EmoteSource } from './emote-table';
export { ChatTokens, TokenKind, tokenizeChat, collapseRuns } from './chat-tokenizer';
export { LEARNED_CLASSES, type LearnedClass, type LearnedWeights } from './learned-weights';
