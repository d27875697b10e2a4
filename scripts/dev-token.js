#!/usr/bin/env node
// Prints a bearer token for trying the API locally (works from any directory):
//   node scripts/dev-token.js [accountId] [roles, comma-separated]     (--help for details)
// The secret is found the way scripts/start.sh finds it: STREAM_AUTH_JWT_SECRET in the environment,
// else in the repository's .env, else the development secret start.sh generated in .data/dev-secrets.env.
const { existsSync, readFileSync } = require('fs');
const { randomUUID } = require('crypto');
const { join, resolve } = require('path');
const { parseEnv } = require('util');
const { sign } = require('jsonwebtoken');

const ROOT = resolve(__dirname, '..');
// The roles control-api knows (Role in libs/contracts/src/enums.ts; a test keeps this list equal).
const ROLES = ['user', 'admin', 'developer'];

const USAGE = `Usage: node scripts/dev-token.js [accountId] [roles]
  accountId  the token's sub claim (default: a random UUID)
  roles      comma-separated, any of: ${ROLES.join(', ')} (default: all of them)
Prints an HS256 token valid for 12 hours, signed with STREAM_AUTH_JWT_SECRET from the environment,
.env or .data/dev-secrets.env (in that order, as scripts/start.sh uses them).`;

/** The value of NAME in a dotenv file (Node's own parser), or undefined. */
function fromFile(file, name) {
  return existsSync(file) ? parseEnv(readFileSync(file, 'utf8'))[name] || undefined : undefined;
}

function jwtSecret() {
  const secret =
    process.env.STREAM_AUTH_JWT_SECRET ||
    fromFile(join(ROOT, '.env'), 'STREAM_AUTH_JWT_SECRET') ||
    fromFile(join(ROOT, '.data/dev-secrets.env'), 'STREAM_AUTH_JWT_SECRET');
  if (secret) return secret;
  // Names the missing setting only; there is no value to print.
  process.stderr.write('STREAM_AUTH_JWT_SECRET is not set (environment, .env) and scripts/start.sh has not generated a development secret yet: run it once.\n');
  process.exit(1);
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const accountId = args[0] || randomUUID();
const roles = (args[1] || ROLES.join(',')).split(',').map((role) => role.trim()).filter(Boolean);
const unknown = roles.filter((role) => !ROLES.includes(role));
if (unknown.length > 0 || roles.length === 0) {
  process.stderr.write(`Unknown role${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ') || '(none given)'}. Roles: ${ROLES.join(', ')}\n`);
  process.exit(2);
}
console.log(sign({ sub: accountId, roles }, jwtSecret(), { algorithm: 'HS256', expiresIn: '12h' }));
