export * from './media-url';
export * from './rtmp-url';
export * from './secret-redactor';
export * from './secret-cipher';
export * from './stream-key';
