#!/usr/bin/env node
// Prints a bearer token for trying the API locally:
//   node scripts/dev-token.js [accountId] [roles, comma-separated]
// Signed with STREAM_AUTH_JWT_SECRET, or the dev secret scripts/start.sh generated in .data/dev-secrets.env.
const { readFileSync } = require('fs');
const { randomUUID } = require('crypto');
const { sign } = require('jsonwebtoken');

function devSecret() {
  if (process.env.STREAM_AUTH_JWT_SECRET) return process.env.STREAM_AUTH_JWT_SECRET;
  try {
    const match = /^STREAM_AUTH_JWT_SECRET=(.+)$/m.exec(readFileSync('.data/dev-secrets.env', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // fall through
  }
  // Names the missing setting only; there is no value to print.
  process.stderr.write('STREAM_AUTH_JWT_SECRET is not set and scripts/start.sh has not generated development settings yet (run it once).\n');
  process.exit(1);
}

const accountId = process.argv[2] || randomUUID();
const roles = (process.argv[3] || 'user,admin,developer').split(',').map((role) => role.trim()).filter(Boolean);
console.log(sign({ sub: accountId, roles }, devSecret(), { algorithm: 'HS256', expiresIn: '12h' }));
