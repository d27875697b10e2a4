export * from './anonymous-guard';
export * from './secret';
export * from './sentiment';
