export const APP_CONFIG = Symbol('APP_CONFIG');
export const SERVICE_IDENTITY = Symbol('SERVICE_IDENTITY');
