export * from './enums';
export * from './errors';
export * from './events';
export * from './locks';
export * from './topics';
export * from './cameras';
export * from './sessions';
export * from './broadcasts';
