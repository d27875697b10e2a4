export * from './fake-google';
export * from './fake-http-server';
export * from './eventsub';
export * from './fake-twitch';
export * from './fake-youtube-chat-stream';
export * from './fake-youtube-live-chat';
