import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** NAME=value of a dotenv-style file, or undefined (surrounding quotes dropped). */
function fromFile(file: string, name: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const match = new RegExp(`^\\s*(?:export\\s+)?${name}=(.*)$`, 'm').exec(readFileSync(file, 'utf8'));
  const value = match?.[1].trim().replace(/^(['"])(.*)\1$/, '$2');
  return value || undefined;
}

/**
 * A setting as the stack started by scripts/start.sh sees it: the environment, then the repository's
 * .env, then the development secrets start.sh generated in .data/dev-secrets.env, then `fallback`.
 */
export function localSetting(name: string, fallback = ''): string {
  return process.env[name] || fromFile(resolve(ROOT, '.env'), name) || fromFile(resolve(ROOT, '.data/dev-secrets.env'), name) || fallback;
}
