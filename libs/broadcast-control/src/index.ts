export * from './broadcast-command-client';
export * from './broadcast-scripts';
export * from './broadcast-state';
export * from './job-result';
export * from './job-waiter';
export * from './sealed-url';
