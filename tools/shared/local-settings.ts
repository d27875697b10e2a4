import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

const ROOT = resolve(__dirname, '../..');

/** NAME=value pairs of a dotenv file (Node's own parser: quotes, comments, `export`), or none when absent. */
function readEnvFile(file: string): Record<string, string> {
  return existsSync(file) ? (parseEnv(readFileSync(file, 'utf8')) as Record<string, string>) : {};
}

/** `env` with the repository's .env filling the names it leaves unset (the caller's environment wins, as in scripts/start.sh). */
export function withDotEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...readEnvFile(resolve(ROOT, '.env')), ...env };
}

/**
 * A setting as the stack started by scripts/start.sh sees it: the environment, then the repository's
 * .env, then the development secrets start.sh generated in .data/dev-secrets.env, then `fallback`.
 */
export function localSetting(name: string, fallback = ''): string {
  return process.env[name] || readEnvFile(resolve(ROOT, '.env'))[name] || readEnvFile(resolve(ROOT, '.data/dev-secrets.env'))[name] || fallback;
}
