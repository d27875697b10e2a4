export * from './expect-eventually';
export * from './fake-platforms';
export * from './ffmpeg';
export * from './mariadb';
export * from './processes';
export * from './tokens';
