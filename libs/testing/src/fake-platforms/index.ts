export * from './fake-google';
export * from './fake-http-server';
export * from './fake-twitch';
