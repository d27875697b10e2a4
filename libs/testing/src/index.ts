export * from './expect-eventually';
export * from './mariadb';
export * from './processes';
export * from './tokens';
