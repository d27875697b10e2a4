export * from './expect-eventually';
export * from './fake-platforms';
export * from './ffmpeg';
export * from './leak-scan';
export * from './mariadb';
export * from './processes';
export * from './tokens';
export * from './rtmp-platform';
