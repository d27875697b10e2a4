export * from './expect-eventually';
export * from './fake-platforms';
export * from './mariadb';
export * from './processes';
export * from './tokens';
