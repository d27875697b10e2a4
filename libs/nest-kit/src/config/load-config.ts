import { secretRedactor } from '@lib-stream/stream-key';

import { AppConfig, SETTING_NAMES, SettingName, settingSpec } from './settings';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export interface LoadConfigOptions {
  /** Settings this app cannot run without (an empty value is an error). */
  required?: SettingName[];
}

/**
 * Reads and validates every setting once. Problems are collected so an operator sees all of them at
 * once; each names the variable, and the offending value only when the setting is not secret.
 * Secret values are registered with the log redactor as a side effect.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): AppConfig {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};

  for (const name of SETTING_NAMES) {
    const spec = settingSpec(name);
    const raw = env[name];
    const isSecret = spec.secret === true || spec.credentialUrl === true;
    const shown = isSecret ? '' : ` (got "${raw}")`;
    if (raw === undefined || raw.trim() === '') {
      config[name] = spec.default;
      continue;
    }
    const value = raw.trim();
    switch (spec.kind) {
      case 'boolean': {
        const parsed = parseBoolean(value);
        if (parsed === null) problems.push(`${name} must be true or false${shown}`);
        else config[name] = parsed;
        break;
      }
      case 'integer':
      case 'number': {
        const parsed = Number(value);
        const wholeOk = spec.kind === 'number' || Number.isInteger(parsed);
        if (!/^-?\d+(\.\d+)?$/.test(value) || !Number.isFinite(parsed) || !wholeOk) {
          problems.push(`${name} must be ${spec.kind === 'integer' ? 'an integer' : 'a number'}${shown}`);
        } else if ((spec.min !== undefined && parsed < spec.min) || (spec.max !== undefined && parsed > spec.max)) {
          problems.push(`${name} must be between ${spec.min} and ${spec.max}${shown}`);
        } else {
          config[name] = parsed;
        }
        break;
      }
      case 'string': {
        const error = spec.check?.(value);
        if (error) problems.push(`${name} ${error}`);
        else config[name] = value;
        break;
      }
    }
  }

  for (const name of options.required ?? []) {
    if (env[name] === undefined || env[name]?.trim() === '') problems.push(`${name} is required and not set`);
  }
  if (
    typeof config.STREAM_SENTIMENT_MIN_BATCH_SIZE === 'number' &&
    typeof config.STREAM_SENTIMENT_MAX_BATCH_SIZE === 'number' &&
    config.STREAM_SENTIMENT_MIN_BATCH_SIZE > config.STREAM_SENTIMENT_MAX_BATCH_SIZE
  ) {
    problems.push('STREAM_SENTIMENT_MIN_BATCH_SIZE must not exceed STREAM_SENTIMENT_MAX_BATCH_SIZE');
  }
  const jwtSecret = config.STREAM_AUTH_JWT_SECRET;
  if (typeof jwtSecret === 'string' && jwtSecret !== '' && jwtSecret.length < 32) {
    problems.push('STREAM_AUTH_JWT_SECRET must be at least 32 characters');
  }

  registerSecrets(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config) as unknown as AppConfig;
}

function parseBoolean(value: string): boolean | null {
  const lower = value.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lower)) return true;
  if (['false', '0', 'no', 'off'].includes(lower)) return false;
  return null;
}

function registerSecrets(config: Record<string, unknown>): void {
  for (const name of SETTING_NAMES) {
    const spec = settingSpec(name);
    const value = config[name];
    if (typeof value !== 'string' || value === '') continue;
    if (spec.secret) secretRedactor.register(value);
    if (spec.credentialUrl) secretRedactor.register(urlPassword(value));
  }
}

function urlPassword(value: string): string {
  try {
    return decodeURIComponent(new URL(value).password);
  } catch {
    return '';
  }
}

/** The effective configuration for display: secrets shown only as set/unset, URL passwords masked. */
export function describeConfig(config: AppConfig): Record<SettingName, string | number | boolean> {
  const out = {} as Record<SettingName, string | number | boolean>;
  for (const name of SETTING_NAMES) {
    const spec = settingSpec(name);
    const value = config[name];
    if (spec.secret) out[name] = value === '' ? '(unset)' : '(set)';
    else if (spec.credentialUrl && typeof value === 'string' && value !== '') out[name] = maskUrlPassword(value);
    else out[name] = value;
  }
  return out;
}

function maskUrlPassword(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '****';
    return url.toString();
  } catch {
    return '(invalid)';
  }
}
