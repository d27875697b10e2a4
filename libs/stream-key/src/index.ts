export * from './rtmp-url';
export * from './secret-redactor';
