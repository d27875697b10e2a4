export * from './fake-google';
export * from './fake-http-server';
export * from './eventsub';
export * from './fake-twitch';
