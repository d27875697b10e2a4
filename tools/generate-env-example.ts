// Regenerates .env.example from the settings table: npx ts-node --transpile-only tools/generate-env-example.ts > .env.example
import { SETTINGS, SETTING_NAMES, settingSpec } from '../libs/nest-kit/src/config/settings';
const groups: [string, (n: string) => boolean][] = [
  ['Infrastructure', (n) => /DATABASE_URL|REDIS_URL|JWT|DATA_DIR|LOG_LEVEL|SHUTDOWN|^(CONTROL_API|MEDIA_WORKER_HTTP|PULSE_PUBLISHER_HTTP)_PORT$/.test(n)],
  ['Feature flags', (n) => /^STREAM_(ENABLED|BROADCAST_ENABLED)$/.test(n)],
  ['Platforms (OAuth and webhooks)', (n) => /^(?!.*(EVENTSUB|WEBSUB)).*(TWITCH|YOUTUBE|GOOGLE|OAUTH|TOKEN_|PLATFORM_HTTP)/.test(n)],
  ['Webhooks', (n) => /CUSTOM_WEBHOOK|WEBHOOK_MAX_AGE|EVENTSUB_CALLBACK|WEBSUB/.test(n)],
  ['Camera ingest (media-worker)', (n) => /RTMP_INGEST|CAMERA|ADVERTISED/.test(n)],
  ['Sentiment and tracked viewers', (n) => /SENTIMENT|TRACK/.test(n)],
  ['Sessions and locks', (n) => /SESSION_HISTORY|LOCK/.test(n)],
  ['Broadcast (media-worker)', () => true],
];
const done = new Set<string>();
let out = `# lib-stream configuration. Every variable is optional unless marked REQUIRED; the value shown is the default.
# Copy to .env (or set in your environment / Kubernetes ConfigMap and Secret). Values marked SECRET are
# never logged or returned by the API; keep them in a secret store.
`;
for (const [title, match] of groups) {
  const names = SETTING_NAMES.filter((n) => !done.has(n) && match(n));
  if (!names.length) continue;
  out += `\n# --- ${title} ---\n`;
  for (const n of names) {
    done.add(n);
    const s = settingSpec(n) as any;
    const tags = [s.secret ? 'SECRET' : '', s.credentialUrl ? 'may hold a password' : '', n === 'STREAM_AUTH_JWT_SECRET' ? 'REQUIRED by control-api' : ''].filter(Boolean);
    out += `# ${s.description}${tags.length ? ` [${tags.join(', ')}]` : ''}\n${n}=${s.default}\n`;
  }
}
process.stdout.write(out);
void SETTINGS;
